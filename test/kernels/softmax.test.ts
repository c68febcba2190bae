import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { Backend } from '../../src/kernels/index.js';
import { AWKWARD, assertClose, copyTo, plain, random, skipWasm, wasm } from './support.js';

const BACKENDS: Backend[] = wasm ? [plain, wasm] : [plain];

/** Row i of (R, N) sees keys u ≤ r0 + i: how many that is. */
const seen = (i: number, N: number, r0: number) => Math.min(r0 + i + 1, N);

/** The definition in float64, written from the formula rather than copied from plain.ts. */
function naiveSoftmax(s: Float32Array, R: number, N: number, r0: number, scale: number): Float64Array {
  const p = new Float64Array(R * N);
  for (let i = 0; i < R; i++) {
    const n = seen(i, N, r0);
    const row = Array.from(s.subarray(i * N, i * N + n));
    const m = Math.max(...row);
    const e = row.map((x) => Math.exp(scale * (x - m)));
    const z = e.reduce((a, b) => a + b, 0);
    for (let u = 0; u < n; u++) p[i * N + u] = e[u] / z;
  }
  return p;
}

function naiveSoftmaxBackward(dp: Float32Array, p: Float32Array, R: number, N: number, r0: number, scale: number): Float64Array {
  const ds = new Float64Array(R * N);
  for (let i = 0; i < R; i++) {
    const n = seen(i, N, r0);
    let dot = 0;
    for (let u = 0; u < n; u++) dot += p[i * N + u] * dp[i * N + u];
    for (let u = 0; u < n; u++) ds[i * N + u] = scale * p[i * N + u] * (dp[i * N + u] - dot);
  }
  return ds;
}

/** Scale of the terms of each ds entry: scale·p·(|dp| + Σ p|dp|), so cancellation does not inflate the bound. */
function backwardScale(dp: Float32Array, p: Float32Array, R: number, N: number, r0: number, scale: number): Float64Array {
  const b = new Float64Array(R * N);
  for (let i = 0; i < R; i++) {
    const n = seen(i, N, r0);
    let dot = 0;
    for (let u = 0; u < n; u++) dot += Math.abs(p[i * N + u] * dp[i * N + u]);
    for (let u = 0; u < n; u++) b[i * N + u] = scale * p[i * N + u] * (Math.abs(dp[i * N + u]) + dot);
  }
  return b;
}

function runSoftmax(be: Backend, s: Float32Array, R: number, N: number, r0: number, scale: number): Float32Array {
  const p = copyTo(be, s);
  be.causalSoftmax(p, R, N, r0, scale);
  return p;
}

function runBackward(be: Backend, dp: Float32Array, p: Float32Array, R: number, N: number, r0: number, scale: number): Float32Array {
  const ds = copyTo(be, dp);
  be.causalSoftmaxBackward(ds, copyTo(be, p), R, N, r0, scale);
  return ds;
}

/** Where each row starts: on the diagonal (the transformer's row blocks), at 0, in between, and past N (full rows). */
const starts = (R: number, N: number) => [...new Set([0, 1, Math.max(0, N - R), N + 3])];

/** Float32 rounding of the stored exp and of the division: a few ulp of p. */
const PLAIN_RTOL = 5e-7;
/** wasm: the scaled score in float32, a polynomial exp and a four-lane float32 sum. */
const WASM_RTOL = 4e-6;

