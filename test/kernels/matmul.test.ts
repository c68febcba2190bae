import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { Backend } from '../../src/kernels/index.js';
import { AWKWARD, abs, assertBitEqual, assertClose, copyTo, plain, random, skipWasm, wasm } from './support.js';

type Matmul = 'matmulABt' | 'matmulAB' | 'matmulAtB';
const KERNELS: Matmul[] = ['matmulABt', 'matmulAB', 'matmulAtB'];

/** Where element (i, k) of the left factor and (k, j) of the right factor live, per kernel. */
const LAYOUT: Record<Matmul, { a(i: number, k: number, M: number, K: number): number; b(k: number, j: number, N: number, K: number): number }> = {
  matmulABt: { a: (i, k, _M, K) => i * K + k, b: (k, j, _N, K) => j * K + k }, // A (M,K), B (N,K)
  matmulAB: { a: (i, k, _M, K) => i * K + k, b: (k, j, N) => k * N + j },      // A (M,K), B (K,N)
  matmulAtB: { a: (i, k, M) => k * M + i, b: (k, j, N) => k * N + j },         // A (K,M), B (K,N)
};

/** The textbook triple loop in float64, written against LAYOUT rather than copied from plain.ts. */
function naive(kernel: Matmul, C0: Float32Array | null, A: Float32Array, B: Float32Array, M: number, N: number, K: number): Float32Array {
  const C = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[LAYOUT[kernel].a(i, k, M, K)] * B[LAYOUT[kernel].b(k, j, N, K)];
      C[i * N + j] = C0 === null ? s : C0[i * N + j] + s;
    }
  }
  return C;
}

function run(be: Backend, kernel: Matmul, C0: Float32Array, A: Float32Array, B: Float32Array,
  M: number, N: number, K: number, accumulate: boolean): Float32Array {
  const C = copyTo(be, C0);
  be[kernel](C, copyTo(be, A), copyTo(be, B), M, N, K, accumulate);
  return C;
}

/** Tolerance for a float32 product against the float64-accumulated plain one: 1e-5 of
 *  (|C0| + |A|·|B|), the scale of the terms summed (so cancellation does not inflate it). */
const RTOL = 1e-5;

function bound(kernel: Matmul, C0: Float32Array, A: Float32Array, B: Float32Array, M: number, N: number, K: number, accumulate: boolean): Float32Array {
  const scale = run(plain, kernel, abs(C0), abs(A), abs(B), M, N, K, accumulate);
  return scale.map((s) => RTOL * s + 1e-30);
}

