import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mfcc, mfccBackend, plainMfcc } from '../../src/audio/mfcc.js';
import type { MfccOptions } from '../../src/audio/mfcc-types.js';
import { MFCC_WASM_LIMITS } from '../../src/audio/mfcc-wasm.js';
import { featureKernels, featureKernelSupport, layout } from '../../src/audio/wasm.js';
import { UsageError } from '../../src/errors.js';

const support = featureKernelSupport();
const skip = support.ok ? false : `the wasm kernels cannot run here: ${support.reason}`;

/**
 * The wasm path computes the FFT, power and mel sums in float32 (as torchaudio does), the plain
 * path in float64. float32 rounding in an FFT is ~1e-7 of the frame's energy, which moves a mel
 * band 70–80 dB below its frame's peak by up to ~1e-3 dB; through the DCT that is a few 1e-4 in
 * the coefficients (5.9e-4 is the largest over these tests). The bound is 1.5e-3, below the
 * 2e-3 parity budget against torchaudio; a real mistake (a wrong window value, twiddle, filter
 * or frame offset) moves coefficients by far more.
 */
const TOLERANCE = 1.5e-3;

function assertClose(fast: Float32Array, slow: Float32Array, label: string): void {
  assert.equal(fast.length, slow.length, `${label}: length`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < slow.length; i++) {
    const excess = Math.abs(fast[i] - slow[i]) - Math.max(TOLERANCE, 4e-7 * Math.abs(slow[i]));
    if (!(excess <= worst)) {
      worst = excess;
      at = i;
    }
  }
  assert.ok(at === -1, `${label}: value ${at} is ${fast[at]}, the plain path gives ${slow[at]}`);
}

/** A chirp with tremolo per channel, and noise, at `level`; a stretch of digital silence in channel 1. */
function channels(C: number, S: number, sr: number, level = 0.5, seed = 1): Float32Array[] {
  let s = seed >>> 0;
  return Array.from({ length: C }, (_, c) => {
    const x = new Float32Array(S);
    for (let i = 0; i < S; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const t = i / sr;
      const chirp = Math.sin(2 * Math.PI * (200 * (c + 1) + 1500 * t) * t) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 3 * t));
      x[i] = c === 1 && i > S / 3 && i < S / 2 ? 0 : level * (chirp + 0.01 * (s / 2 ** 32 - 0.5));
    }
    return x;
  });
}

test('the wasm path is what mfcc() uses for the reference options', { skip }, () => {
  assert.deepEqual(mfccBackend(), { backend: 'wasm' });
});

for (const S of [201, 202, 359, 400, 401, 1000, 16001, 44100 * 2 + 17]) {
  for (const C of [1, 2, 3]) {
    test(`wasm and plain MFCCs agree: ${C} channel(s) of ${S} samples`, { skip }, () => {
      const x = channels(C, S, 44100);
      const fast = mfcc(x, 44100);
      const slow = plainMfcc(x, 44100);
      assert.equal(fast.frames, slow.frames);
      assertClose(fast.data, slow.data, `C=${C} S=${S}`);
    });
  }
}

test('blocks of any size, with the dB values kept in wasm memory or in JavaScript, give the same MFCCs', { skip }, () => {
  const saved = { ...MFCC_WASM_LIMITS };
  try {
    for (const o of [{}, { nMels: 41 }] as Partial<MfccOptions>[]) {
      const x = channels(2, 30000, 16000);
      const slow = plainMfcc(x, 16000, o);
      for (const blockFrames of [1, 2, 3, 5, 64, 1000]) {
        for (const residentDbBytes of [0, 1 << 30]) {
          Object.assign(MFCC_WASM_LIMITS, { blockFrames, residentDbBytes });
          assertClose(mfcc(x, 16000, o).data, slow.data, `${JSON.stringify(o)} blocks of ${blockFrames}, resident ${residentDbBytes > 0}`);
        }
      }
    }
  } finally {
    Object.assign(MFCC_WASM_LIMITS, saved);
  }
});

const optionSets: Partial<MfccOptions>[] = [
  { nFft: 512, hopLength: 128 },
  { nFft: 240, hopLength: 80 }, // h = 120 = 4·2·3·5: the radix-3 stage
  { nFft: 2048, hopLength: 512, nMels: 128, nMfcc: 20 },
  { nFft: 400, hopLength: 1 },
  { nFft: 400, hopLength: 401 }, // frames with gaps between them
  { nFft: 36, hopLength: 10, nMels: 5, nMfcc: 5 }, // h = 18: radix 2 then 3, 3
  { nMels: 41, nMfcc: 13 }, // an odd number of mel bands
  { fMin: 300, fMax: 8000, topDb: 40, amin: 1e-5 },
];
for (const o of optionSets) {
  test(`wasm and plain MFCCs agree with options ${JSON.stringify(o)}`, { skip }, () => {
    assert.equal(mfccBackend(o).backend, 'wasm');
    for (const sr of [16000, 44100]) {
      const x = channels(2, Math.round(0.6 * sr), sr);
      const fast = mfcc(x, sr, o);
      const slow = plainMfcc(x, sr, o);
      assert.equal(fast.frames, slow.frames);
      assertClose(fast.data, slow.data, `${sr} Hz`);
    }
  });
}