describe('causal softmax', () => {
  test('plain matches the float64 definition in every row, with exact zeros above the diagonal', () => {
    for (const [R, N] of [[1, 1], [3, 5], [7, 13], [13, 23], [64, 129]]) {
      for (const r0 of starts(R, N)) {
        const s = random(plain, R * N, 3, R + 7 * N + r0);
        const expected = naiveSoftmax(s, R, N, r0, 0.7);
        const p = runSoftmax(plain, s, R, N, r0, 0.7);
        assertClose(p, expected, expected.map((e) => PLAIN_RTOL * e + 1e-30), `plain R=${R} N=${N} r0=${r0}`);
        for (let i = 0; i < R; i++) {
          for (let u = seen(i, N, r0); u < N; u++) assert.equal(p[i * N + u], 0, `plain R=${R} N=${N} r0=${r0} [${i}, ${u}]`);
        }
      }
    }
  });

  test('wasm matches plain for all awkward row counts, row lengths and starts, and its rows sum to 1', { skip: skipWasm }, () => {
    for (const R of AWKWARD) {
      for (const N of AWKWARD) {
        for (const r0 of starts(R, N)) {
          const label = `R=${R} N=${N} r0=${r0}`;
          const s = random(plain, R * N, 4, 3 * R + N + r0);
          const expected = runSoftmax(plain, s, R, N, r0, 0.35);
          const p = runSoftmax(wasm!, s, R, N, r0, 0.35);
          assertClose(p, expected, expected.map((e) => WASM_RTOL * e + 1e-30), label);
          for (let i = 0; i < R; i++) {
            let sum = 0;
            for (let u = 0; u < N; u++) sum += p[i * N + u];
            assert.ok(Math.abs(sum - 1) < 2e-6, `${label}: row ${i} sums to ${sum}`);
            for (let u = seen(i, N, r0); u < N; u++) assert.equal(p[i * N + u], 0, `${label} [${i}, ${u}]`);
          }
        }
      }
    }
  });

  test('scores above the diagonal are never read, not even NaN, and come out 0', () => {
    for (const be of BACKENDS) {
      const [R, N, r0] = [5, 9, 2];
      const s = random(plain, R * N, 2, 11);
      const clean = runSoftmax(be, s, R, N, r0, 0.5);
      for (let i = 0; i < R; i++) s.fill(NaN, i * N + seen(i, N, r0), (i + 1) * N);
      assert.deepEqual(runSoftmax(be, s, R, N, r0, 0.5), clean, be.name);
    }
  });

  test('a NaN or +Inf score makes its row NaN, −Inf gets probability 0, and huge scores do not overflow, the same in both backends', () => {
    const [R, N] = [6, 7];
    const s = random(plain, R * N, 2, 12); // r0 = N - R = 1: row i sees i + 2 keys
    s[0 * N + 1] = NaN;
    s[1 * N + 2] = Infinity;
    s[2 * N + 0] = -Infinity;
    s[3 * N + 0] = 3e38; // row 3: one key dominates; 3e38 − (−3e38) would overflow float32
    s[3 * N + 1] = -3e38;
    s[4 * N + 6] = NaN; // above the diagonal of row 4 (it sees 6 keys): ignored
    for (let u = 0; u < 7; u++) s[5 * N + u] = -Infinity; // every key of row 5 masked: 0/0
    for (const be of BACKENDS) {
      const p = runSoftmax(be, s, R, N, 1, 0.125);
      const row = (i: number) => Array.from(p.subarray(i * N, (i + 1) * N));
      assert.ok(row(0).slice(0, 2).every(Number.isNaN), `${be.name}: row 0 is NaN`);
      assert.ok(row(1).slice(0, 3).every(Number.isNaN), `${be.name}: row 1 is NaN`);
      assert.equal(p[2 * N], 0, `${be.name}: −Inf gets 0`);
      assert.ok(Math.abs(row(2).reduce((a, b) => a + b) - 1) < 1e-6, `${be.name}: row 2 sums to 1`);
      assert.deepEqual(row(3).slice(0, 2), [1, 0], `${be.name}: row 3`);
      assert.ok(row(3).every(Number.isFinite), `${be.name}: row 3 is finite`);
      assert.ok(row(4).every(Number.isFinite) && p[4 * N + 6] === 0, `${be.name}: row 4 ignores its masked NaN`);
      assert.ok(row(5).every(Number.isNaN), `${be.name}: row 5 is NaN`);
    }
  });

  test('wasm accepts subarray views at any offset and leaves the values around them alone', { skip: skipWasm }, () => {
    const [R, N, r0] = [5, 11, 6];
    const big = random(wasm!, R * N + 4, 1, 13);
    const view = big.subarray(3, 3 + R * N);
    const expected = runSoftmax(plain, view.slice(), R, N, r0, 1);
    const before = [big[2], big[3 + R * N]];
    wasm!.causalSoftmax(view, R, N, r0, 1);
    assertClose(view, expected, expected.map((e) => WASM_RTOL * e + 1e-30), 'view');
    assert.deepEqual([big[2], big[3 + R * N]], before);
  });
});

