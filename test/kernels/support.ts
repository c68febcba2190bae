// Shared pieces of the kernel tests: the two backends, seeded data, and comparisons that
// report the largest difference when they fail.

import assert from 'node:assert/strict';

import { createPlainBackend, createWasmBackend, wasmSupport, type Backend } from '../../src/kernels/index.js';

export const plain: Backend = createPlainBackend();

/**
 * The wasm backend. Where it cannot run, a stand-in of the same name whose every kernel throws
 * the probe's reason: a test that says it tests wasm fails there, rather than skipping or quietly
 * testing plain, so the suite cannot pass without the wasm kernels.
 */
const support = wasmSupport();
export const wasm: Backend = support.ok ? createWasmBackend() : unavailableWasm(support.reason);

/** Kept for the tests that pass `{ skip: skipWasm }`: nothing is skipped any more (see `wasm`). */
export const skipWasm = false;

/** A backend named 'wasm-simd' that throws `wasm SIMD backend unavailable: <reason>` on every call. */
export function unavailableWasm(reason: string): Backend {
  const fail = () => {
    throw new Error(`wasm SIMD backend unavailable: ${reason}`);
  };
  const model = createPlainBackend();
  const standIn: Record<string, unknown> = { name: 'wasm-simd' };
  for (const [key, value] of Object.entries(model)) if (typeof value === 'function') standIn[key] = fail;
  return standIn as unknown as Backend;
}

/** The sizes every kernel is swept over: tiny, odd, around the 4- and 8-wide blocks, 23 (two
 *  8-blocks, a 4-block and 3 left over), and past the 128 of the training size. */
export const AWKWARD = [1, 3, 5, 7, 12, 13, 17, 23, 128, 129];

/** A small deterministic generator (LCG) so failures can be replayed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A buffer of n values uniform in [-scale, scale), allocated on `be`. */
export function random(be: Backend, n: number, scale: number, seed: number): Float32Array {
  const next = rng(seed);
  const a = be.alloc(n);
  for (let i = 0; i < n; i++) a[i] = (next() * 2 - 1) * scale;
  return a;
}

/** A copy of `src` allocated on `be`. */
export function copyTo(be: Backend, src: Float32Array): Float32Array {
  const a = be.alloc(src.length);
  a.set(src);
  return a;
}

/** |a| elementwise, as a plain Float32Array. */
export function abs(a: Float32Array): Float32Array {
  return a.map(Math.abs);
}

/**
 * Asserts |actual − expected| ≤ bound[i] for every i (bound a number or per-element array),
 * with non-finite values required to agree exactly (NaN with NaN, +Inf with +Inf). On failure
 * the message names the worst element and the largest difference.
 */
export function assertClose(actual: Float32Array, expected: ArrayLike<number>, bound: number | ArrayLike<number>, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let worst = -1, worstExcess = 0, largest = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (!Number.isFinite(a) || !Number.isFinite(e)) {
      if (!Object.is(a, e) && !(Number.isNaN(a) && Number.isNaN(e))) {
        assert.fail(`${label}: element ${i} is ${a}, expected ${e}`);
      }
      continue;
    }
    const d = Math.abs(a - e);
    const b = typeof bound === 'number' ? bound : bound[i];
    if (d > largest) largest = d;
    if (d > b && d - b > worstExcess) { worst = i; worstExcess = d - b; }
  }
  if (worst >= 0) {
    const b = typeof bound === 'number' ? bound : bound[worst];
    assert.fail(`${label}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} ` +
      `(difference ${Math.abs(actual[worst] - expected[worst])} > allowed ${b}); largest difference ${largest}`);
  }
}

/** Asserts the two arrays hold the same float32 bit patterns (NaN payloads aside). */
export function assertBitEqual(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) {
      assert.fail(`${label}: element ${i} is ${actual[i]}, expected exactly ${expected[i]}`);
    }
  }
}

const ulpView = new Float32Array(1);
const ulpBits = new Int32Array(ulpView.buffer);

/** Position of a float32 on the number line, counted in ulps (so the difference of two is
 *  their distance in ulps; -0 and +0 are the same point). */
export function ulpIndex(x: number): number {
  ulpView[0] = x;
  const i = ulpBits[0];
  return i < 0 ? -(i & 0x7fffffff) : i;
}
