import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRnn } from '../../src/models/rnn.js';
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
  const c = fixtureCase('rnn_tanh');
  const [, , F] = c.input_shape;
  const H = c.params['rnn.weight_hh_l0'].shape[0];

  test(`the RNN reproduces PyTorch’s output, loss and every gradient on the fixture (${be.name})`, (t) => {
    for (const line of assertMatchesFixture(createRnn({ features: F, hidden: H }, be), c, be)) t.diagnostic(line);
  });

  test(`five AdamW steps on the RNN follow PyTorch’s losses and parameters (${be.name})`, (t) => {
    for (const line of assertAdamWMatchesFixture(createRnn({ features: F, hidden: H }, be), c, be)) t.diagnostic(line);
  });

  /** A small random RNN with doubled weights (tanh well into its curved range) and the loss L = Σ r·out (see randomProblem). */
  const smallProblem = (seed: number) => randomProblem(createRnn({ features: 5, hidden: 7 }, be), be, seed, 3, 6, 2);

  test(`RNN gradients agree with finite differences in every parameter tensor (${be.name})`, (t) => {
    t.diagnostic(assertGradientsMatchFiniteDifferences('rnn', smallProblem(3)));
  });

  test(`the finite-difference check catches an RNN gradient entry that is 2% off, in every tensor (${be.name})`, () => {
    assertFiniteDifferencesCatchErrors(smallProblem(4));
  });

  test(`a batch smaller than the cache gives exactly the results of a cache of its own size (${be.name})`, () => {
    assertCacheSizeIndependent(smallProblem(5), be);
  });

  test(`RNN backward adds into the gradient buffer instead of overwriting it (${be.name})`, () => {
    assertBackwardAccumulates(smallProblem(6), be);
  });

  test(`RNN initial parameters lie within PyTorch’s bounds, and the same seed gives the same parameters (${be.name})`, () => {
    // Recurrent weights and biases, and the read-out (in = H): all ±1/√H.
    assertUniformInit(createRnn({ features: 12, hidden: 128 }, be), be, () => 1 / Math.sqrt(128));
  });

  test(`the RNN refuses a batch that does not fit its cache (${be.name})`, () => {
    const model = createRnn({ features: 2, hidden: 3 }, be);
    const cache = model.createCache(2, 4);
    const params = be.alloc(model.layout.size);
    const x = be.alloc(3 * 4 * 2);
    const out = be.alloc(3 * 4 * 2);
    assert.throws(() => model.forward(out, cache, x, params, 3, 4), /does not fit/);
    assert.throws(() => model.forward(out, cache, x, params, 2, 5), /does not fit/);
    assert.throws(() => model.forward(out.subarray(0, 5), cache, x, params, 2, 4), /need 16 values/);
    assert.throws(() => createRnn({ features: 0, hidden: 3 }, be), /features/);
  });
}