test('options the kernels do not cover run on the plain path, which says why', () => {
  for (const [o, why] of [[{ nFft: 398 }, /prime factor above 5/], [{ nFft: 401 }, /odd/], [{ amin: 1e-40 }, /normal float32/]] as const) {
    const b = mfccBackend(o);
    assert.equal(b.backend, 'plain');
    assert.match(b.reason ?? '', support.ok ? why : /cannot run/);
    const x = channels(1, 4000, 16000);
    assert.deepEqual(mfcc(x, 16000, o).data, plainMfcc(x, 16000, o).data);
  }
});

test('silence, near-silence and full scale agree, finite, on both paths', { skip }, () => {
  for (const level of [0, 1e-9, 1e-4, 1]) {
    const x = channels(2, 20000, 22050, level, 3);
    const fast = mfcc(x, 22050);
    assert.ok(fast.data.every(Number.isFinite), `level ${level}`);
    assertClose(fast.data, plainMfcc(x, 22050).data, `level ${level}`);
  }
});

test('samples so large their power overflows float32 fall back to the float64 path', { skip }, () => {
  const x = channels(1, 8000, 16000, 1e18);
  const fast = mfcc(x, 16000);
  assert.ok(fast.data.every(Number.isFinite));
  assert.deepEqual(fast.data, plainMfcc(x, 16000).data);
});

test('NaN or ±Inf anywhere, the reflected ends included, is the same usage error as on the plain path', { skip }, () => {
  const S = 5000;
  for (const bad of [NaN, Infinity, -Infinity]) {
    for (const at of [0, 1, 150, 2500, S - 2, S - 1]) {
      const x = channels(2, S, 16000);
      x[1][at] = bad;
      assert.throws(
        () => mfcc(x, 16000, {}, 'x.wav'),
        (err: unknown) => err instanceof UsageError && err.message === 'x.wav: the audio contains NaN or infinite samples',
        `${bad} at ${at}`,
      );
    }
  }
  // With gaps between frames the samples in the gaps are checked too.
  const x = channels(1, 5000, 16000);
  x[0][450] = NaN;
  assert.throws(() => mfcc(x, 16000, { hopLength: 1000 }), UsageError);
});

// ---------------------------------------------------------------------------------------------
// The kernels on their own

test('powerToDb is 10·log10(max(v, amin)) to 2e-5 dB (2 float32 ulps above 100 dB), gives the maximum, flags NaN and +Inf', { skip }, () => {
  const k = featureKernels();
  assert.ok(k);
  const values: number[] = [0, 1e-12, 1e-10, 1.5e-10, 1e-5, 0.3, 1, 2, 3.5, 1234.5, 1e10, 3e38];
  for (let e = -10; e <= 30; e += 0.37) values.push(10 ** e);
  while (values.length % 4 !== 0) values.push(1);
  const l = layout();
  const at = l.take(values.length * 4);
  k.reserve(l.end);
  const view = new Float32Array(k.memory.buffer, at, values.length);
  view.set(values);
  const top = k.exports.powerToDb(at, values.length, 1e-10);
  let expectedTop = -Infinity;
  values.forEach((v, i) => {
    const expected = 10 * Math.log10(Math.max(Math.fround(v), Math.fround(1e-10)));
    expectedTop = Math.max(expectedTop, expected);
    assert.ok(Math.abs(view[i] - expected) < Math.max(2e-5, 2e-7 * Math.abs(expected)), `${v}: ${view[i]} vs ${expected}`);
  });
  assert.ok(Math.abs(top - expectedTop) < Math.max(2e-5, 2e-7 * Math.abs(expectedTop)));
  for (const bad of [NaN, Infinity]) {
    view.set(values);
    view[5] = bad;
    assert.ok(Number.isNaN(k.exports.powerToDb(at, values.length, 1e-10)), `${bad}`);
  }
});

test('allFinite finds NaN and ±Inf at every position of awkward lengths', { skip }, () => {
  const k = featureKernels();
  assert.ok(k);
  for (const n of [1, 3, 4, 5, 7, 8, 13]) {
    const l = layout();
    const at = l.take(n * 4);
    k.reserve(l.end);
    const view = new Float32Array(k.memory.buffer, at, n);
    view.fill(0.5);
    assert.equal(k.exports.allFinite(at, n), 1);
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (let i = 0; i < n; i++) {
        view.fill(0.5);
        view[i] = bad;
        assert.equal(k.exports.allFinite(at, n), 0, `n=${n}, ${bad} at ${i}`);
      }
    }
  }
});
