import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGru } from '../../src/models/gru.js';
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
  const c = fixtureCase('gru');
  const [, , F] = c.input_shape;
  const H = c.params['rnn.weight_hh_l0'].shape[1]; // (3H, H)

  test(`the GRU reproduces PyTorch’s output, loss and every gradient on the fixture (${be.name})`, (t) => {
    for (const line of assertMatchesFixture(createGru({ features: F, hidden: H }, be), c, be)) t.diagnostic(line);
  });

  test(`five AdamW steps on the GRU follow PyTorch’s losses and parameters (${be.name})`, (t) => {
    for (const line of assertAdamWMatchesFixture(createGru({ features: F, hidden: H }, be), c, be)) t.diagnostic(line);
  });

  /** A small random GRU with doubled weights (gates well into their curved range) and the loss L = Σ r·out (see randomProblem). */
  const smallProblem = (seed: number) => randomProblem(createGru({ features: 5, hidden: 7 }, be), be, seed, 3, 6, 2);

  test(`GRU gradients agree with finite differences in every parameter tensor (${be.name})`, (t) => {
    t.diagnostic(assertGradientsMatchFiniteDifferences('gru', smallProblem(3)));
  });

  test(`the finite-difference check catches a GRU gradient entry that is 2% off, in every tensor (${be.name})`, () => {
    assertFiniteDifferencesCatchErrors(smallProblem(4));
  });

  test(`a GRU batch smaller than the cache gives exactly the results of a cache of its own size (${be.name})`, () => {
    assertCacheSizeIndependent(smallProblem(5), be);
  });

  test(`a GRU cache gives the same results after serving a batch of another size (${be.name})`, () => {
    // The per-step views are cut for one batch size; a smaller batch must get its own.
    const p = smallProblem(7);
    const cache = p.model.createCache(p.B + 2, p.T);
    const big = be.alloc((p.B + 2) * p.T * p.F);
    big.set(p.x);
    const out = be.alloc((p.B + 2) * p.T * p.F);
    p.model.forward(out, cache, big, p.params, p.B + 2, p.T);
    const grads = be.alloc(p.model.layout.size);
    p.model.forward(out, cache, p.x, p.params, p.B, p.T);
    p.model.backward(grads, p.r, cache, p.params, p.B, p.T);
    assert.deepEqual(grads, p.grads);
  });

  test(`GRU backward adds into the gradient buffer instead of overwriting it (${be.name})`, () => {
    assertBackwardAccumulates(smallProblem(6), be);
  });

  test(`GRU initial parameters lie within PyTorch’s bounds, and the same seed gives the same parameters (${be.name})`, () => {
    // Recurrent weights and biases, and the read-out (in = H): all ±1/√H.
    assertUniformInit(createGru({ features: 12, hidden: 128 }, be), be, () => 1 / Math.sqrt(128));
  });

  test(`the GRU has PyTorch’s parameter names and shapes (${be.name})`, () => {
    const model = createGru({ features: 5, hidden: 7 }, be);
    assert.deepEqual(
      model.layout.entries.map((e) => [e.name, e.shape]),
      [
        ['rnn.weight_ih_l0', [21, 5]],
        ['rnn.weight_hh_l0', [21, 7]],
        ['rnn.bias_ih_l0', [21]],
        ['rnn.bias_hh_l0', [21]],
        ['fc.weight', [5, 7]],
        ['fc.bias', [5]],
      ],
    );
  });

  test(`the GRU refuses a batch that does not fit its cache, and backward without a matching forward (${be.name})`, () => {
    const model = createGru({ features: 2, hidden: 3 }, be);
    const cache = model.createCache(2, 4);
    const params = be.alloc(model.layout.size);
    const x = be.alloc(3 * 4 * 2);
    const out = be.alloc(3 * 4 * 2);
    const grads = be.alloc(model.layout.size);
    assert.throws(() => model.backward(grads, out, cache, params, 2, 4), /needs a forward/);
    assert.throws(() => model.forward(out, cache, x, params, 3, 4), /does not fit/);
    assert.throws(() => model.forward(out, cache, x, params, 2, 5), /does not fit/);
    assert.throws(() => model.forward(out.subarray(0, 5), cache, x, params, 2, 4), /need 16 values/);
    model.forward(out, cache, x, params, 2, 3);
    assert.throws(() => model.backward(grads, out, cache, params, 2, 4), /needs a forward/);
    assert.throws(() => createGru({ features: 0, hidden: 3 }, be), /features/);
  });
}
