import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { Backend } from '../../../src/kernels/index.js';
import { AWKWARD, assertClose, copyTo, plain, random, rng, wasm } from '../support.js';

// Tolerances, wasm (float32 sums of four lanes, tanh to 1 ulp) against the plain reference
// (float64 sums, Math.tanh, rounded once). Values here are O(1): |h| ≤ 1, weights ±1/√N.
const STEP_ATOL = 2e-6;   // a, h and the trace after up to 7 chained steps
const Y_ATOL = 4e-6;      // the read-out, a sum of N terms of O(1/√N)
const DELTA_RTOL = 2e-7;  // δ = L (1 − h²), relative to |L|: 1 − h² rounded in float32 loses to cancellation near |h| = 1
const RLS_RTOL = 1e-12;   // float64 on both sides, summed in another order

const FEATURES = [1, 3, 5, 12, 13];

/** A Float64Array of n values in `be`'s memory, as the esn-rls unit allocates it. */
function alloc64(be: Backend, n: number): Float64Array {
  const f = be.alloc(2 * n);
  return new Float64Array(f.buffer, f.byteOffset, n);
}

function copy64(be: Backend, src: Float64Array): Float64Array {
  const a = alloc64(be, src.length);
  a.set(src);
  return a;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Runs `steps` chained eprop steps on `be` from the same start; returns the final a, h, y, trace. */
function epropSteps(be: Backend, F: number, N: number, alpha: number, steps: number, seed: number) {
  const k = 1 / Math.sqrt(N);
  const Wih = random(be, N * F, k, seed), Whh = random(be, N * N, k, seed + 1), b = random(be, N, k, seed + 2);
  const Wfc = random(be, F * N, k, seed + 3), bfc = random(be, F, k, seed + 4);
  const xs = random(be, steps * F, 1.5, seed + 5);
  const a = random(be, N, 0.5, seed + 6), trace = random(be, F + N + 1, 0.5, seed + 7);
  let h = be.alloc(N), hPrev = random(be, N, 0.9, seed + 8);
  const y = be.alloc(F).fill(NaN); // "=": garbage in y must not leak through
  for (let t = 0; t < steps; t++) {
    h.fill(NaN);
    be.epropStep(a, h, y, trace, xs.subarray(t * F, (t + 1) * F), hPrev, Wih, Whh, b, Wfc, bfc, F, N, alpha);
    [h, hPrev] = [hPrev, h];
  }
  return { a, h: hPrev, y, trace };
}

describe('eprop kernels', () => {
  test('plain epropStep follows the equations written out by hand for F = 1, N = 2', () => {
    const be = plain;
    const alpha = 0.25, beta = 0.75;
    const a = Float32Array.of(0.5, -1), h = new Float32Array(2), y = new Float32Array(1), trace = Float32Array.of(1, 2, 3, 4);
    const x = Float32Array.of(2), hPrev = Float32Array.of(0.5, -0.5);
    const Wih = Float32Array.of(1, -1), Whh = Float32Array.of(0.5, 0.25, -0.25, 1), b = Float32Array.of(0.1, 0.2);
    const Wfc = Float32Array.of(2, -3), bfc = Float32Array.of(0.5);
    be.epropStep(a, h, y, trace, x, hPrev, Wih, Whh, b, Wfc, bfc, 1, 2, alpha);
    const a0 = alpha * 0.5 + beta * (2 + 0.25 - 0.125 + 0.1);
    const a1 = alpha * -1 + beta * (-2 - 0.125 - 0.5 + 0.2);
    assertClose(a, [a0, a1], 1e-7, 'a');
    assertClose(h, [Math.tanh(a0), Math.tanh(a1)], 1e-7, 'h');
    assertClose(y, [2 * Math.tanh(a0) - 3 * Math.tanh(a1) + 0.5], 1e-6, 'y');
    assertClose(trace, [alpha * 1 + beta * 2, alpha * 2 + beta * 0.5, alpha * 3 - beta * 0.5, alpha * 4 + beta], 1e-7, 'trace');
  });

  test(`wasm epropStep matches plain within ${STEP_ATOL} (a, h, trace) and ${Y_ATOL} (y) over 1 and 7 steps, awkward F and N, α ∈ {0, 0.3}`, () => {
    for (const F of FEATURES) {
      for (const N of AWKWARD) {
        for (const alpha of [0, 0.3]) {
          for (const steps of [1, 7]) {
            const seed = F * 1000 + N + steps;
            const p = epropSteps(plain, F, N, alpha, steps, seed);
            const w = epropSteps(wasm, F, N, alpha, steps, seed);
            const label = `F=${F} N=${N} α=${alpha} steps=${steps}`;
            assertClose(w.a, p.a, STEP_ATOL, `${label} a`);
            assertClose(w.h, p.h, STEP_ATOL, `${label} h`);
            assertClose(w.trace, p.trace, STEP_ATOL, `${label} trace`);
            assertClose(w.y, p.y, Y_ATOL, `${label} y`);
          }
        }
      }
    }
  });

  test('a NaN in x poisons a, h and y on both backends, and only the x part of the trace', () => {
    const F = 5, N = 13;
    for (const be of [plain, wasm]) {
      const k = 1 / Math.sqrt(N);
      const a = be.alloc(N), h = be.alloc(N), y = be.alloc(F), trace = be.alloc(F + N + 1), hPrev = random(be, N, 0.5, 1);
      const x = random(be, F, 1, 2);
      x[3] = NaN;
      be.epropStep(a, h, y, trace, x, hPrev, random(be, N * F, k, 3), random(be, N * N, k, 4), random(be, N, k, 5),
        random(be, F * N, k, 6), random(be, F, k, 7), F, N, 0.2);
      assert.ok(a.every(Number.isNaN) && h.every(Number.isNaN) && y.every(Number.isNaN), `${be.name}: a, h, y all NaN`);
      assert.ok(trace.every((v, i) => Number.isNaN(v) === (i === 3)), `${be.name}: only trace[3] is NaN`);
    }
  });

  test(`wasm epropDelta matches plain within ${DELTA_RTOL}·|L| for awkward n`, () => {
    for (const n of [...AWKWARD, 64 * 128 + 3]) {
      const delta = random(plain, n, 2, n), h = random(plain, n, 1, n + 1);
      const p = copyTo(plain, delta), w = copyTo(wasm, delta);
      plain.epropDelta(p, copyTo(plain, h), n);
      wasm.epropDelta(w, copyTo(wasm, h), n);
      const bound = Array.from(delta, (v) => DELTA_RTOL * Math.abs(v));
      assertClose(w, p, bound, `n=${n}`);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(p[i] - delta[i] * (1 - h[i] * h[i])) <= 1e-7 * Math.abs(delta[i]), `plain n=${n} i=${i}`);
    }
  });

  test('the eprop kernels refuse short arrays the same way on both backends', () => {
    for (const be of [plain, wasm]) {
      const N = 5, F = 3, v = be.alloc(64);
      assert.throws(() => be.epropStep(v, v.subarray(0, N - 1), v, v, v, v, v, v, v, v, v, F, N, 0), /epropStep: h has 4 values, needs 5/);
      assert.throws(() => be.epropDelta(v, v.subarray(0, 3), 4), /epropDelta: h has 3 values, needs 4/);
      assert.throws(() => be.epropStep(v, v, v, v, v, v, v, v, v, v, v, 2.5, N, 0), /epropStep: F must be a non-negative integer/);
    }
  });
});

