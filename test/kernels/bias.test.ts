import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { AWKWARD, assertClose, copyTo, plain, random, skipWasm, wasm } from './support.js';

describe('bias kernels', () => {
  test('plain addBias adds the bias to every row and sumRows adds column sums', () => {
    const out = new Float32Array([1, 2, 3, 4, 5, 6]);
    plain.addBias(out, new Float32Array([10, 20, 30]), 2, 3);
    assert.deepEqual([...out], [11, 22, 33, 14, 25, 36]);
    const dbias = new Float32Array([1, 1, 1]);
    plain.sumRows(dbias, out, 2, 3);
    assert.deepEqual([...dbias], [26, 48, 70]);
  });

  test('wasm addBias equals plain exactly for awkward R and N', { skip: skipWasm }, () => {
    for (const R of AWKWARD) {
      for (const N of AWKWARD) {
        const out = random(plain, R * N, 1, R), bias = random(plain, N, 1, N);
        const p = copyTo(plain, out), w = copyTo(wasm!, out);
        plain.addBias(p, bias, R, N);
        wasm!.addBias(w, copyTo(wasm!, bias), R, N);
        assertClose(w, p, 0, `R=${R} N=${N}`); // one float32 add per element: exact
      }
    }
  });

  test('wasm sumRows matches plain within 1e-5 of the column sums of |d|, up to R = 7984', { skip: skipWasm }, () => {
    for (const R of [...AWKWARD, 255, 256, 257, 7984]) {
      for (const N of AWKWARD) {
        const d = random(plain, R * N, 1, R + N), dbias0 = random(plain, N, 1, N);
        const p = copyTo(plain, dbias0), w = copyTo(wasm!, dbias0);
        plain.sumRows(p, d, R, N);
        wasm!.sumRows(w, copyTo(wasm!, d), R, N);
        const scale = dbias0.map(Math.abs);
        plain.sumRows(scale, d.map(Math.abs), R, N);
        assertClose(w, p, scale.map((s) => 1e-5 * s), `R=${R} N=${N}`);
      }
    }
  });

  test('NaN and Inf propagate to their own column only, the same in both backends', () => {
    for (const be of wasm ? [plain, wasm] : [plain]) {
      const [R, N] = [5, 7];
      const d = copyTo(be, random(plain, R * N, 1, 3));
      d[2 * N + 1] = NaN;
      d[4 * N + 5] = -Infinity;
      const dbias = be.alloc(N);
      be.sumRows(dbias, d, R, N);
      for (let j = 0; j < N; j++) {
        if (j === 1) assert.ok(Number.isNaN(dbias[j]), be.name);
        else if (j === 5) assert.equal(dbias[j], -Infinity, be.name);
        else assert.ok(Number.isFinite(dbias[j]), be.name);
      }
      const out = be.alloc(R * N);
      const bias = be.alloc(N);
      bias[6] = NaN;
      be.addBias(out, bias, R, N);
      for (let i = 0; i < R * N; i++) assert.equal(Number.isNaN(out[i]), i % N === 6, be.name);
    }
  });
});
