import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from '../../src/data/rng.js';
import {
  addRowSums,
  createLinearScratch,
  linearBackward,
  linearForward,
  matmulAdd,
  matmulAddReference,
  transpose,
} from '../../src/models/linear.js';
import { assertClose, randn } from './check.js';

test('matmulAdd agrees with the plain triple loop at awkward sizes and offsets', () => {
  const rng = Xoshiro128.fromSeed(1, 'linear');
  for (const N of [1, 2, 3, 5, 8]) {
    for (const IN of [1, 3, 7, 13]) {
      for (const OUT of [1, 3, 4, 5, 9]) {
        const inpOff = 3;
        const outOff = 5;
        const inp = randn(inpOff + N * IN + 2, rng);
        const w = randn(OUT * IN, rng);
        const start = randn(outOff + N * OUT + 4, rng);
        const fast = start.slice();
        const ref = start.slice();
        matmulAdd(fast, outOff, inp, inpOff, w, N, IN, OUT);
        matmulAddReference(ref, outOff, inp, inpOff, w, N, IN, OUT);
        // Same float64 sums in the same order: identical results, and nothing outside the target rows touched.
        assert.deepEqual(fast, ref, `N ${N}, IN ${IN}, OUT ${OUT}`);
      }
    }
  }
});

test('matmulAdd carries NaN and Infinity into exactly the outputs they reach', () => {
  const N = 3, IN = 5, OUT = 6;
  const inp = new Float32Array(N * IN).fill(1);
  const w = new Float32Array(OUT * IN).fill(1);
  inp[1 * IN + 2] = NaN; // row 1 of the input
  w[4 * IN + 0] = Infinity; // output column 4
  const out = new Float32Array(N * OUT);
  const ref = new Float32Array(N * OUT);
  matmulAdd(out, 0, inp, 0, w, N, IN, OUT);
  matmulAddReference(ref, 0, inp, 0, w, N, IN, OUT);
  assert.deepEqual(out, ref);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OUT; o++) {
      const v = out[n * OUT + o];
      if (n === 1) assert.ok(Number.isNaN(v));
      else if (o === 4) assert.equal(v, Infinity);
      else assert.equal(v, IN);
    }
  }
});

test('transpose swaps the two leading axes, for matrices and for rows of F values', () => {
  const R = 37, C = 45; // not multiples of the 32 × 32 blocking
  const m = Float32Array.from({ length: 2 + R * C }, (_, i) => i);
  const t = new Float32Array(R * C);
  transpose(t, m, 2, R, C, 1);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) assert.equal(t[c * R + r], m[2 + r * C + c]);
  const B = 3, T = 4, F = 2;
  const x = Float32Array.from({ length: B * T * F }, (_, i) => i);
  const xT = new Float32Array(B * T * F);
  transpose(xT, x, 0, B, T, F);
  for (let b = 0; b < B; b++) for (let s = 0; s < T; s++) for (let f = 0; f < F; f++) assert.equal(xT[(s * B + b) * F + f], x[(b * T + s) * F + f]);
  const back = new Float32Array(B * T * F);
  transpose(back, xT, 0, T, B, F);
  assert.deepEqual(back, x);
});

test('linearBackward accumulates dweight = doutᵀ·inp, dbias = Σ dout and dinp = dout·weight', () => {
  const rng = Xoshiro128.fromSeed(2, 'linear');
  const N = 7, IN = 5, OUT = 3;
  const inp = randn(N * IN, rng);
  const weight = randn(OUT * IN, rng);
  const bias = randn(OUT, rng);
  const dout = randn(N * OUT, rng);
  const out = new Float32Array(N * OUT);
  linearForward(out, 0, inp, 0, weight, bias, N, IN, OUT);
  const expectOut = new Float64Array(N * OUT);
  const dW = new Float64Array(OUT * IN).fill(1); // start from 1: backward must add
  const db = new Float64Array(OUT).fill(1);
  const dx = new Float64Array(N * IN).fill(1);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OUT; o++) {
      let s = bias[o];
      for (let i = 0; i < IN; i++) {
        s += inp[n * IN + i] * weight[o * IN + i];
        dW[o * IN + i] += dout[n * OUT + o] * inp[n * IN + i];
        dx[n * IN + i] += dout[n * OUT + o] * weight[o * IN + i];
      }
      expectOut[n * OUT + o] = s;
      db[o] += dout[n * OUT + o];
    }
  }
  const tol = { rtol: 1e-6, atol: 1e-6 };
  assertClose('out', out, expectOut, tol);
  const gW = new Float32Array(OUT * IN).fill(1);
  const gb = new Float32Array(OUT).fill(1);
  const gx = new Float32Array(N * IN).fill(1);
  linearBackward(gx, 0, gW, gb, dout, 0, inp, 0, weight, N, IN, OUT, createLinearScratch(N, IN, OUT));
  assertClose('dweight', gW, dW, tol);
  assertClose('dbias', gb, db, tol);
  assertClose('dinp', gx, dx, tol);
  const sums = Float32Array.from([10, 20]);
  addRowSums(sums, Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3);
  assert.deepEqual(Array.from(sums), [16, 35]);
});
