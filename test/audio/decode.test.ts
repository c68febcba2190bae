import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFlacFrames } from '../../src/audio/codecs.js';
import { decodeAudioBytes, decodeAudioFile, decodeSource } from '../../src/audio/decode.js';
import { PIECE_BYTES, bytesSource, type ByteSource } from '../../src/audio/source.js';
import { UsageError } from '../../src/errors.js';
import { fixturePath, readJson, type AudioFacts } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-decode-'));
after(() => rmSync(dir, { recursive: true, force: true }));

for (const name of ['speech', 'chord-stereo']) {
  test(`${name}.flac decodes to torchaudio's samples: rate, shape, first samples and sum of squares`, async () => {
    const facts = readJson<AudioFacts>(`${name}.json`);
    const audio = await decodeAudioFile(fixturePath(`audio/${facts.audio}`));
    assert.equal(audio.sampleRate, facts.sample_rate);
    assert.equal(audio.channels.length, facts.channels);
    assert.equal(audio.format, 'flac');
    for (const ch of audio.channels) assert.equal(ch.length, facts.samples_per_channel);
    facts.first_samples.forEach((expected, c) => {
      assert.deepEqual(Array.from(audio.channels[c].subarray(0, expected.length)), expected, `channel ${c}`);
    });
    let sumOfSquares = 0;
    for (const ch of audio.channels) for (const v of ch) sumOfSquares += v * v;
    const rel = Math.abs(sumOfSquares - facts.sum_of_squares) / facts.sum_of_squares;
    assert.ok(rel < 1e-9, `sum of squares ${sumOfSquares} vs ${facts.sum_of_squares}: relative error ${rel}`);
  });
}

// ---------------------------------------------------------------------------------------------
// WAV files written byte by byte

interface WavSpec {
  tag: 1 | 3; // integer PCM or IEEE float
  bits: 8 | 16 | 24 | 32;
  rate: number;
  channels: number[][]; // integer codes k (PCM) or float values, one array per channel
  /** Write an 18-byte fmt chunk and a 'fact' chunk, as sox does for float: the data then starts at byte 58. */
  fact?: boolean;
}

