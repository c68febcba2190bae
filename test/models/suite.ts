/**
 * The tests every model gets (tinygrad's helper_test_op, for whole models):
 * on both kernel backends, PyTorch's fixture case (outputs, loss, every
 * gradient, five AdamW steps), finite differences on a small random problem
 * and proof that they would catch a wrong entry, cache reuse at other sizes,
 * accumulation into the gradient buffer, PyTorch's initialisation, and clear
 * refusals. A model's own test file adds what is particular to it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/kernels/backend.js';
import type { SequenceModel } from '../../src/models/model.js';
import {
  assertAdamWMatchesFixture,
  assertBackwardAccumulates,
  assertCacheReusableAcrossBatchSizes,
  assertCacheSizeIndependent,
  assertFiniteDifferencesCatchErrors,
  assertGradientsMatchFiniteDifferences,
  assertMatchesFixture,
  assertUniformInit,
  BACKENDS,
  fixtureCase,
  randomProblem,
} from './check.js';

export interface ModelDimsForTest {
  features: number;
  hidden: number;
}

export interface ModelSuite {
  /** How test names call it: 'RNN', 'GRU', … */
  label: string;
  /** The case in test/fixtures/models.json. */
  fixture: string;
  create(dims: ModelDimsForTest, be: Backend): SequenceModel;
  /** The fixture's hidden size, read off its parameters. */
  fixtureHidden(params: Record<string, { shape: number[] }>): number;
  /** Scale of the initial weights in the finite-difference problem (larger: saturating units bend more). */
  paramScale?: number;
  /** PyTorch's bound of the uniform initialisation of each tensor, for features 12 and hidden 128. */
  initBound(name: string): number;
}

export function modelTests(s: ModelSuite): void {
  for (const be of BACKENDS) {
    const c = fixtureCase(s.fixture);
    const fixtureDims = { features: c.input_shape[2], hidden: s.fixtureHidden(c.params) };
    const name = (what: string) => `${what} (${be.name})`;
    /** A small random model and the loss L = Σ r·out (see randomProblem). */
    const smallProblem = (seed: number) => randomProblem(s.create({ features: 5, hidden: 7 }, be), be, seed, 3, 6, s.paramScale ?? 1);

    test(name(`the ${s.label} reproduces PyTorch’s output, loss and every gradient on the fixture`), (t) => {
      for (const line of assertMatchesFixture(s.create(fixtureDims, be), c, be)) t.diagnostic(line);
    });

    test(name(`five AdamW steps on the ${s.label} follow PyTorch’s losses and parameters`), (t) => {
      for (const line of assertAdamWMatchesFixture(s.create(fixtureDims, be), c, be)) t.diagnostic(line);
    });

    test(name(`${s.label} gradients agree with finite differences in every parameter tensor`), (t) => {
      t.diagnostic(assertGradientsMatchFiniteDifferences(s.label, smallProblem(3)));
    });

    test(name(`the finite-difference check catches a ${s.label} gradient entry that is 2% off, in every tensor`), () => {
      assertFiniteDifferencesCatchErrors(smallProblem(4));
    });

    test(name(`a ${s.label} batch smaller than its cache gives exactly the results of a cache of its own size`), () => {
      assertCacheSizeIndependent(smallProblem(5), be);
    });

    test(name(`a ${s.label} cache used for another batch size first gives the same results as a fresh one`), () => {
      assertCacheReusableAcrossBatchSizes(smallProblem(7), be);
    });

    test(name(`${s.label} backward adds into the gradient buffer instead of overwriting it`), () => {
      assertBackwardAccumulates(smallProblem(6), be);
    });

    test(name(`${s.label} initial parameters lie within PyTorch’s bounds, and the same seed gives the same parameters`), () => {
      assertUniformInit(s.create({ features: 12, hidden: 128 }, be), be, s.initBound);
    });

    test(name(`the ${s.label} refuses a batch that does not fit its cache, and sizes that are not positive integers`), () => {
      const model = s.create({ features: 2, hidden: 3 }, be);
      const cache = model.createCache(2, 4);
      const params = be.alloc(model.layout.size);
      const x = be.alloc(3 * 4 * 2);
      const out = be.alloc(3 * 4 * 2);
      assert.throws(() => model.forward(out, cache, x, params, 3, 4), /does not fit/);
      assert.throws(() => model.forward(out, cache, x, params, 2, 5), /does not fit/);
      assert.throws(() => model.forward(out.subarray(0, 5), cache, x, params, 2, 4), /need 16 values/);
      assert.throws(() => s.create({ features: 0, hidden: 3 }, be), /features/);
    });
  }
}
