import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { assertBitEqual, plain, skipWasm, ulpIndex, wasm } from './support.js';

/** The wasm tanh's promise: within 2 ulp of Math.tanh rounded to float32 (1 ulp was the
 *  largest error found when every float32 in [0, 12] was checked while designing it). */
const MAX_ULP = 2;

function wasmTanh(x: ArrayLike<number>): Float32Array {
  const w = wasm!;
  const buf = w.alloc(x.length);
  buf.set(x);
  w.tanh(buf, buf, x.length); // in place is allowed
  return buf;
}

function maxUlpError(x: Float32Array, y: Float32Array): { ulp: number; at: number } {
  let ulp = 0, at = NaN;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(ulpIndex(y[i]) - ulpIndex(Math.fround(Math.tanh(x[i]))));
    if (d > ulp) { ulp = d; at = x[i]; }
  }
  return { ulp, at };
}

describe('tanh', () => {
  test(`wasm tanh is within ${MAX_ULP} ulp of Math.tanh on a dense sweep of [-20, 20]`, { skip: skipWasm }, () => {
    const n = 4_000_001;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = -20 + (40 * i) / (n - 1);
    const { ulp, at } = maxUlpError(x, wasmTanh(x));
    assert.ok(ulp <= MAX_ULP, `largest error ${ulp} ulp at x = ${at}`);
  });

  test(`wasm tanh is within ${MAX_ULP} ulp on float32 bit patterns from 1e-30 to 12, both signs`, { skip: skipWasm }, () => {
    // every 61st float32: hits every exponent, the 0.625 branch switch, and tiny and subnormal-adjacent inputs
    const lo = ulpIndex(1e-30), hi = ulpIndex(12);
    const bits = new Int32Array(2 * Math.ceil((hi - lo) / 61));
    let n = 0;
    for (let b = lo; b < hi; b += 61) { bits[n++] = b; bits[n++] = b | 0x80000000; }
    const x = new Float32Array(bits.buffer, 0, n);
    const { ulp, at } = maxUlpError(x, wasmTanh(x));
    assert.ok(ulp <= MAX_ULP, `largest error ${ulp} ulp at x = ${at}`);
  });

  test('special values: NaN stays NaN, ±Inf and large inputs give exactly ±1, ±0 and tiny inputs pass through', () => {
    const x = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 1e-20, 9, -9, 10.5, 88, -1e30, 3.4e38];
    const expected = new Float32Array([NaN, 1, -1, 0, -0, 1e-40, -1e-40, 1e-20, Math.tanh(9), -Math.tanh(9), 1, 1, -1, 1]);
    for (const be of wasm ? [plain, wasm] : [plain]) {
      const out = be.alloc(x.length);
      const inp = be.alloc(x.length);
      inp.set(x);
      be.tanh(out, inp, x.length);
      assertBitEqual(out, expected, be.name);
    }
  });

  test('tanh handles lengths that are not multiples of 4 without touching the element after', () => {
    for (const be of wasm ? [plain, wasm] : [plain]) {
      for (const n of [0, 1, 3, 5, 7, 13]) {
        const x = be.alloc(n + 1).fill(0.5);
        x[n] = 42;
        be.tanh(x, x, n);
        for (let i = 0; i < n; i++) assert.equal(x[i], Math.fround(Math.tanh(0.5)), `${be.name} n=${n}`);
        assert.equal(x[n], 42, `${be.name} n=${n}`);
      }
    }
  });
});
