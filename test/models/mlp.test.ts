import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMlp } from '../../src/models/mlp.js';
import {
  assertAdamWMatchesFixture,
  assertMatchesFixture,
  assertCacheSizeIndependent,
  assertUniformInit,
  assertFiniteDifferencesCatchErrors,
  assertGradientsMatchFiniteDifferences,
  fixtureCase,
  randomProblem,
  BACKENDS,
  copyTo,
} from './check.js';

for (const be of BACKENDS) {
  const c = fixtureCase('mlp');
  const [, , F] = c.input_shape;

  test(`the MLP reproduces PyTorch’s output, loss and every gradient on the fixture (${be.name})`, (t) => {
    for (const line of assertMatchesFixture(createMlp({ features: F }, be), c, be)) t.diagnostic(line);
  });

  test(`five AdamW steps on the MLP follow PyTorch’s losses and parameters (${be.name})`, (t) => {
    for (const line of assertAdamWMatchesFixture(createMlp({ features: F }, be), c, be)) t.diagnostic(line);
  });

  /** A small random MLP and the loss L = Σ r·out (see randomProblem). */
  const smallProblem = (seed: number) => randomProblem(createMlp({ features: 5 }, be), be, seed, 2, 5);

  test(`MLP gradients agree with finite differences in every parameter tensor (${be.name})`, (t) => {
    t.diagnostic(assertGradientsMatchFiniteDifferences('mlp', smallProblem(3)));
  });

  test(`the finite-difference check catches an MLP gradient entry that is 2% off, in every tensor (${be.name})`, () => {
    assertFiniteDifferencesCatchErrors(smallProblem(4));
  });

  test(`MLP output rows have norm √F, and a zero row stays zero with a finite gradient (${be.name})`, () => {
    const F = 4, B = 1, T = 2;
    const model = createMlp({ features: F }, be);
    const params = be.alloc(model.layout.size); // all zero: y = x
    const x = copyTo(be, [3, 0, 4, 0, 0, 0, 0, 0]); // a row of norm 5 and a zero row
    const out = be.alloc(B * T * F);
    const cache = model.createCache(B, T);
    model.forward(out, cache, x, params, B, T);
    assert.deepEqual(Array.from(out), [(3 / 5) * 2, 0, (4 / 5) * 2, 0, 0, 0, 0, 0].map(Math.fround));
    const grads = be.alloc(model.layout.size);
    model.backward(grads, copyTo(be, [1, 1, 1, 1, 0, 0, 0, 0]), cache, params, B, T);
    assert.ok(grads.every(Number.isFinite));
  });

  test(`a batch smaller than the MLP’s cache gives exactly the results of a cache of its own size (${be.name})`, () => {
    assertCacheSizeIndependent(smallProblem(5), be);
  });

  test(`MLP initial parameters lie within PyTorch’s bounds, and the same seed gives the same parameters (${be.name})`, () => {
    // nn.Linear(in, out): weight and bias ±1/√in.
    assertUniformInit(createMlp({ features: 12 }, be), be, (name) => 1 / Math.sqrt(name.startsWith('encode.fn.net.0') ? 12 : 24));
  });
}
