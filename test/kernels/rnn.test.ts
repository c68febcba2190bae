import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { Backend } from '../../src/kernels/index.js';
import { AWKWARD, assertClose, copyTo, plain, random, skipWasm, wasm } from './support.js';

/** W_hh scaled like PyTorch's init (uniform ±1/sqrt(H)), so h neither saturates nor dies. */
function weights(be: Backend, H: number, seed: number): Float32Array {
  return random(be, H * H, 1 / Math.sqrt(H), seed);
}

function forward(be: Backend, pre: Float32Array, Whh: Float32Array, B: number, T: number, H: number): Float32Array {
  const h = be.alloc(B * T * H);
  be.rnnTanhForward(h, copyTo(be, pre), copyTo(be, Whh), B, T, H);
  return h;
}

function backward(be: Backend, dh: Float32Array, h: Float32Array, Whh: Float32Array, B: number, T: number, H: number): Float32Array {
  const dpre = be.alloc(B * T * H);
  be.rnnTanhBackward(dpre, copyTo(be, dh), copyTo(be, h), copyTo(be, Whh), B, T, H);
  return dpre;
}

/**
 * Backpropagation through time written out in float64 the "push" way, independently of
 * plain.ts (which pulls): walk t downwards, keep gh_t = dL/dh_t, turn it into
 * dpre_t = gh_t ⊙ (1 − h_t²), then push W_hhᵀ·dpre_t into gh_{t−1}.
 */
function naiveBptt(dh: Float32Array, h: Float32Array, Whh: Float32Array, B: number, T: number, H: number): Float64Array {
  const dpre = new Float64Array(B * T * H);
  for (let b = 0; b < B; b++) {
    const gh = Array.from({ length: T }, (_, t) => Array.from({ length: H }, (_, k) => dh[(b * T + t) * H + k]));
    for (let t = T - 1; t >= 0; t--) {
      for (let j = 0; j < H; j++) {
        const y = h[(b * T + t) * H + j];
        const d = gh[t][j] * (1 - y * y);
        dpre[(b * T + t) * H + j] = d;
        if (t > 0) for (let k = 0; k < H; k++) gh[t - 1][k] += Whh[j * H + k] * d;
      }
    }
  }
  return dpre;
}

/** Forward-mode tangent of the recurrence in float64: δh_t = (1 − h_t²) ⊙ (δpre_t + W_hh·δh_{t−1}). */
function tangent(dPre: Float32Array, h: Float32Array, Whh: Float32Array, B: number, T: number, H: number): Float64Array {
  const dH = new Float64Array(B * T * H);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < H; j++) {
        let s = dPre[(b * T + t) * H + j];
        if (t > 0) for (let k = 0; k < H; k++) s += Whh[j * H + k] * dH[(b * T + t - 1) * H + k];
        const y = h[(b * T + t) * H + j];
        dH[(b * T + t) * H + j] = (1 - y * y) * s;
      }
    }
  }
  return dH;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

const SHAPES: [number, number, number][] = [];
for (const B of [1, 3, 5, 16]) for (const T of [1, 2, 7]) for (const H of AWKWARD) SHAPES.push([B, T, H]);

