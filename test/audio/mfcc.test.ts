import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAudioFile } from '../../src/audio/decode.js';
import { naivePowerSpectrum } from '../../src/audio/fft.js';
import { MFCC_DEFAULTS, dctMatrix, mfcc } from '../../src/audio/mfcc.js';
import { UsageError } from '../../src/errors.js';
import { fixturePath, maxAbsDiff, readF32, readJson, type AudioFacts } from '../helpers/fixtures.js';

/** (rows, cols) C order → (cols, rows). */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c];
  return out;
}

for (const name of ['speech', 'chord-stereo']) {
  test(`MFCCs of ${name}.flac match torchaudio's to 2e-3`, async () => {
    const facts = readJson<AudioFacts>(`${name}.json`);
    const audio = await decodeAudioFile(fixturePath(`audio/${facts.audio}`));
    const m = mfcc(audio.channels, audio.sampleRate);
    const [K, T] = facts.mfcc_shape;
    assert.equal(m.coefficients, K);
    assert.equal(m.frames, T);
    const expected = transpose(readF32(`${name}.mfcc.f32`), K, T); // (12, T) → (T, 12)
    const err = maxAbsDiff(m.data, expected);
    assert.ok(err <= 2e-3, `${name}: max |MFCC − torchaudio| = ${err}`);
  });
}

// ---------------------------------------------------------------------------------------------
// A plain reference, written straight from the torchaudio code path: explicit reflect padding,
// the O(n²) DFT, a dense filterbank, dB with the clamp over the whole tensor, a DCT per channel,
// then the mean over channels (torchaudio's order). The fast path must agree with it.

function referenceMfcc(channels: Float32Array[], sr: number): Float64Array[] {
  const { nFft: N, hopLength: hop, nMels: M, nMfcc: K, topDb, amin } = MFCC_DEFAULTS;
  const pad = N / 2;
  const bins = N / 2 + 1;
  const nyquist = Math.floor(sr / 2);
  const mel = (f: number) => 2595 * Math.log10(1 + f / 700);
  const hz = (m: number) => 700 * (10 ** (m / 2595) - 1);
  const fPts = Array.from({ length: M + 2 }, (_, i) => hz((mel(nyquist) * i) / (M + 1)));
  const fb = (bin: number, m: number) => {
    const f = (nyquist * bin) / (bins - 1);
    return Math.max(0, Math.min((f - fPts[m]) / (fPts[m + 1] - fPts[m]), (fPts[m + 2] - f) / (fPts[m + 2] - fPts[m + 1])));
  };
  const dct = dctMatrix(K, M);

  const perChannelDb = channels.map((x) => {
    const S = x.length;
    const padded = new Float64Array(S + 2 * pad);
    for (let i = 0; i < padded.length; i++) {
      const j = i - pad;
      padded[i] = x[j < 0 ? -j : j >= S ? 2 * (S - 1) - j : j];
    }
    const T = 1 + Math.floor((padded.length - N) / hop);
    const frames: Float64Array[] = [];
    for (let t = 0; t < T; t++) {
      const frame = new Float64Array(N);
      for (let j = 0; j < N; j++) frame[j] = padded[t * hop + j] * (0.5 - 0.5 * Math.cos((2 * Math.PI * j) / N));
      const power = new Float64Array(bins);
      naivePowerSpectrum(power, frame);
      const db = new Float64Array(M);
      for (let m = 0; m < M; m++) {
        let e = 0;
        for (let b = 0; b < bins; b++) e += power[b] * fb(b, m);
        db[m] = 10 * Math.log10(Math.max(e, amin));
      }
      frames.push(db);
    }
    return frames;
  });
  let max = -Infinity;
  for (const frames of perChannelDb) for (const db of frames) for (const v of db) max = Math.max(max, v);
  const T = perChannelDb[0].length;
  const out: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const row = new Float64Array(K);
    for (const frames of perChannelDb) {
      for (let k = 0; k < K; k++) {
        let acc = 0;
        for (let m = 0; m < M; m++) acc += dct[k * M + m] * Math.max(frames[t][m], max - topDb);
        row[k] += acc / channels.length;
      }
    }
    out.push(row);
  }
  return out;
}