describe('esn-rls kernels (float64)', () => {
  /** A symmetric positive definite P (D, D) with garbage (NaN) below the diagonal, and its full symmetric copy. */
  function upperP(D: number, seed: number): { P: Float64Array; full: Float64Array } {
    const next = rng(seed);
    const M = Float64Array.from({ length: D * D }, () => next() * 2 - 1);
    const full = new Float64Array(D * D);
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < D; j++) {
        let s = i === j ? D : 0;
        for (let k = 0; k < D; k++) s += M[i * D + k] * M[j * D + k];
        full[i * D + j] = s / D;
      }
    }
    const P = full.slice();
    for (let i = 0; i < D; i++) for (let j = 0; j < i; j++) P[i * D + j] = NaN;
    return { P, full };
  }

  test(`rlsGain is P z from the upper triangle: plain and wasm against the full product within ${RLS_RTOL}, awkward D`, () => {
    for (const D of [...AWKWARD, 141]) {
      const { P, full } = upperP(D, D);
      const next = rng(D + 7);
      const z = Float64Array.from({ length: D }, () => next() * 2 - 1);
      const expected = new Float64Array(D);
      for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) expected[i] += full[i * D + j] * z[j];
      const bound = RLS_RTOL * maxAbs(expected) * D;
      for (const be of [plain, wasm]) {
        const u = alloc64(be, D).fill(NaN); // "=": never read
        be.rlsGain(u, copy64(be, P), copy64(be, z), D);
        for (let i = 0; i < D; i++) assert.ok(Math.abs(u[i] - expected[i]) <= bound, `${be.name} D=${D} u[${i}] = ${u[i]}, expected ${expected[i]}`);
      }
    }
  });

  test(`rlsDowndate updates exactly the upper triangle: wasm matches plain within ${RLS_RTOL}, awkward D`, () => {
    for (const D of [...AWKWARD, 141]) {
      const { P } = upperP(D, D + 1);
      const next = rng(D + 9);
      const u = Float64Array.from({ length: D }, () => next() * 2 - 1);
      const g = 0.37;
      const p = copy64(plain, P), w = copy64(wasm, P);
      plain.rlsDowndate(p, copy64(plain, u), g, D);
      wasm.rlsDowndate(w, copy64(wasm, u), g, D);
      for (let i = 0; i < D; i++) {
        for (let j = 0; j < D; j++) {
          const at = `D=${D} P[${i},${j}]`;
          if (j < i) {
            assert.ok(Number.isNaN(p[i * D + j]) && Number.isNaN(w[i * D + j]), `${at}: below the diagonal is never written`);
          } else {
            const expected = P[i * D + j] - g * u[i] * u[j];
            assert.ok(Math.abs(p[i * D + j] - expected) <= RLS_RTOL * (Math.abs(expected) + 1), `${at} plain`);
            assert.ok(Math.abs(w[i * D + j] - p[i * D + j]) <= RLS_RTOL * (Math.abs(expected) + 1), `${at} wasm ${w[i * D + j]} vs ${p[i * D + j]}`);
          }
        }
      }
    }
  });

  test('the RLS kernels want float64 arrays of the right size on both backends', () => {
    for (const be of [plain, wasm]) {
      const P = alloc64(be, 16), u = alloc64(be, 4);
      assert.throws(() => be.rlsGain(u, P, alloc64(be, 3), 4), /rlsGain: z has 3 values, needs 4/);
      assert.throws(() => be.rlsDowndate(P, be.alloc(4) as unknown as Float64Array, 1, 4), /rlsDowndate: u must be a Float64Array/);
      assert.throws(() => be.rlsDowndate(P, u, NaN, 4), /rlsDowndate: g must be finite/);
    }
  });
});
