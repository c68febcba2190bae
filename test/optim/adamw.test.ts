import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from '../../src/data/rng.js';
import { ADAMW_DEFAULTS, adamwStep, createAdamW } from '../../src/optim/adamw.js';
import { assertClose, BACKENDS, copyTo, randn, readModelsFixture } from '../models/check.js';

for (const be of BACKENDS) {
  test(`one step from PyTorch’s parameters and gradients gives PyTorch’s parameters bit for bit, for every fixture model (${be.name})`, (t) => {
    for (const c of readModelsFixture().cases) {
      const names = Object.keys(c.params);
      const flat = (get: (name: string) => number[]) => copyTo(be, names.flatMap(get));
      const params = flat((n) => c.params[n].data);
      const grads = flat((n) => c.grads[n].data);
      const expected = flat((n) => c.adamw.params_after_step[0][n]);
      const opt = createAdamW(params.length, { lr: c.adamw.lr, betas: c.adamw.betas, eps: c.adamw.eps, weightDecay: c.adamw.weight_decay }, be);
      adamwStep(params, grads, opt, be);
      let differ = 0;
      for (let i = 0; i < params.length; i++) if (params[i] !== expected[i]) differ++;
      assert.equal(differ, 0, `${c.model}: ${differ} of ${params.length} parameters differ from PyTorch's`);
      t.diagnostic(`${c.model}: all ${params.length} parameters identical`);
    }
  });

  test(`the defaults are PyTorch’s AdamW defaults, and bad settings are refused (${be.name})`, () => {
    assert.deepEqual(ADAMW_DEFAULTS, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
    const s = createAdamW(3, { lr: 0.01 }, be);
    assert.deepEqual(s.options, { ...ADAMW_DEFAULTS, lr: 0.01 });
    assert.equal(s.step, 0);
    assert.deepEqual(Array.from(s.m), [0, 0, 0]);
    assert.throws(() => createAdamW(3, { lr: -1 }, be), /lr/);
    assert.throws(() => createAdamW(3, { betas: [0.9, 1] }, be), /betas/);
    assert.throws(() => createAdamW(3, { eps: NaN }, be), /eps/);
    assert.throws(() => createAdamW(3, { weightDecay: -0.1 }, be), /weightDecay/);
    assert.throws(() => adamwStep(be.alloc(2), be.alloc(3), s, be), /3 parameters/);
  });

  test(`with zero gradients a step only decays the weights by the float32 factor 1 − lr·wd (${be.name})`, () => {
    const p = copyTo(be, [1, -2, 0.5, 0]);
    const opt = createAdamW(p.length, {}, be);
    adamwStep(p, be.alloc(p.length), opt, be);
    const k = Math.fround(1 - 1e-3 * 0.01);
    assert.deepEqual(Array.from(p), [1, -2, 0.5, 0].map((x) => Math.fround(x * k)));
    assert.equal(opt.step, 1);
  });

  test(`twenty steps agree with a float64 textbook AdamW to float32 precision (${be.name})`, () => {
    const rng = Xoshiro128.fromSeed(3, 'adamw');
    const P = 500;
    const p32 = randn(P, rng, 1, be);
    const p64 = Float64Array.from(p32);
    const m = new Float64Array(P);
    const v = new Float64Array(P);
    const opt = createAdamW(P, { lr: 0.01, weightDecay: 0.1 }, be);
    const { lr, eps, weightDecay } = opt.options;
    const [b1, b2] = opt.options.betas;
    for (let t = 1; t <= 20; t++) {
      const g = randn(P, rng, 0.1, be);
      adamwStep(p32, g, opt, be);
      for (let i = 0; i < P; i++) {
        p64[i] *= 1 - lr * weightDecay;
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        const mHat = m[i] / (1 - b1 ** t);
        const vHat = v[i] / (1 - b2 ** t);
        p64[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
      }
    }
    // float32 state rounds at every operation: |a − e| ≤ 1e-6 + 1e-6·|e|.
    assertClose('parameters after 20 steps', p32, p64, { rtol: 1e-6, atol: 1e-6 });
  });
}