/** A chirp with tremolo, and in the right channel a much quieter copy with a gap of digital silence. */
function testChannels(seconds: number, sr: number): Float32Array[] {
  const S = Math.round(seconds * sr);
  const left = new Float32Array(S);
  const right = new Float32Array(S);
  for (let i = 0; i < S; i++) {
    const t = i / sr;
    left[i] = 0.5 * Math.sin(2 * Math.PI * (300 + 2000 * t) * t) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 3 * t));
    right[i] = i > S / 3 && i < S / 2 ? 0 : 1e-4 * left[i] + 1e-3 * Math.sin(2 * Math.PI * 440 * t);
  }
  return [left, right];
}

for (const sr of [8000, 22050, 44100]) {
  test(`the fast MFCC agrees with the plain reference on stereo audio at ${sr} Hz`, () => {
    const channels = testChannels(0.35, sr);
    const fast = mfcc(channels, sr);
    const slow = referenceMfcc(channels, sr);
    assert.equal(fast.frames, slow.length);
    const flat = new Float64Array(slow.length * 12);
    slow.forEach((row, t) => flat.set(row, t * 12));
    const err = maxAbsDiff(fast.data, flat);
    // float32 output of values up to ~600 carries ~3e-5 of rounding.
    assert.ok(err < 2e-4, `max |fast − reference| = ${err}`);
  });
}

test('the dB floor is set by the loudest channel: a silent channel is raised to max − 80 dB, not its own', () => {
  const sr = 16000;
  const [loud] = testChannels(0.3, sr);
  const silent = new Float32Array(loud.length);
  const both = mfcc([loud, silent], sr);
  const alone = mfcc([loud], sr);
  // The silent channel is constant at the floor F in every band, so its MFCC is [F·√40, 0, …, 0].
  // Recover F from frame 0 and check every frame against (alone + silent) / 2.
  const F = (2 * both.data[0] - alone.data[0]) / Math.sqrt(40);
  for (let t = 0; t < both.frames; t++) {
    for (let k = 0; k < 12; k++) {
      const expected = (alone.data[t * 12 + k] + (k === 0 ? F * Math.sqrt(40) : 0)) / 2;
      assert.ok(Math.abs(both.data[t * 12 + k] - expected) < 1e-3, `frame ${t} coefficient ${k}`);
    }
  }
  assert.ok(F > -100, `floor ${F} dB should sit above the silence level of −100 dB`);
});

test('frames = 1 + floor(samples / 160) from the shortest allowed signal up', () => {
  for (const S of [201, 202, 359, 360, 361, 4000]) {
    const x = new Float32Array(S).map((_, i) => Math.sin(i));
    assert.equal(mfcc([x], 16000).frames, 1 + Math.floor(S / 160), `S = ${S}`);
  }
});

test('audio of 200 samples or fewer is a usage error saying it is too short', () => {
  for (const S of [0, 1, 200]) {
    assert.throws(
      () => mfcc([new Float32Array(S)], 16000, {}, 'tiny.wav'),
      (err: unknown) => err instanceof UsageError && /^tiny\.wav: the audio is too short/.test(err.message) && !err.message.includes('\n'),
    );
  }
});

test('digital silence gives finite MFCCs: the −100 dB floor in every band', () => {
  const m = mfcc([new Float32Array(16000), new Float32Array(16000)], 16000);
  for (let t = 0; t < m.frames; t++) {
    assert.ok(Math.abs(m.data[t * 12] - -100 * Math.sqrt(40)) < 1e-3);
    for (let k = 1; k < 12; k++) assert.ok(Math.abs(m.data[t * 12 + k]) < 1e-3);
  }
});

test('NaN in the audio is a usage error, not NaN features', () => {
  const x = new Float32Array(1000);
  x[500] = NaN;
  assert.throws(() => mfcc([x], 16000), UsageError);
});

test('unknown and bad options are refused by name', () => {
  const x = new Float32Array(1000);
  assert.throws(() => mfcc([x], 16000, { nMel: 40 } as never), /unknown MFCC option 'nMel'/);
  assert.throws(() => mfcc([x], 16000, { nMfcc: 41 }), /nMfcc/);
  assert.throws(() => mfcc([x], 16000, { hopLength: 0 }), /hopLength/);
});
