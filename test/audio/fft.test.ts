import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRealFft, naivePowerSpectrum } from '../../src/audio/fft.js';

/** A deterministic signal with some structure plus noise-like content. */
function signal(n: number, seed: number): Float64Array {
  const x = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = Math.sin(0.37 * i + seed) + 0.5 * Math.cos(2.1 * i) + (s / 2 ** 32 - 0.5);
  }
  return x;
}

/** Largest bin difference relative to the largest bin (per-bin relative error is meaningless near zero). */
function relativeError(fast: Float64Array, slow: Float64Array): number {
  let diff = 0;
  let scale = 0;
  for (let k = 0; k < slow.length; k++) {
    diff = Math.max(diff, Math.abs(fast[k] - slow[k]));
    scale = Math.max(scale, Math.abs(slow[k]));
  }
  return scale === 0 ? diff : diff / scale;
}

for (const n of [400, 256, 360, 7, 97, 1, 2, 3, 5, 12, 25, 49, 98, 194, 1000, 2 * 3 * 5 * 7 * 11]) {
  test(`the FFT power spectrum of length ${n} matches the naive DFT to 1e-9 relative`, () => {
    const fft = createRealFft(n);
    assert.equal(fft.bins, Math.floor(n / 2) + 1);
    for (const seed of [1, 2]) {
      const x = signal(n, seed);
      const fast = new Float64Array(fft.bins);
      const slow = new Float64Array(fft.bins);
      fft.powerSpectrum(fast, x);
      naivePowerSpectrum(slow, x);
      const err = relativeError(fast, slow);
      assert.ok(err < 1e-9, `n=${n} seed=${seed}: max relative error ${err}`);
    }
  });
}

test('one plan gives the same answer on repeated calls and leaves its input alone', () => {
  const fft = createRealFft(400);
  const x = signal(400, 3);
  const copy = Float64Array.from(x);
  const a = new Float64Array(201);
  const b = new Float64Array(201);
  fft.powerSpectrum(a, x);
  fft.powerSpectrum(b, signal(400, 9)); // a different call in between
  fft.powerSpectrum(b, x);
  assert.deepEqual(b, a);
  assert.deepEqual(x, copy);
});

test('a unit impulse has a flat spectrum and a constant has all its power in bin 0', () => {
  const fft = createRealFft(400);
  const out = new Float64Array(201);
  const impulse = new Float64Array(400);
  impulse[0] = 1;
  fft.powerSpectrum(out, impulse);
  for (const v of out) assert.ok(Math.abs(v - 1) < 1e-12);
  fft.powerSpectrum(out, new Float64Array(400).fill(0.5));
  assert.ok(Math.abs(out[0] - 200 * 200) < 1e-8);
  for (let k = 1; k < 201; k++) assert.ok(out[k] < 1e-20, `bin ${k}: ${out[k]}`);
});

test('NaN and Inf in the input come out as non-finite power, never as silent zeros', () => {
  const fft = createRealFft(400);
  const out = new Float64Array(201);
  const x = signal(400, 4);
  x[17] = NaN;
  fft.powerSpectrum(out, x);
  assert.ok(out.every((v) => Number.isNaN(v)));
  x[17] = Infinity;
  fft.powerSpectrum(out, x);
  assert.ok(out.every((v) => !Number.isFinite(v)));
});

test('a length that is not a positive integer is refused', () => {
  assert.throws(() => createRealFft(0), RangeError);
  assert.throws(() => createRealFft(12.5), RangeError);
});
