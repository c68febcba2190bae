import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeAudioFile } from '../../src/audio/decode.js';
import { FEATURE_LIMITS, loadFeatures, sourceFeatures } from '../../src/audio/features.js';
import { mfcc, mfccBackend, plainMfcc, type Mfcc, type MfccBackend } from '../../src/audio/mfcc.js';
import type { MfccOptions } from '../../src/audio/mfcc-types.js';
import { createMfccAccumulator, type AccumulatorOptions } from '../../src/audio/mfcc-stream.js';
import { MFCC_WASM_LIMITS } from '../../src/audio/mfcc-wasm.js';
import { bytesSource } from '../../src/audio/source.js';
import { UsageError } from '../../src/errors.js';
import { fixturePath, maxAbsDiff } from '../helpers/fixtures.js';
import { testSignal } from '../helpers/wav.js';

/** The accumulator fed `channels` in pieces of the given lengths, cycling through them. */
function streamed(channels: Float32Array[], sr: number, lengths: number[], backend?: MfccBackend, o: Partial<MfccOptions> = {}): Mfcc {
  const result = feed(channels, sr, lengths, o, { backend });
  assert.ok('data' in result);
  return result;
}

function feed(channels: Float32Array[], sr: number, lengths: number[], o: Partial<MfccOptions>, options: AccumulatorOptions) {
  const acc = createMfccAccumulator(channels.length, sr, o, 'x', options);
  const S = channels[0].length;
  for (let at = 0, i = 0; at < S; i++) {
    const n = Math.min(lengths[i % lengths.length], S - at);
    acc.push(channels.map((ch) => ch.subarray(at, at + n)));
    at += n;
  }
  return acc.finish();
}

function stereo(seconds: number, sr: number): Float32Array[] {
  const x = testSignal(seconds, sr);
  return [x, x.map((v, i) => -0.5 * v + 0.01 * Math.sin(i))];
}

const backends: MfccBackend[] = mfccBackend().backend === 'wasm' ? ['wasm', 'plain'] : ['plain'];

for (const backend of backends) {
  test(`streamed in pieces of any length, the ${backend} MFCC is the whole-array one to the bit`, () => {
    const whole = backend === 'wasm' ? mfcc : plainMfcc;
    for (const S of [201, 359, 401, 1000, 16001, 44100 * 3 + 17]) {
      const x = stereo(S / 44100, 44100).map((ch) => ch.subarray(0, S));
      const expected = whole(x, 44100);
      for (const lengths of [[S], [1], [7, 160, 399], [4096], [123457]]) {
        if (lengths[0] === 1 && S > 20000) continue; // slow, and covered by the short ones
        const got = streamed(x, 44100, lengths, backend);
        assert.equal(got.frames, expected.frames);
        assert.deepEqual(got.data, expected.data, `S=${S} pieces ${lengths.join(',')}`);
      }
    }
  });

  test(`blocks of any size and awkward options stream to the whole-array ${backend} MFCC to the bit`, () => {
    const whole = backend === 'wasm' ? mfcc : plainMfcc;
    const saved = { ...MFCC_WASM_LIMITS };
    try {
      for (const o of [{}, { nMels: 41, nMfcc: 13 }, { nFft: 400, hopLength: 401 }, { nFft: 240, hopLength: 80 }] as Partial<MfccOptions>[]) {
        const x = stereo(1.3, 16000);
        const expected = whole(x, 16000, o);
        for (const blockFrames of [1, 3, 64, 768]) {
          MFCC_WASM_LIMITS.blockFrames = blockFrames;
          assert.deepEqual(streamed(x, 16000, [1000, 37], backend, o).data, expected.data, `${JSON.stringify(o)} blocks of ${blockFrames}`);
        }
      }
    } finally {
      Object.assign(MFCC_WASM_LIMITS, saved);
    }
  });
}

