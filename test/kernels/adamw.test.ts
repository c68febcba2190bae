import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { AdamWStep, Backend } from '../../src/kernels/index.js';
import { assertBitEqual, assertClose, copyTo, plain, random, skipWasm, wasm } from './support.js';

const HYPER = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** Runs `steps` AdamW steps with fresh gradients each time; returns param, m, v. */
function run(be: Backend, n: number, steps: number, hyper = HYPER, poison?: (g: Float32Array, step: number) => void) {
  const param = copyTo(be, random(plain, n, 1, 1));
  const m = be.alloc(n), v = be.alloc(n), grad = be.alloc(n);
  for (let step = 1; step <= steps; step++) {
    grad.set(random(plain, n, step % 3 === 0 ? 100 : 0.01, 100 + step));
    grad[0] = 0; // a parameter that gets no gradient still decays
    poison?.(grad, step);
    const s: AdamWStep = { ...hyper, step };
    be.adamw(param, grad, m, v, n, s);
  }
  return { param, m, v };
}

/** AdamW in float64, textbook form, for checking the formula (not the rounding). */
function textbook(n: number, steps: number) {
  const { lr, beta1, beta2, eps, weightDecay } = HYPER;
  const param = Float64Array.from(random(plain, n, 1, 1)), m = new Float64Array(n), v = new Float64Array(n);
  for (let step = 1; step <= steps; step++) {
    const grad = random(plain, n, step % 3 === 0 ? 100 : 0.01, 100 + step);
    grad[0] = 0;
    for (let i = 0; i < n; i++) {
      param[i] *= 1 - lr * weightDecay;
      m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
      v[i] = beta2 * v[i] + (1 - beta2) * grad[i] * grad[i];
      const mHat = m[i] / (1 - beta1 ** step), vHat = v[i] / (1 - beta2 ** step);
      param[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  }
  return param;
}

describe('AdamW', () => {
  test('plain AdamW follows the textbook formula within 1e-6 over 10 steps', () => {
    const n = 13;
    const { param } = run(plain, n, 10);
    assertClose(param, textbook(n, 10), 1e-6, 'param');
  });

  test('wasm AdamW equals plain bit for bit for awkward n over 10 steps', { skip: skipWasm }, () => {
    for (const n of [1, 3, 4, 5, 7, 13, 129, 1000]) {
      const p = run(plain, n, 10), w = run(wasm!, n, 10);
      assertBitEqual(w.param, p.param, `param n=${n}`);
      assertBitEqual(w.m, p.m, `m n=${n}`);
      assertBitEqual(w.v, p.v, `v n=${n}`);
    }
  });

  test('a NaN gradient makes exactly that parameter NaN in both backends', () => {
    for (const be of wasm ? [plain, wasm] : [plain]) {
      const { param, m, v } = run(be, 7, 3, HYPER, (g, step) => { if (step === 2) g[5] = NaN; });
      for (let i = 0; i < 7; i++) {
        assert.equal(Number.isNaN(param[i]), i === 5, `${be.name} param[${i}]`);
        assert.equal(Number.isNaN(m[i]), i === 5, `${be.name} m[${i}]`);
        assert.equal(Number.isNaN(v[i]), i === 5, `${be.name} v[${i}]`);
      }
    }
  });

  test('step must be an integer of at least 1', () => {
    const a = plain.alloc(1);
    assert.throws(() => plain.adamw(a, a, a, a, 1, { ...HYPER, step: 0 }), RangeError);
    assert.throws(() => plain.adamw(a, a, a, a, 1, { ...HYPER, step: 1.5 }), RangeError);
  });
});