// Tolerances, wasm against the float64-accumulated plain backend. h lies in [-1, 1]; the
// float32 sums (about 1e-7·sqrt(H) each) and tanh (≤ 2 ulp) errors pass through the steps.
const H_ATOL = 2e-6;      // forward, absolute, T ≤ 7
const H_ATOL_LONG = 1e-5; // forward, absolute, T = 499
const DPRE_RTOL = 1e-5;   // backward, relative to the largest |dpre|

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe('the fused tanh RNN', () => {
  test('plain rnnTanhBackward agrees with a naive float64 BPTT', () => {
    for (const [B, T, H] of [[1, 1, 1], [3, 7, 5], [2, 9, 13]]) {
      const pre = random(plain, B * T * H, 1.5, 1), Whh = weights(plain, H, 2), dh = random(plain, B * T * H, 1, 3);
      const h = forward(plain, pre, Whh, B, T, H);
      const expected = naiveBptt(dh, h, Whh, B, T, H);
      assertClose(backward(plain, dh, h, Whh, B, T, H), expected, 1e-6 * maxAbs(expected), `B=${B} T=${T} H=${H}`);
    }
  });

  test('rnnTanhBackward is the adjoint of the forward tangent: <dh, δh> = <dpre, δpre>', () => {
    for (const be of wasm ? [plain, wasm] : [plain]) {
      for (const [B, T, H] of [[1, 1, 3], [3, 7, 13], [2, 20, 17]]) {
        const pre = random(plain, B * T * H, 1.5, 4), Whh = weights(plain, H, 5);
        const dh = random(plain, B * T * H, 1, 6), dPre = random(plain, B * T * H, 1, 7);
        const h = forward(be, pre, Whh, B, T, H);
        const dpre = backward(be, dh, h, Whh, B, T, H);
        const lhs = dot(dh, tangent(dPre, h, Whh, B, T, H));
        const rhs = dot(dpre, dPre);
        assert.ok(Math.abs(lhs - rhs) <= 1e-5 * (Math.abs(lhs) + 1), `${be.name} B=${B} T=${T} H=${H}: ${lhs} vs ${rhs}`);
      }
    }
  });

  test(`wasm rnnTanhForward matches plain within ${H_ATOL} for B in {1,3,5,16}, T in {1,2,7}, awkward H`, { skip: skipWasm }, () => {
    for (const [B, T, H] of SHAPES) {
      const pre = random(plain, B * T * H, 1.5, B + T + H), Whh = weights(plain, H, H);
      assertClose(forward(wasm!, pre, Whh, B, T, H), forward(plain, pre, Whh, B, T, H), H_ATOL, `B=${B} T=${T} H=${H}`);
    }
  });

  test(`wasm rnnTanhBackward matches plain within ${DPRE_RTOL} of the largest |dpre|, same sizes`, { skip: skipWasm }, () => {
    for (const [B, T, H] of SHAPES) {
      const pre = random(plain, B * T * H, 1.5, B + T + H), Whh = weights(plain, H, H), dh = random(plain, B * T * H, 1, 9);
      const h = forward(plain, pre, Whh, B, T, H);
      const expected = backward(plain, dh, h, Whh, B, T, H);
      assertClose(backward(wasm!, dh, h, Whh, B, T, H), expected, DPRE_RTOL * maxAbs(expected), `B=${B} T=${T} H=${H}`);
    }
  });

  test(`at the training size (T = 499, H = 128) wasm stays within ${H_ATOL_LONG} (h) and ${DPRE_RTOL} (dpre) of plain`, { skip: skipWasm }, () => {
    const [B, T, H] = [2, 499, 128];
    const pre = random(plain, B * T * H, 1.5, 11), Whh = weights(plain, H, 12), dh = random(plain, B * T * H, 0.1, 13);
    const hp = forward(plain, pre, Whh, B, T, H);
    assertClose(forward(wasm!, pre, Whh, B, T, H), hp, H_ATOL_LONG, 'h');
    const expected = backward(plain, dh, hp, Whh, B, T, H);
    assertClose(backward(wasm!, dh, hp, Whh, B, T, H), expected, DPRE_RTOL * maxAbs(expected), 'dpre');
  });

  test('a NaN in pre poisons its own sequence from that step on, and nothing else', () => {
    const [B, T, H] = [3, 5, 13];
    for (const be of wasm ? [plain, wasm] : [plain]) {
      const pre = random(plain, B * T * H, 1, 21), Whh = weights(plain, H, 22);
      pre[(1 * T + 2) * H + 0] = NaN; // sequence 1, step 2, unit 0
      const h = forward(be, pre, Whh, B, T, H);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          for (let j = 0; j < H; j++) {
            const poisoned = b === 1 && (t > 2 || (t === 2 && j === 0));
            const v = h[(b * T + t) * H + j];
            assert.equal(Number.isNaN(v), poisoned, `${be.name}: h[${b}, ${t}, ${j}] = ${v}`);
          }
        }
      }
    }
  });

  test('an infinite pre gives h = ±1 at that unit and finite values after', () => {
    const [B, T, H] = [2, 4, 7];
    for (const be of wasm ? [plain, wasm] : [plain]) {
      const pre = random(plain, B * T * H, 1, 31), Whh = weights(plain, H, 32);
      pre[(0 * T + 1) * H + 3] = Infinity;
      pre[(1 * T + 0) * H + 6] = -Infinity;
      const h = forward(be, pre, Whh, B, T, H);
      assert.equal(h[(0 * T + 1) * H + 3], 1, be.name);
      assert.equal(h[(1 * T + 0) * H + 6], -1, be.name);
      assert.ok(h.every(Number.isFinite), be.name);
      if (be !== plain) assertClose(h, forward(plain, pre, Whh, B, T, H), H_ATOL, 'wasm vs plain');
    }
  });

  test('a NaN in dh poisons dpre of its own sequence at that step and earlier, and nothing else', () => {
    const [B, T, H] = [3, 6, 13];
    for (const be of wasm ? [plain, wasm] : [plain]) {
      const pre = random(plain, B * T * H, 1, 41), Whh = weights(plain, H, 42), dh = random(plain, B * T * H, 1, 43);
      const h = forward(plain, pre, Whh, B, T, H);
      dh[(2 * T + 3) * H + 0] = NaN; // sequence 2, step 3, unit 0
      const dpre = backward(be, dh, h, Whh, B, T, H);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          for (let k = 0; k < H; k++) {
            const poisoned = b === 2 && (t < 3 || (t === 3 && k === 0));
            const v = dpre[(b * T + t) * H + k];
            assert.equal(Number.isNaN(v), poisoned, `${be.name}: dpre[${b}, ${t}, ${k}] = ${v}`);
          }
        }
      }
    }
  });

  test('B, T or H of zero does nothing', () => {
    for (const be of wasm ? [plain, wasm] : [plain]) {
      const h = be.alloc(4).fill(7);
      be.rnnTanhForward(h, be.alloc(4), be.alloc(4), 0, 2, 2);
      be.rnnTanhBackward(h, be.alloc(4), be.alloc(4), be.alloc(4), 2, 0, 2);
      assert.deepEqual([...h], [7, 7, 7, 7], be.name);
    }
  });

  test('buffers shorter than B*T*H are a RangeError', () => {
    for (const be of wasm ? [plain, wasm] : [plain]) {
      assert.throws(() => be.rnnTanhForward(be.alloc(11), be.alloc(12), be.alloc(4), 2, 3, 2), RangeError, be.name);
      assert.throws(() => be.rnnTanhBackward(be.alloc(12), be.alloc(12), be.alloc(12), be.alloc(3), 2, 3, 2), RangeError, be.name);
    }
  });
});