test('loadFeatures (decoded and MFCC\'d in a stream) equals decode-then-mfcc of the whole file, on every fixture', async () => {
  for (const file of ['speech.flac', 'chord-stereo.flac', 'chord-3s.ogg', 'chord-3s.mp3']) {
    const path = fixturePath(`audio/${file}`);
    const audio = await decodeAudioFile(path);
    const expected = mfcc(audio.channels, audio.sampleRate);
    const got = await loadFeatures(path, 'none', 'mfcc');
    assert.equal(got.frames, expected.frames, file);
    assert.equal(got.channels, audio.channels.length);
    assert.equal(got.seconds, audio.channels[0].length / audio.sampleRate);
    const diff = maxAbsDiff(got.data, expected.data);
    assert.ok(diff <= 1e-6, `${file}: largest difference ${diff}`);
    assert.deepEqual(got.data, expected.data, `${file}: not bit-identical (largest difference ${diff})`);
    // Bytes in memory, as a browser page would pass them, give the same, on the plain path too.
    const fromBytes = await sourceFeatures(bytesSource(new Uint8Array(readFileSync(path)), file), 'none', 'mfcc');
    assert.deepEqual(fromBytes.data, expected.data);
    const plain = await sourceFeatures(bytesSource(new Uint8Array(readFileSync(path)), file), 'none', 'mfcc', 'plain');
    assert.deepEqual(plain.data, plainMfcc(audio.channels, audio.sampleRate).data, `${file}: plain`);
  }
});

for (const backend of backends) {
  test(`past its dB budget the ${backend} accumulator gives the floor, and a second pass with it the same MFCCs`, () => {
    const x = stereo(2.1, 22050);
    const expected = streamed(x, 22050, [5000], backend);
    for (const maxStoredBytes of [0, 50_000]) {
      const first = feed(x, 22050, [5000], {}, { backend, maxStoredBytes });
      assert.ok('floor' in first, `budget ${maxStoredBytes}`);
      for (const expectedSamples of [undefined, 10, x[0].length, 10 * x[0].length]) {
        const second = feed(x, 22050, [777], {}, { backend, floor: first.floor, expectedSamples });
        assert.ok('data' in second);
        assert.deepEqual(second.data, expected.data, `budget ${maxStoredBytes}, expecting ${expectedSamples}`);
      }
    }
  });
}

test('a file past the one-pass budget is decoded twice and gives the same features', async () => {
  const saved = FEATURE_LIMITS.onePassDbBytes;
  try {
    for (const file of ['speech.flac', 'chord-3s.mp3']) {
      const path = fixturePath(`audio/${file}`);
      FEATURE_LIMITS.onePassDbBytes = saved;
      const once = await loadFeatures(path, 'frame');
      FEATURE_LIMITS.onePassDbBytes = 1 << 16;
      const twice = await loadFeatures(path, 'frame');
      assert.deepEqual(twice, once, file);
    }
  } finally {
    FEATURE_LIMITS.onePassDbBytes = saved;
  }
});

test('the accumulator refuses NaN, too little audio and misuse with clear errors', () => {
  const acc = createMfccAccumulator(1, 16000, {}, 'nan.wav');
  assert.throws(() => acc.push([Float32Array.of(0, NaN)]), (e: unknown) => e instanceof UsageError && /nan\.wav: the audio contains NaN/.test(e.message));
  const short = createMfccAccumulator(2, 16000, {}, 'short.wav');
  short.push([new Float32Array(200), new Float32Array(200)]);
  assert.equal(short.samples, 200);
  assert.throws(() => short.finish(), (e: unknown) => e instanceof UsageError && /short\.wav: the audio is too short for MFCCs \(200 samples/.test(e.message));
  const two = createMfccAccumulator(2, 16000);
  assert.throws(() => two.push([new Float32Array(10)]), RangeError);
  assert.throws(() => two.push([new Float32Array(10), new Float32Array(9)]), RangeError);
});