describe('matrix products', () => {
  test('the plain backend equals a float64 triple loop for every layout, size and mode', () => {
    for (const kernel of KERNELS) {
      for (const [M, N, K] of [[1, 1, 1], [3, 5, 7], [13, 12, 17], [17, 129, 5], [128, 3, 129]]) {
        const A = random(plain, M * K, 1, M + 7 * K), B = random(plain, N * K, 1, N + 11 * K), C0 = random(plain, M * N, 1, 5);
        for (const accumulate of [false, true]) {
          const expected = naive(kernel, accumulate ? C0 : null, A, B, M, N, K);
          assertBitEqual(run(plain, kernel, C0, A, B, M, N, K, accumulate), expected, `${kernel} ${M}x${N}x${K} acc=${accumulate}`);
        }
      }
    }
  });

  test('wasm matches plain within 1e-5 of |C0| + |A|·|B| for all awkward M, N, K in both modes', { skip: skipWasm }, () => {
    const w = wasm!;
    for (const kernel of KERNELS) {
      for (const M of AWKWARD) {
        for (const N of AWKWARD) {
          for (const K of AWKWARD) {
            const A = random(plain, M * K, 1, 1 + M), B = random(plain, N * K, 1, 2 + N), C0 = random(plain, M * N, 1, 3 + K);
            for (const accumulate of [false, true]) {
              const label = `${kernel} M=${M} N=${N} K=${K} accumulate=${accumulate}`;
              const expected = run(plain, kernel, C0, A, B, M, N, K, accumulate);
              assertClose(run(w, kernel, C0, A, B, M, N, K, accumulate), expected, bound(kernel, C0, A, B, M, N, K, accumulate), label);
            }
          }
        }
      }
    }
  });

  test('wasm matches plain over long sums, cut into chunks of 256 (K up to 7984, the weight-gradient shape)', { skip: skipWasm }, () => {
    for (const [M, N, K] of [[13, 12, 7984], [5, 23, 600], [6, 128, 257]]) {
      for (const kernel of KERNELS) {
        const A = random(plain, M * K, 1, 21), B = random(plain, N * K, 1, 22), C0 = random(plain, M * N, 1, 23);
        for (const accumulate of [false, true]) {
          assertClose(run(wasm!, kernel, C0, A, B, M, N, K, accumulate), run(plain, kernel, C0, A, B, M, N, K, accumulate),
            bound(kernel, C0, A, B, M, N, K, accumulate), `${kernel} M=${M} N=${N} K=${K} accumulate=${accumulate}`);
        }
      }
    }
  });

  test('with accumulate false the old contents of C are never read, not even NaN', () => {
    for (const be of wasm ? [plain, wasm] : [plain]) {
      for (const kernel of KERNELS) {
        const [M, N, K] = [5, 13, 7];
        const A = random(plain, M * K, 1, 31), B = random(plain, N * K, 1, 32);
        const C = be.alloc(M * N).fill(NaN);
        be[kernel](C, copyTo(be, A), copyTo(be, B), M, N, K, false);
        assert.ok(C.every(Number.isFinite), `${be.name} ${kernel}`);
      }
    }
  });

  test('K = 0 gives C = 0, or leaves C alone when accumulating', () => {
    for (const be of wasm ? [plain, wasm] : [plain]) {
      for (const kernel of KERNELS) {
        const C = be.alloc(6).fill(2);
        be[kernel](C, be.alloc(0), be.alloc(0), 2, 3, 0, true);
        assert.deepEqual([...C], [2, 2, 2, 2, 2, 2], `${be.name} ${kernel} accumulate`);
        be[kernel](C, be.alloc(0), be.alloc(0), 2, 3, 0, false);
        assert.deepEqual([...C], [0, 0, 0, 0, 0, 0], `${be.name} ${kernel} overwrite`);
      }
    }
  });

  test('a NaN or Inf in A or B reaches exactly the outputs that use it, the same way in both backends', { skip: skipWasm }, () => {
    for (const kernel of KERNELS) {
      for (const [M, N, K] of [[5, 13, 7], [17, 17, 129], [4, 8, 3]]) {
        const A = random(plain, M * K, 1, 41), B = random(plain, N * K, 1, 42), C0 = random(plain, M * N, 1, 43);
        const lay = LAYOUT[kernel];
        A[lay.a(M - 1, K - 1, M, K)] = NaN; // row M-1 of C
        A[lay.a(0, 0, M, K)] = Infinity;    // row 0 of C: ±Inf (B has no zeros)
        B[lay.b(K - 1, N - 1, N, K)] = -Infinity; // column N-1 of C
        for (const accumulate of [false, true]) {
          const label = `${kernel} M=${M} N=${N} K=${K} accumulate=${accumulate}`;
          const p = run(plain, kernel, C0, A, B, M, N, K, accumulate);
          const w = run(wasm!, kernel, C0, A, B, M, N, K, accumulate);
          for (let j = 0; j < N; j++) assert.ok(Number.isNaN(w[(M - 1) * N + j]), `${label}: C[M-1, ${j}] should be NaN`);
          for (let j = 0; j < N - 1; j++) assert.equal(Math.abs(w[j]), Infinity, `${label}: C[0, ${j}] should be infinite`);
          for (let i = 1; i < M - 1; i++) {
            for (let j = 0; j < N - 1; j++) assert.ok(Number.isFinite(w[i * N + j]), `${label}: C[${i}, ${j}] should be finite`);
            assert.equal(Math.abs(w[i * N + N - 1]), Infinity, `${label}: C[${i}, N-1] should be infinite`);
          }
          assertClose(w, p, bound(kernel, C0, A.map((x) => (Number.isFinite(x) ? x : 0)), B.map((x) => (Number.isFinite(x) ? x : 0)), M, N, K, accumulate), label);
        }
      }
    }
  });

  test('wasm accepts subarray views at any offset (e.g. one sequence of a batch)', { skip: skipWasm }, () => {
    const w = wasm!;
    const [M, N, K] = [7, 13, 17];
    const bigA = random(w, M * K + 3, 1, 51), bigB = random(w, N * K + 5, 1, 52), bigC = w.alloc(M * N + 1);
    const A = bigA.subarray(3), B = bigB.subarray(5), C = bigC.subarray(1);
    for (const kernel of KERNELS) {
      w[kernel](C, A, B, M, N, K, false);
      assertClose(C, naive(kernel, null, A, B, M, N, K), bound(kernel, new Float32Array(M * N), A, B, M, N, K, false), kernel);
    }
    assert.equal(bigC[0], 0, 'the element before the view is untouched');
  });

  test('arrays that are too short are a RangeError in both backends', () => {
    for (const be of wasm ? [plain, wasm] : [plain]) {
      for (const kernel of KERNELS) {
        assert.throws(() => be[kernel](be.alloc(6), be.alloc(6), be.alloc(8), 2, 3, 3, false), RangeError, `${be.name} ${kernel}`);
        assert.throws(() => be[kernel](be.alloc(6), be.alloc(6), be.alloc(9), 2, 3, 3.5, false), RangeError, `${be.name} ${kernel}`);
      }
    }
  });

  test('the wasm backend refuses arrays that do not live in its memory', { skip: skipWasm }, () => {
    const w = wasm!;
    assert.throws(() => w.matmulAB(w.alloc(4), new Float32Array(4), w.alloc(4), 2, 2, 2, false), /not in this backend's wasm memory/);
  });
});