describe('causal softmax backward', () => {
  /** Probabilities from causalSoftmax on plain, as the transformer's backward gets them. */
  const probs = (R: number, N: number, r0: number, seed: number) => runSoftmax(plain, random(plain, R * N, 3, seed), R, N, r0, 0.5);

  test('plain matches the float64 definition, with exact zeros above the diagonal', () => {
    for (const [R, N] of [[1, 1], [3, 5], [7, 13], [13, 23], [64, 129]]) {
      for (const r0 of starts(R, N)) {
        const p = probs(R, N, r0, R + N);
        const dp = random(plain, R * N, 1, 2 * R + N);
        const expected = naiveSoftmaxBackward(dp, p, R, N, r0, 0.5);
        const ds = runBackward(plain, dp, p, R, N, r0, 0.5);
        const bound = backwardScale(dp, p, R, N, r0, 0.5).map((b) => 1e-6 * b + 1e-30);
        assertClose(ds, expected, bound, `plain R=${R} N=${N} r0=${r0}`);
        for (let i = 0; i < R; i++) {
          for (let u = seen(i, N, r0); u < N; u++) assert.equal(ds[i * N + u], 0, `plain R=${R} N=${N} r0=${r0} [${i}, ${u}]`);
        }
      }
    }
  });

  test('wasm matches plain within 1e-6 of the terms summed, for all awkward sizes and starts', { skip: skipWasm }, () => {
    for (const R of AWKWARD) {
      for (const N of AWKWARD) {
        for (const r0 of starts(R, N)) {
          const p = probs(R, N, r0, R * N + r0);
          const dp = random(plain, R * N, 1, R + 5 * N);
          const expected = runBackward(plain, dp, p, R, N, r0, 0.5);
          const bound = backwardScale(dp, p, R, N, r0, 0.5).map((b) => 1e-6 * b + 1e-30);
          const ds = runBackward(wasm!, dp, p, R, N, r0, 0.5);
          assertClose(ds, expected, bound, `R=${R} N=${N} r0=${r0}`);
          for (let i = 0; i < R; i++) {
            for (let u = seen(i, N, r0); u < N; u++) assert.equal(ds[i * N + u], 0, `R=${R} N=${N} r0=${r0} [${i}, ${u}]`);
          }
        }
      }
    }
  });

  test('gradients above the diagonal are never read, not even NaN; a NaN the row sees makes its row NaN', () => {
    for (const be of BACKENDS) {
      const [R, N, r0] = [4, 10, 3];
      const p = probs(R, N, r0, 21);
      const dp = random(plain, R * N, 1, 22);
      const clean = runBackward(be, dp, p, R, N, r0, 0.5);
      for (let i = 0; i < R; i++) {
        dp.fill(NaN, i * N + seen(i, N, r0), (i + 1) * N);
        p.fill(NaN, i * N + seen(i, N, r0), (i + 1) * N);
      }
      assert.deepEqual(runBackward(be, dp, p, R, N, r0, 0.5), clean, `${be.name}: masked NaN`);
      dp[2 * N + 1] = NaN; // row 2 sees it
      const ds = runBackward(be, dp, p, R, N, r0, 0.5);
      assert.ok(Array.from(ds.subarray(2 * N, 2 * N + seen(2, N, r0))).every(Number.isNaN), `${be.name}: row 2 is NaN`);
      assert.deepEqual(ds.subarray(0, 2 * N), clean.subarray(0, 2 * N), `${be.name}: rows 0 and 1 are unaffected`);
    }
  });

  test('the gradient matches central differences of the softmax (plain, float64 loss Σ g·p)', () => {
    const [R, N, r0, scale] = [3, 6, 2, 0.8];
    const s = random(plain, R * N, 1.5, 31);
    const g = random(plain, R * N, 1, 32);
    const loss = (x: Float32Array) => {
      const p = naiveSoftmax(x, R, N, r0, scale);
      return p.reduce((a, v, i) => a + v * g[i], 0);
    };
    const ds = runBackward(plain, g, runSoftmax(plain, s, R, N, r0, scale), R, N, r0, scale);
    for (let i = 0; i < R; i++) {
      for (let u = 0; u < seen(i, N, r0); u++) {
        const k = i * N + u;
        const h = 1e-3;
        const up = s.slice(), down = s.slice();
        up[k] += h;
        down[k] -= h;
        const numeric = (loss(up) - loss(down)) / (up[k] - down[k]);
        assert.ok(Math.abs(numeric - ds[k]) < 1e-4, `[${i}, ${u}]: numeric ${numeric}, analytic ${ds[k]}`);
      }
    }
  });
});

test('softmax arguments that are too short, bad sizes or a scale that is not positive and finite are a RangeError in both backends', () => {
  for (const be of BACKENDS) {
    assert.throws(() => be.causalSoftmax(be.alloc(5), 2, 3, 0, 1), RangeError, be.name);
    assert.throws(() => be.causalSoftmax(be.alloc(6), 2, 3, -1, 1), RangeError, be.name);
    assert.throws(() => be.causalSoftmax(be.alloc(6), 2, 3.5, 0, 1), RangeError, be.name);
    for (const scale of [0, -1, NaN, Infinity]) assert.throws(() => be.causalSoftmax(be.alloc(6), 2, 3, 0, scale), RangeError, `${be.name} ${scale}`);
    assert.throws(() => be.causalSoftmaxBackward(be.alloc(6), be.alloc(5), 2, 3, 0, 1), RangeError, be.name);
    assert.throws(() => be.causalSoftmaxBackward(be.alloc(5), be.alloc(6), 2, 3, 0, 1), RangeError, be.name);
  }
});

test('the wasm backend refuses softmax arrays that do not live in its memory', { skip: skipWasm }, () => {
  assert.throws(() => wasm!.causalSoftmax(new Float32Array(6), 2, 3, 0, 1), /not in this backend's wasm memory/);
  assert.throws(() => wasm!.causalSoftmaxBackward(wasm!.alloc(6), new Float32Array(6), 2, 3, 0, 1), /not in this backend's wasm memory/);
});