/** WAV bytes. 8-bit PCM is unsigned (k + 128), the rest signed little-endian. */
function wavBytes({ tag, bits, rate, channels, fact = false }: WavSpec): Uint8Array {
  const C = channels.length;
  const S = channels[0].length;
  const width = bits / 8;
  const data = S * C * width;
  const fmtSize = fact ? 18 : 16;
  const head = 12 + 8 + fmtSize + (fact ? 12 : 0) + 8; // where the samples start
  const b = Buffer.alloc(head + data);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(head - 8 + data, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(fmtSize, 16);
  b.writeUInt16LE(tag, 20);
  b.writeUInt16LE(C, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * C * width, 28);
  b.writeUInt16LE(C * width, 32);
  b.writeUInt16LE(bits, 34);
  let at = 20 + fmtSize; // cbSize (when present) is already 0
  if (fact) {
    b.write('fact', at, 'latin1');
    b.writeUInt32LE(4, at + 4);
    b.writeUInt32LE(S, at + 8);
    at += 12;
  }
  b.write('data', at, 'latin1');
  b.writeUInt32LE(data, at + 4);
  for (let i = 0; i < S; i++) {
    for (let c = 0; c < C; c++) {
      const p = head + (i * C + c) * width;
      const v = channels[c][i];
      if (tag === 3) b.writeFloatLE(v, p);
      else if (bits === 8) b.writeUInt8(v + 128, p);
      else b.writeIntLE(v, p, width);
    }
  }
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** Integer codes covering both extremes, ±1, 0 and a spread of values in between. */
function codes(bits: number, count: number, seed: number): number[] {
  const full = 2 ** (bits - 1);
  const out = [0, 1, -1, full - 1, -full, full / 2, -full / 2, 3, -3];
  let s = seed;
  while (out.length < count) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(Math.floor((s / 2 ** 32) * 2 * full) - full);
  }
  return out;
}

for (const bits of [8, 16, 24] as const) {
  test(`a ${bits}-bit WAV decodes to exactly k / 2^${bits - 1}, positive and negative alike`, async () => {
    const left = codes(bits, 500, 1);
    const right = codes(bits, 500, 2);
    const path = join(dir, `pcm${bits}.wav`);
    writeFileSync(path, wavBytes({ tag: 1, bits, rate: 11025, channels: [left, right] }));
    const audio = await decodeAudioFile(path);
    assert.equal(audio.sampleRate, 11025);
    assert.equal(audio.bitDepth, bits);
    assert.equal(audio.format, 'wav');
    [left, right].forEach((ks, c) => {
      const got = audio.channels[c];
      for (let i = 0; i < ks.length; i++) assert.equal(got[i], ks[i] / 2 ** (bits - 1), `channel ${c} sample ${i} (k = ${ks[i]})`);
    });
  });
}

test('a 32-bit integer WAV decodes to k / 2^31 within one float32 rounding', async () => {
  const ks = codes(32, 500, 3);
  const path = join(dir, 'pcm32.wav');
  writeFileSync(path, wavBytes({ tag: 1, bits: 32, rate: 8000, channels: [ks] }));
  const audio = await decodeAudioFile(path);
  for (let i = 0; i < ks.length; i++) {
    const exact = ks[i] / 2 ** 31;
    const ulp = Math.max(2 ** -149, 2 ** (Math.floor(Math.log2(Math.abs(exact) || 1)) - 23));
    assert.ok(Math.abs(audio.channels[0][i] - exact) <= ulp, `sample ${i}: ${audio.channels[0][i]} vs ${exact}`);
  }
});

test('a float32 WAV passes through unchanged', async () => {
  const values = [0, 0.5, -0.5, 1, -1, 0.1, -0.123456789, 1e-30, 0.99999994].map(Math.fround);
  const path = join(dir, 'float.wav');
  writeFileSync(path, wavBytes({ tag: 3, bits: 32, rate: 44100, channels: [values, values.map((v) => -v)] }));
  const audio = await decodeAudioFile(path);
  assert.equal(audio.bitDepth, undefined);
  assert.deepEqual(Array.from(audio.channels[0]), values);
  assert.deepEqual(Array.from(audio.channels[1]), values.map((v) => -v));
});

test('a float WAV whose samples start at an odd offset (fmt of 18 bytes plus a fact chunk, as sox writes) decodes', async () => {
  const values = [0.25, -0.75, 0.125, 0.5].map(Math.fround);
  const path = join(dir, 'float-fact.wav');
  writeFileSync(path, wavBytes({ tag: 3, bits: 32, rate: 22050, channels: [values], fact: true }));
  const audio = await decodeAudioFile(path);
  assert.deepEqual(Array.from(audio.channels[0]), values);
});

// ---------------------------------------------------------------------------------------------
// Errors: each a UsageError whose message is one line naming the file

async function assertUsageError(run: () => Promise<unknown>, name: string, pattern: RegExp): Promise<void> {
  await assert.rejects(run, (err: unknown) => {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    assert.ok(!/[\r\n]/.test(err.message), `message is not one line: ${JSON.stringify(err.message)}`);
    assert.ok(err.message.includes(name), `message does not name ${name}: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  });
}

/** RMS of a − b over n samples, b shifted by `lag` (a lossy decoder may add a delay). */
function rmsDifference(a: Float32Array, b: Float32Array, lag: number, from: number, n: number): number {
  let s = 0;
  for (let i = from; i < from + n; i++) s += (a[i + lag] - b[i]) ** 2;
  return Math.sqrt(s / n);
}

test('OGG/Vorbis and MP3 decode to the recording they were encoded from', async () => {
  const original = await decodeAudioFile(fixturePath('audio/chord-stereo.flac'));
  const S = 3 * 48000;
  for (const [file, format] of [['chord-3s.ogg', 'ogg-vorbis'], ['chord-3s.mp3', 'mp3']] as const) {
    const audio = await decodeAudioFile(fixturePath(`audio/${file}`));
    assert.equal(audio.format, format);
    assert.equal(audio.sampleRate, 48000);
    assert.equal(audio.channels.length, 2);
    // MP3 frames hold 1152 samples and the decoder keeps the encoder's delay and padding.
    const extra = audio.channels[0].length - S;
    assert.ok(extra >= 0 && extra <= (format === 'mp3' ? 3 * 1152 : 0), `${file}: ${audio.channels[0].length} samples`);
    for (let c = 0; c < 2; c++) {
      // The best alignment within the delay, then a lossy codec's error: under 1/50 of full scale.
      let best = Infinity;
      for (let lag = 0; lag <= extra; lag++) best = Math.min(best, rmsDifference(audio.channels[c], original.channels[c], lag, 24000, 4000));
      assert.ok(best < 0.02, `${file} channel ${c}: RMS difference ${best}`);
    }
  }
});

test('a missing file is a usage error that says so', async () => {
  const path = join(dir, 'no-such.flac');
  await assertUsageError(() => decodeAudioFile(path), path, /^no such file: .* — give the path of an audio file$/);
});

test('a directory is a usage error', async () => {
  const path = join(dir, 'a-directory.wav');
  mkdirSync(path);
  await assertUsageError(() => decodeAudioFile(path), path, /is a directory/);
});

test('an empty file is a usage error', async () => {
  const path = join(dir, 'empty.flac');
  writeFileSync(path, new Uint8Array(0));
  await assertUsageError(() => decodeAudioFile(path), path, /is empty/);
});

test('random bytes named .flac are refused, naming the supported formats', async () => {
  const path = join(dir, 'noise.flac');
  const bytes = new Uint8Array(4096);
  let s = 7;
  for (let i = 0; i < bytes.length; i++) bytes[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  bytes[0] = 0x12; // not an MPEG sync byte by chance
  writeFileSync(path, bytes);
  await assertUsageError(() => decodeAudioFile(path), path, /not a recognised audio file.*FLAC.*WAV.*OGG.*MP3/);
});

test('a truncated FLAC (its first 30%) is refused rather than used in part', async () => {
  // The FLAC decoder returns the frames that are complete; we compare them with the length in
  // STREAMINFO and refuse the file: training on a silently shortened recording is not what the
  // user asked for.
  const full = readFileSync(fixturePath('audio/speech.flac'));
  const path = join(dir, 'truncated.flac');
  writeFileSync(path, full.subarray(0, Math.floor(full.length * 0.3)));
  await assertUsageError(() => decodeAudioFile(path), path, /ends early \(decoded \d+ of the 1960206 samples.*truncated/);
});

test('a FLAC whose frames are corrupt is refused', async () => {
  const bytes = Uint8Array.from(readFileSync(fixturePath('audio/speech.flac')));
  for (let i = 0; i < 64; i++) bytes[200_000 + i * 997] ^= 0x5a;
  await assertUsageError(() => decodeAudioBytes(bytes, 'corrupt.flac'), 'corrupt.flac', /truncated or corrupt|zero samples/);
});

test('a FLAC of a bit depth the decoder gets wrong (12-bit) is refused before decoding', async () => {
  const bytes = Uint8Array.from(readFileSync(fixturePath('audio/speech.flac')));
  // STREAMINFO bits-per-sample − 1 straddles bytes 20 and 21 of the file: 16 → 12.
  const bitsMinusOne = 11;
  bytes[20] = (bytes[20] & 0xfe) | (bitsMinusOne >> 4);
  bytes[21] = (bytes[21] & 0x0f) | ((bitsMinusOne & 0x0f) << 4);
  await assertUsageError(() => decodeAudioBytes(bytes, 'twelve.flac'), 'twelve.flac', /12-bit FLAC is not supported.*16- or 24-bit/);
});

test('a truncated WAV (its data and RIFF sizes both promise more than the file holds) is refused', async () => {
  const bytes = wavBytes({ tag: 1, bits: 16, rate: 8000, channels: [codes(16, 1000, 4)] });
  await assertUsageError(
    () => decodeAudioBytes(bytes.subarray(0, 1044), 'short.wav'),
    'short.wav',
    /holds 500 of the 1000 samples per channel .*truncated.*sox IN\.wav OUT\.wav/,
  );
});

test('a WAV with no samples is refused', async () => {
  const bytes = wavBytes({ tag: 1, bits: 16, rate: 8000, channels: [[]] });
  await assertUsageError(() => decodeAudioBytes(bytes, 'nothing.wav'), 'nothing.wav', /zero samples/);
});

test('a float WAV holding NaN is refused', async () => {
  const bytes = wavBytes({ tag: 3, bits: 32, rate: 8000, channels: [[0, 0.5, NaN, 0.25]] });
  await assertUsageError(() => decodeAudioBytes(bytes, 'nan.wav'), 'nan.wav', /NaN or infinite/);
});

test('Ogg Opus is recognised and refused by name', async () => {
  const bytes = new Uint8Array(64);
  bytes.set(new TextEncoder().encode('OggS'), 0);
  bytes[26] = 1; // one segment in the first page, so the first packet starts at 28
  bytes.set(new TextEncoder().encode('OpusHead'), 28);
  await assertUsageError(() => decodeAudioBytes(bytes, 'voice.opus'), 'voice.opus', /Ogg Opus, which is not supported/);
});

test('a name with a newline in it still gives a one-line message', async () => {
  await assertUsageError(() => decodeAudioBytes(new Uint8Array(0), 'two\nlines.wav'), 'two\\nlines.wav', /is empty/);
});

test('overlapping decodes, failing or not, leave the console as it was', async () => {
  const saved = [console.log, console.warn, console.error];
  const good = wavBytes({ tag: 1, bits: 16, rate: 8000, channels: [codes(16, 4000, 5)] });
  const cut = readFileSync(fixturePath('audio/chord-stereo.flac')).subarray(0, 50_000);
  const results = await Promise.allSettled([
    decodeAudioBytes(good, 'a.wav'),
    decodeAudioBytes(cut, 'b.flac'),
    decodeAudioBytes(good, 'c.wav'),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.deepEqual([console.log, console.warn, console.error], saved);
});

test('a FLAC read in pieces of any size is cut into the same frames, each starting at a frame header', () => {
  // A frame header can straddle two pieces; the cutter must find it all the same.
  const bytes = new Uint8Array(readFileSync(fixturePath('audio/chord-stereo.flac')));
  const framesStart = 8 + 34 + 4 + ((bytes[43] << 16) | (bytes[44] << 8) | bytes[45]); // STREAMINFO, then one more block
  const cut = (size: number): Uint8Array[] => {
    const f = createFlacFrames();
    const out: Uint8Array[] = [];
    for (let at = framesStart; at < bytes.length; at += size) out.push(...f.push(bytes.subarray(at, Math.min(at + size, bytes.length))));
    out.push(...f.end());
    assert.equal(f.broken, false);
    return out;
  };
  const whole = cut(bytes.length);
  assert.ok(whole.length > 10);
  assert.equal(whole.reduce((n, p) => n + p.length, 0), bytes.length - framesStart);
  for (const size of [7, 100, 1000, 4096, 65536]) {
    const pieces = cut(size);
    assert.equal(pieces.length, whole.length, `size ${size}: frames`);
    for (const [i, p] of pieces.entries()) {
      assert.ok(p[0] === 0xff && (p[1] & 0xfe) === 0xf8, `size ${size}: frame ${i} starts mid-frame`);
      assert.deepEqual(p, whole[i], `size ${size}: frame ${i}`);
    }
  }
});

test('a recording decoded from a source read in small pieces is the one decoded whole', async () => {
  for (const file of ['chord-stereo.flac', 'chord-3s.ogg', 'chord-3s.mp3']) {
    const bytes = new Uint8Array(readFileSync(fixturePath(`audio/${file}`)));
    const whole = await decodeAudioBytes(bytes, file);
    const inner = bytesSource(bytes, file);
    // Reads of at most 5,000 bytes, whatever is asked: pieces far smaller than PIECE_BYTES.
    const small: ByteSource = { ...inner, read: (at, length) => inner.read(at, Math.min(length, 5000)) };
    assert.ok(PIECE_BYTES > 5000);
    const parts: Float32Array[][] = [];
    const info = await decodeSource(small, { start() {}, samples: (ch) => parts.push(ch) });
    assert.equal(info.samplesPerChannel, whole.channels[0].length, file);
    for (let c = 0; c < whole.channels.length; c++) {
      const joined = new Float32Array(info.samplesPerChannel);
      let at = 0;
      for (const p of parts) {
        joined.set(p[c], at);
        at += p[c].length;
      }
      assert.deepEqual(joined, whole.channels[c], `${file} channel ${c}`);
    }
  }
});
