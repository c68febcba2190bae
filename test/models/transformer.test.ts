/**
 * The transformer gets the shared model checks one by one rather than through
 * modelTests: its initialisation is not uniform everywhere (LayerNorm weights
 * are 1, positions are normal), which assertUniformInit cannot express, so it
 * has its own init test below.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from '../../src/data/rng.js';
import type { Backend } from '../../src/kernels/backend.js';
import { createTransformer } from '../../src/models/transformer.js';
import {
  assertBackwardAccumulates,
  assertClose,
  assertCacheReusableAcrossBatchSizes,
  assertCacheSizeIndependent,
  assertSeededInit,
  assertFiniteDifferencesCatchErrors,
  assertGradientsMatchFiniteDifferences,
  assertMatchesFixture,
  BACKENDS,
  fixtureCase,
  randomProblem,
  runFixtureAdamW,
  runFixtureCase,
  summarize,
  tensorOf,
  TORCH_TOL,
} from './check.js';

const c = fixtureCase('transformer');
const [, , FIXTURE_F] = c.input_shape;
const [FIXTURE_LEN, FIXTURE_W] = c.params['pos'].shape;

/** The fixture's model: width 16, 2 heads, 2 layers, positions for its 24 steps. */
const fixtureModel = (be: Backend) =>
  createTransformer({ features: FIXTURE_F, width: FIXTURE_W, heads: 2, layers: 2, maxLen: FIXTURE_LEN }, be);

/**
 * The key bias of every layer (in_proj_bias[W, 2W)) has gradient exactly zero: it adds
 * q_t·b_k to every score of row t alike, and softmax ignores a constant shift. What
 * PyTorch stored there (|g| ≈ 1e-10) and what we compute are float32 rounding noise,
 * and AdamW turns noise below its eps 1e-8 into steps of lr·g/eps ≈ 1e-5, so the
 * fixture's key biases after AdamW cannot be reproduced by any other summation order.
 * They are checked for what is certain: the gradient is noise-sized on both sides, and
 * the key bias moves no further than AdamW's bound of lr per step.
 */
function assertAdamWMatchesFixtureExceptKeyBias(be: Backend): string[] {
  const model = fixtureModel(be);
  const W = FIXTURE_W;
  const isKeyBias = (name: string) => name.endsWith('self_attn.in_proj_bias');
  const { grads } = runFixtureCase(fixtureModel(be), c, be);
  for (const e of model.layout.entries.filter((e) => isKeyBias(e.name))) {
    const ours = tensorOf(model.layout, grads, e.name).subarray(W, 2 * W);
    const theirs = c.grads[e.name].data.slice(W, 2 * W);
    for (const g of [...ours, ...theirs]) assert.ok(Math.abs(g) < 1e-8, `${e.name}: key-bias gradient ${g} is not noise-sized`);
  }
  const { losses, after } = runFixtureAdamW(model, c, 5, be);
  const log = [summarize('losses', assertClose('losses before each step', losses, c.adamw.losses_before_each_step, TORCH_TOL))];
  const lr = c.adamw.lr;
  for (const [k, step] of [[0, 1], [1, 5]] as const) {
    for (const e of model.layout.entries) {
      const actual = tensorOf(model.layout, after[step - 1], e.name);
      const expected = c.adamw.params_after_step[k][e.name];
      if (!isKeyBias(e.name)) {
        const d = assertClose(`${e.name} after step ${step}`, actual, expected, TORCH_TOL);
        log.push(summarize(`${e.name} after step ${step}`, d));
        continue;
      }
      const qv = (v: ArrayLike<number>) => [...Array.from(v).slice(0, W), ...Array.from(v).slice(2 * W)];
      const d = assertClose(`${e.name} (q and v) after step ${step}`, qv(actual), qv(expected), TORCH_TOL);
      log.push(summarize(`${e.name} (q and v) after step ${step}`, d));
      const initial = c.params[e.name].data;
      for (let i = W; i < 2 * W; i++) {
        assert.ok(Math.abs(actual[i] - initial[i]) <= lr * step * 1.01, `${e.name}[${i}] moved ${actual[i] - initial[i]} in ${step} steps`);
      }
    }
  }
  return log;
}

