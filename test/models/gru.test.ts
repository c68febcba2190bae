import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from '../../src/data/rng.js';
import { createGru } from '../../src/models/gru.js';
import {
  assertAdamWMatchesFixture,
  assertClose,
  assertMatchesFixture,
  assertCacheSizeIndependent,
  assertFiniteDifferencesCatchErrors,
  assertGradientsMatchFiniteDifferences,
  fixtureCase,
  randomProblem,
  tensorOf,
  BACKENDS,
  copyTo,
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
    const p = smallProblem(6);
    const cache = p.model.createCache(p.B, p.T);
    const out = be.alloc(p.B * p.T * p.F);
    const acc = copyTo(be, p.grads); // already holds one backward pass
    p.model.forward(out, cache, p.x, p.params, p.B, p.T);
    p.model.backward(acc, p.r, cache, p.params, p.B, p.T);
    // Overwriting would give g, not 2g; the tolerance only absorbs float32 summation order.
    assertClose('gradients after two backward passes', acc, p.grads.map((g) => 2 * g), { rtol: 1e-5, atol: 1e-7 });
  });

  test(`GRU initial parameters lie within PyTorch’s bounds, and the same seed gives the same parameters (${be.name})`, () => {
    const H = 128, F = 12;
    const model = createGru({ features: F, hidden: H }, be);
    const draw = (seed: number) => {
      const p = be.alloc(model.layout.size);
      model.init(p, Xoshiro128.fromSeed(seed, 'init'));
      return p;
    };
    const a = draw(12345);
    assert.deepEqual(draw(12345), a);
    assert.notDeepEqual(draw(12346), a);
    const k = 1 / Math.sqrt(H); // GRU weights and biases; also fc (in = H)
    for (const e of model.layout.entries) {
      const v = tensorOf(model.layout, a, e.name);
      let lo = Infinity, hi = -Infinity, sum = 0;
      for (const x of v) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
        sum += x;
      }
      assert.ok(lo >= -k && hi <= k, `${e.name} in [${lo}, ${hi}], bound ${k}`);
      if (v.length >= 1000) {
        // U(−k, k): nearly fills the range, mean near 0 (σ of the mean = k/√(3n)).
        assert.ok(hi > 0.99 * k && lo < -0.99 * k, `${e.name} spans [${lo}, ${hi}]`);
        assert.ok(Math.abs(sum / v.length) < 5 * k / Math.sqrt(3 * v.length), `${e.name} mean ${sum / v.length}`);
      }
    }
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
