import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLstm } from '../../src/models/lstm.js';
import {
  assertAdamWMatchesFixture,
  assertMatchesFixture,
  assertBackwardAccumulates,
  assertCacheSizeIndependent,
  assertUniformInit,
  assertFiniteDifferencesCatchErrors,
  assertGradientsMatchFiniteDifferences,
  fixtureCase,
  randomProblem,
  BACKENDS,
} from './check.js';

for (const be of BACKENDS) {
  const c = fixtureCase('lstm');
  const [, , F] = c.input_shape;
  const H = c.params['rnn.weight_hh_l0'].shape[1]; // (4H, H)

  test(`the LSTM reproduces PyTorch’s output, loss and every gradient on the fixture (${be.name})`, (t) => {
    for (const line of assertMatchesFixture(createLstm({ features: F, hidden: H }, be), c, be)) t.diagnostic(line);
  });

  test(`five AdamW steps on the LSTM follow PyTorch’s losses and parameters (${be.name})`, (t) => {
    for (const line of assertAdamWMatchesFixture(createLstm({ features: F, hidden: H }, be), c, be)) t.diagnostic(line);
  });

  /** A small random LSTM with doubled weights (gates well into their curved range) and the loss L = Σ r·out (see randomProblem). */
  const smallProblem = (seed: number) => randomProblem(createLstm({ features: 5, hidden: 7 }, be), be, seed, 3, 6, 2);

  test(`LSTM gradients agree with finite differences in every parameter tensor (${be.name})`, (t) => {
    t.diagnostic(assertGradientsMatchFiniteDifferences('lstm', smallProblem(3)));
  });

  test(`the finite-difference check catches an LSTM gradient entry that is 2% off, in every tensor (${be.name})`, () => {
    assertFiniteDifferencesCatchErrors(smallProblem(4));
  });

  test(`a batch smaller than the cache gives exactly the LSTM results of a cache of its own size (${be.name})`, () => {
    assertCacheSizeIndependent(smallProblem(5), be);
  });

  test(`an LSTM cache used for another batch size first gives the same results as a fresh one (${be.name})`, () => {
    // Time-major buffers move with B: h_0 of a one-sequence batch sits where a three-sequence
    // batch keeps its zero initial state, which forward must clear again.
    const p = smallProblem(7);
    const cache = p.model.createCache(p.B, p.T);
    const out = be.alloc(p.B * p.T * p.F);
    const grads = be.alloc(p.model.layout.size);
    p.model.forward(out, cache, p.x.subarray(0, p.T * p.F), p.params, 1, p.T);
    p.model.backward(grads, p.r.subarray(0, p.T * p.F), cache, p.params, 1, p.T);
    grads.fill(0);
    p.model.forward(out, cache, p.x, p.params, p.B, p.T);
    p.model.backward(grads, p.r, cache, p.params, p.B, p.T);
    const fresh = be.alloc(p.B * p.T * p.F);
    p.model.forward(fresh, p.model.createCache(p.B, p.T), p.x, p.params, p.B, p.T);
    assert.deepEqual(out, fresh);
    assert.deepEqual(grads, p.grads);
  });

  test(`LSTM backward adds into the gradient buffer instead of overwriting it (${be.name})`, () => {
    assertBackwardAccumulates(smallProblem(6), be);
  });

  test(`LSTM initial parameters lie within PyTorch’s bounds, and the same seed gives the same parameters (${be.name})`, () => {
    // Recurrent weights and biases, and the read-out (in = H): all ±1/√H.
    assertUniformInit(createLstm({ features: 12, hidden: 128 }, be), be, () => 1 / Math.sqrt(128));
  });

  test(`the LSTM has PyTorch’s parameter names and shapes (${be.name})`, () => {
    const model = createLstm({ features: 5, hidden: 7 }, be);
    assert.deepEqual(
      model.layout.entries.map((e) => [e.name, e.shape]),
      [
        ['rnn.weight_ih_l0', [28, 5]],
        ['rnn.weight_hh_l0', [28, 7]],
        ['rnn.bias_ih_l0', [28]],
        ['rnn.bias_hh_l0', [28]],
        ['fc.weight', [5, 7]],
        ['fc.bias', [5]],
      ],
    );
  });

  test(`the LSTM refuses a batch that does not fit its cache, and a backward that does not match its forward (${be.name})`, () => {
    const model = createLstm({ features: 2, hidden: 3 }, be);
    const cache = model.createCache(2, 4);
    const params = be.alloc(model.layout.size);
    const grads = be.alloc(model.layout.size);
    const x = be.alloc(3 * 4 * 2);
    const out = be.alloc(3 * 4 * 2);
    assert.throws(() => model.backward(grads, out, cache, params, 2, 4), /needs a forward first/);
    assert.throws(() => model.forward(out, cache, x, params, 3, 4), /does not fit/);
    assert.throws(() => model.forward(out, cache, x, params, 2, 5), /does not fit/);
    assert.throws(() => model.forward(out.subarray(0, 5), cache, x, params, 2, 4), /need 16 values/);
    model.forward(out, cache, x, params, 2, 4);
    assert.throws(() => model.backward(grads, out, cache, params, 1, 4), /after a forward of 2 × 4/);
    assert.throws(() => createLstm({ features: 0, hidden: 3 }, be), /features/);
  });
}