/** A small model for the finite-difference and cache checks. */
const smallModel = (be: Backend) => createTransformer({ features: 5, width: 16, heads: 2, layers: 2, maxLen: 64 }, be);

for (const be of BACKENDS) {
  const name = (what: string) => `${what} (${be.name})`;
  const smallProblem = (seed: number) => randomProblem(smallModel(be), be, seed, 3, 6);

  test(name('the transformer has the fixture’s parameter names and shapes, in its order'), () => {
    const model = fixtureModel(be);
    assert.deepEqual(
      model.layout.entries.map((e) => [e.name, e.shape]),
      Object.entries(c.params).map(([k, v]) => [k, v.shape]),
    );
  });

  test(name('the transformer reproduces PyTorch’s output, loss and every gradient on the fixture'), (t) => {
    for (const line of assertMatchesFixture(fixtureModel(be), c, be)) t.diagnostic(line);
  });

  test(name('five AdamW steps on the transformer follow PyTorch’s losses and parameters (all but the key biases, whose gradient is zero)'), (t) => {
    for (const line of assertAdamWMatchesFixtureExceptKeyBias(be)) t.diagnostic(line);
  });

  test(name('transformer gradients agree with finite differences in every parameter tensor'), (t) => {
    t.diagnostic(assertGradientsMatchFiniteDifferences('transformer', smallProblem(3)));
  });

  test(name('sequences longer than one attention block (64 query rows) keep exact gradients and causality'), (t) => {
    // 150 steps: three blocks of query rows, the last one partial.
    const model = createTransformer({ features: 3, width: 8, heads: 2, layers: 1, maxLen: 150 }, be);
    const p = randomProblem(model, be, 5, 2, 150);
    t.diagnostic(assertGradientsMatchFiniteDifferences('transformer, 150 steps', p));
    // Changing frame 100 of sequence 0 changes no output before step 100.
    const out = be.alloc(p.x.length);
    const cache = model.createCache(2, 150);
    model.forward(out, cache, p.x, p.params, 2, 150);
    const before = out.slice();
    p.x[100 * 3] += 1;
    model.forward(out, cache, p.x, p.params, 2, 150);
    for (let i = 0; i < 100 * 3; i++) assert.equal(out[i], before[i], `output ${i} saw the future`);
    assert.notEqual(out[100 * 3], before[100 * 3]);
  });

  test(name('the finite-difference check catches a transformer gradient entry that is 2% off, in every tensor'), () => {
    assertFiniteDifferencesCatchErrors(smallProblem(4));
  });

  test(name('a transformer batch smaller than its cache gives exactly the results of a cache of its own size'), () => {
    assertCacheSizeIndependent(smallProblem(5), be);
  });

  test(name('a transformer cache used for another batch size first gives the same results as a fresh one'), () => {
    assertCacheReusableAcrossBatchSizes(smallProblem(7), be);
  });

  test(name('transformer backward adds into the gradient buffer instead of overwriting it'), () => {
    assertBackwardAccumulates(smallProblem(6), be);
  });

  test(name('a transformer output at step t does not depend on later input frames (the causal mask)'), () => {
    const model = smallModel(be);
    const params = be.alloc(model.layout.size);
    model.init(params, Xoshiro128.fromSeed(1, 'init'));
    const [B, T, F] = [2, 7, model.features];
    const rng = Xoshiro128.fromSeed(1, 'causal');
    const x = be.alloc(B * T * F);
    for (let i = 0; i < x.length; i++) x[i] = rng.normal();
    const cache = model.createCache(B, T);
    const before = be.alloc(B * T * F);
    model.forward(before, cache, x, params, B, T);
    const cut = 4;
    for (let b = 0; b < B; b++) for (let i = cut * F; i < T * F; i++) x[b * T * F + i] += 1;
    const after = be.alloc(B * T * F);
    model.forward(after, cache, x, params, B, T);
    for (let b = 0; b < B; b++) {
      const lo = b * T * F;
      assert.deepEqual(after.subarray(lo, lo + cut * F), before.subarray(lo, lo + cut * F));
      assert.notDeepEqual(after.subarray(lo + cut * F, lo + T * F), before.subarray(lo + cut * F, lo + T * F));
    }
  });

  test(name('transformer initial parameters follow PyTorch’s scheme, and the same seed gives the same parameters'), () => {
    const W = 32;
    const F = 12;
    const model = createTransformer({ features: F, width: W, heads: 4, layers: 2, maxLen: 64 }, be);
    const a = assertSeededInit(model, be);
    const uniformBound = (n: string): number | null => {
      if (n === 'inp.weight' || n === 'inp.bias') return 1 / Math.sqrt(F);
      if (n.endsWith('self_attn.in_proj_weight')) return Math.sqrt(6 / (W + 3 * W)); // xavier_uniform
      if (n.endsWith('linear2.weight') || n.endsWith('linear2.bias')) return 1 / Math.sqrt(2 * W);
      if (/(out_proj\.weight|linear1\.weight|linear1\.bias|^out\.weight|^out\.bias)$/.test(n)) return 1 / Math.sqrt(W);
      return null;
    };
    for (const e of model.layout.entries) {
      const v = tensorOf(model.layout, a, e.name);
      const k = uniformBound(e.name);
      if (k !== null) {
        let lo = Infinity, hi = -Infinity;
        for (const x of v) {
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
        }
        assert.ok(lo >= -k && hi <= k, `${e.name} in [${lo}, ${hi}], bound ${k}`);
        if (v.length >= 200) assert.ok(hi > 0.95 * k && lo < -0.95 * k, `${e.name} spans [${lo}, ${hi}] of ±${k}`);
      } else if (e.name === 'pos') {
        let sum = 0, ss = 0;
        for (const x of v) {
          sum += x;
          ss += x * x;
        }
        const sd = Math.sqrt(ss / v.length - (sum / v.length) ** 2);
        assert.ok(Math.abs(sd - 0.02) < 0.002, `pos has standard deviation ${sd}, want 0.02`);
        assert.ok(Math.abs(sum / v.length) < 0.002, `pos has mean ${sum / v.length}`);
      } else if (/norm\d?\.weight$/.test(e.name)) {
        assert.ok(v.every((x) => x === 1), `${e.name} is all ones`);
      } else {
        // LayerNorm biases, in_proj_bias and out_proj.bias start at zero.
        assert.ok(/(norm\d?\.bias|in_proj_bias|out_proj\.bias)$/.test(e.name), `no init rule for ${e.name}`);
        assert.ok(v.every((x) => x === 0), `${e.name} is all zeros`);
      }
    }
  });

  test(name('the transformer refuses bad sizes, batches that do not fit, and backward without a matching forward'), () => {
    const model = createTransformer({ features: 2, width: 4, heads: 2, layers: 1, maxLen: 3 }, be);
    const cache = model.createCache(2, 4);
    const params = be.alloc(model.layout.size);
    const x = be.alloc(3 * 4 * 2);
    const out = be.alloc(3 * 4 * 2);
    const grads = be.alloc(model.layout.size);
    assert.throws(() => model.backward(grads, out, cache, params, 2, 3), /needs a forward/);
    assert.throws(() => model.forward(out, cache, x, params, 3, 3), /does not fit/);
    assert.throws(() => model.forward(out, cache, x, params, 2, 5), /does not fit/);
    assert.throws(() => model.forward(out, cache, x, params, 2, 4), /3 positions/);
    assert.throws(() => model.forward(out.subarray(0, 5), cache, x, params, 2, 3), /need 12 values/);
    model.forward(out, cache, x, params, 2, 3);
    assert.throws(() => model.backward(grads, out, cache, params, 2, 2), /needs a forward/);
    const ok = { features: 2, width: 4, heads: 2, layers: 1, maxLen: 3 };
    assert.throws(() => createTransformer({ ...ok, features: 0 }, be), /features/);
    assert.throws(() => createTransformer({ ...ok, heads: 3 }, be), /heads/);
    assert.throws(() => createTransformer({ ...ok, width: 0 }, be), /width/);
    assert.throws(() => createTransformer({ ...ok, maxLen: 0 }, be), /maxLen/);
  });
}
