/**
 * Bad and extreme input files (issue 6): each one either gives a correct result or fails with a
 * one-line UsageError that names the file and says what to do, exit code 2 from the CLI, no stack
 * trace, no hang. The CLI tests in test/cli/cli.test.ts cover a missing file, a directory, text,
 * and audio too short for a segment; test/audio/decode.test.ts the decoder's own cases.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAudioBytes } from '../../src/audio/decode.js';
import { loadFeatures } from '../../src/audio/features.js';
import { UsageError } from '../../src/errors.js';
import { decodeNpy } from '../../src/formats/npy.js';
import { assertCleanError, runCli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-bad-audio-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const EXTENSIONS = ['flac', 'wav', 'mp3', 'ogg'];

/** Rejects with a UsageError whose message is one line, names `name` and matches `pattern`. */
async function assertUsageError(run: () => Promise<unknown>, name: string, pattern: RegExp): Promise<void> {
  await assert.rejects(run, (err: unknown) => {
    assert.ok(err instanceof UsageError, `${name}: expected a UsageError, got ${err instanceof Error ? err.stack : String(err)}`);
    assert.ok(!/[\r\n]/.test(err.message), `message is not one line: ${JSON.stringify(err.message)}`);
    assert.ok(err.message.includes(name), `message does not name ${name}: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  });
}

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

// ---------------------------------------------------------------------------------------------
// Empty files and random bytes, under every audio extension, through the CLI

test('an empty file is a one-line error under every audio extension', () => {
  for (const ext of EXTENSIONS) {
    const path = write(`empty.${ext}`, new Uint8Array(0));
    assertCleanError(runCli(['train', path]), new RegExp(`empty\\.${ext} is empty \\(0 bytes\\) — give the path of an audio file`));
  }
});

/** Seeded bytes whose first byte is not an MPEG sync (0xFF), so nothing can take them for MP3. */
function randomBytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) b[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  if (b[0] === 0xff) b[0] = 0x12;
  return b;
}

test('random bytes are a one-line error under every audio extension, naming the formats we read', () => {
  for (const ext of EXTENSIONS) {
    const path = write(`noise.${ext}`, randomBytes(5000, ext.length));
    assertCleanError(runCli(['train', path]), new RegExp(`noise\\.${ext} is not a recognised audio file .*FLAC.*WAV.*OGG.*MP3`));
  }
});

test('random bytes behind each format\'s magic number are a UsageError naming the file (MP3: or garbage audio)', async () => {
  const magic: Record<string, number[]> = {
    'riff.wav': [...Buffer.from('RIFF'), 0, 0, 1, 0, ...Buffer.from('WAVE')],
    'flac.flac': [...Buffer.from('fLaC')],
    'ogg.ogg': [...Buffer.from('OggS')],
    'id3.mp3': [...Buffer.from('ID3'), 3, 0, 0, 0, 0, 2, 0],
    'sync.mp3': [0xff, 0xfb, 0x90, 0x64],
  };
  for (const [name, head] of Object.entries(magic)) {
    for (const seed of [1, 2, 3]) {
      const bytes = randomBytes(20_000, seed);
      bytes.set(head);
      if (name.endsWith('.mp3')) {
        // The MP3 decoder hunts for frame syncs and decodes whatever it finds, as decoders of a
        // stream format do: random bytes give a little noise. That is finite audio, not a crash.
        const audio = await decodeAudioBytes(bytes, name).catch((err: unknown) => {
          assert.ok(err instanceof UsageError && err.message.includes(name), String(err));
          return undefined;
        });
        for (const ch of audio?.channels ?? []) assert.ok(ch.every(Number.isFinite), name);
      } else {
        await assertUsageError(() => decodeAudioBytes(bytes, name), name, /corrupt/);
      }
    }
  }
});

test('a file of a few bytes says it is too short to be audio', async () => {
  for (const bytes of [[0x66], [0x66, 0x4c, 0x61], [0x52, 0x49, 0x46, 0x46, 0, 0]]) {
    await assertUsageError(() => decodeAudioBytes(Uint8Array.from(bytes), 'tiny.flac'), 'tiny.flac', /only \d+ bytes? long, too short to be an audio file/);
  }
});

// ---------------------------------------------------------------------------------------------
// Truncated FLAC: every cut in the header, a spread of cuts in the frames

test('a FLAC cut anywhere is refused with a message that says where it broke', async () => {
  const full = new Uint8Array(readFileSync(fixturePath('audio/chord-stereo.flac')));
  // 'fLaC', then STREAMINFO (4-byte block header + 34 bytes), then more metadata, then frames.
  let framesStart = 4;
  for (let last = 0; !last; ) {
    last = full[framesStart] & 0x80;
    framesStart += 4 + ((full[framesStart + 1] << 16) | (full[framesStart + 2] << 8) | full[framesStart + 3]);
  }
  const cuts = [
    ...Array.from({ length: 42 }, (_, i) => i + 1), // in 'fLaC', the block header and STREAMINFO
    42, 43, framesStart - 1, framesStart, framesStart + 1, framesStart + 16, // other metadata; the first frame's header
    5000, Math.floor(full.length / 3), Math.floor(full.length / 2), full.length - 100, full.length - 1,
  ];
  for (const cut of cuts) {
    const name = `cut-${cut}.flac`;
    const expected =
      cut < 4 ? /too short to be an audio file/ : // 'f', 'fL', 'fLa': not yet a FLAC signature
      cut < 42 ? /the FLAC header \(STREAMINFO\) is missing or cut short/ :
      /the FLAC data ends early \(decoded \d+ of the 576000 samples per channel its header declares\).*use a complete copy/;
    await assertUsageError(() => decodeAudioBytes(full.slice(0, cut), name), name, expected);
  }
});

test('a truncated FLAC through the CLI is a one-line error with exit code 2', () => {
  const full = readFileSync(fixturePath('audio/chord-stereo.flac'));
  const path = write('half.flac', full.subarray(0, full.length >> 1));
  assertCleanError(runCli(['train', path]), /half\.flac: the FLAC data ends early \(decoded \d+ of the 576000/);
});

// ---------------------------------------------------------------------------------------------
// WAV headers that lie

interface WavFields {
  tag?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  blockAlign?: number;
  riffSize?: number;
  dataSize?: number;
  fmtSize?: number; // only the field: the chunk stays 16 bytes long
}

/** A 16-bit mono 16 kHz WAV of 1 s (a chirp), with any header field replaced by a lie. */
function lyingWav(lie: WavFields = {}, samples = 16000): Uint8Array {
  const data = samples * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(lie.riffSize ?? 36 + data, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(lie.fmtSize ?? 16, 16);
  b.writeUInt16LE(lie.tag ?? 1, 20);
  b.writeUInt16LE(lie.channels ?? 1, 22);
  b.writeUInt32LE(lie.rate ?? 16000, 24);
  b.writeUInt32LE(32000, 28);
  b.writeUInt16LE(lie.blockAlign ?? 2, 32);
  b.writeUInt16LE(lie.bits ?? 16, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(lie.dataSize ?? data, 40);
  for (let i = 0; i < samples; i++) {
    const t = i / 16000;
    b.writeInt16LE(Math.round(12000 * Math.sin(2 * Math.PI * (300 + 900 * t) * t)), 44 + 2 * i);
  }
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

test('benign WAV lies decode what the file holds, as torchaudio, sox and libsndfile do', async () => {
  const honest = await decodeAudioBytes(lyingWav(), 'honest.wav');
  const cases: [string, WavFields, number][] = [
    // [what, lie, samples expected]
    ['data size past the end, RIFF size right (a writer bug)', { dataSize: 64000 }, 16000],
    ['data size 0 (a streaming placeholder)', { dataSize: 0 }, 16000],
    ['data size 0xFFFFFFFF (a streaming placeholder)', { dataSize: 0xffffffff }, 16000],
    ['data size odd, one byte past the samples', { dataSize: 32001 }, 16000],
    ['data size smaller than the samples: only the declared part, as every reader does', { dataSize: 16000 }, 8000],
    ['RIFF size 0', { riffSize: 0 }, 16000],
    ['RIFF size too small', { riffSize: 100 }, 16000],
    ['RIFF size too large', { riffSize: 1e9 }, 16000],
  ];
  for (const [what, lie, samples] of cases) {
    const audio = await decodeAudioBytes(lyingWav(lie), 'lying.wav');
    assert.equal(audio.channels[0].length, samples, what);
    assert.deepEqual(audio.channels[0], honest.channels[0].subarray(0, samples), what);
  }
});

test('a WAV whose header says 8 channels (block size to match) decodes as 8 channels', async () => {
  const audio = await decodeAudioBytes(lyingWav({ channels: 8, blockAlign: 16 }), 'eight.wav');
  assert.equal(audio.channels.length, 8);
  assert.equal(audio.channels[0].length, 2000);
});

test('impossible WAV headers are refused, each saying what is wrong', async () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated: data and RIFF sizes both past the end', lyingWav({ dataSize: 64000, riffSize: 36 + 64000 }),
      /the WAV data ends early \(the file holds 16000 of the 32000 samples per channel its header declares\) — the file is truncated; use a complete copy, or keep the part that is there by rewriting it with sox IN\.wav OUT\.wav/],
    ['truncated in the samples', lyingWav().subarray(0, 20001), /the file holds 9978 of the 16000 samples/],
    ['only the header', lyingWav().subarray(0, 44), /the file holds 0 of the 16000 samples/],
    ['cut inside fmt', lyingWav().subarray(0, 20), /the WAV header has no fmt chunk/],
    ['cut before data', lyingWav().subarray(0, 40), /the WAV header has no data chunk/],
    ['8 channels in 2-byte frames', lyingWav({ channels: 8 }), /contradicts itself: a frame of 8 × 16-bit samples is 16 bytes, but its block size says 2/],
    ['0 channels', lyingWav({ channels: 0 }), /gives 0 channels — the file is corrupt/],
    ['0 Hz', lyingWav({ rate: 0 }), /sample rate 0 Hz, which no audio has/],
    ['1 Hz', lyingWav({ rate: 1 }), /sample rate 1 Hz, which no audio has/],
    ['4 GHz', lyingWav({ rate: 0xffffffff }), /sample rate 4294967295 Hz, which no audio has/],
    ['12-bit', lyingWav({ bits: 12 }), /12-bit integer WAV is not supported \(nor by torchaudio or sox\) — convert it .*sndfile-convert/],
    ['0-bit', lyingWav({ bits: 0 }), /gives 0 bits per sample — the file is corrupt/],
    ['float, 16-bit', lyingWav({ tag: 3 }), /16-bit float WAV is not supported/],
    ['float, 32-bit, in 16-bit frames', lyingWav({ tag: 3, bits: 32 }), /contradicts itself: a frame of 1 × 32-bit samples is 4 bytes, but its block size says 2/],
    ['A-law, 16-bit', lyingWav({ tag: 6 }), /16-bit A-law \(it is 8-bit\)/],
    ['EXTENSIBLE in a 16-byte fmt', lyingWav({ tag: 0xfffe }), /EXTENSIBLE fmt chunk of 16 bytes; it needs 40/],
    // The decoder would read samples-per-block from the next chunk's bytes ('at' of 'data':
    // 24,948) and allocate that many samples per 256-byte block: a short fmt is refused first.
    ['IMA ADPCM in a 16-byte fmt', lyingWav({ tag: 0x11, bits: 4, blockAlign: 256 }), /IMA ADPCM WAV header is corrupt \(a fmt chunk of 16 bytes; it needs at least 20\)/],
    ['MS ADPCM in a 16-byte fmt', lyingWav({ tag: 2, bits: 4, blockAlign: 1 }), /MS ADPCM WAV header is corrupt/],
    ['a fmt size that skips the data chunk', lyingWav({ fmtSize: 1000 }), /the WAV header has no data chunk/],
    ['an unknown encoding', lyingWav({ tag: 0x55 }), /WAV encoding 0x55 is not supported/],
  ];
  for (const [what, bytes, pattern] of cases) {
    await assertUsageError(() => decodeAudioBytes(bytes, `${what}.wav`), `${what}.wav`, pattern);
  }
});

test('an IMA ADPCM header whose samples per block exceed what a block holds is refused before decoding', async () => {
  // 20-byte fmt: cbSize 2, then samples per block 65,535 for 256-byte blocks (at most 505 fit).
  const b = Buffer.from(lyingWav({ tag: 0x11, bits: 4, blockAlign: 256 }));
  const wav = Buffer.concat([b.subarray(0, 16), Buffer.from([20, 0, 0, 0]), b.subarray(20, 36), Buffer.from([2, 0, 0xff, 0xff]), b.subarray(36)]);
  wav.writeUInt32LE(wav.length - 8, 4);
  await assertUsageError(() => decodeAudioBytes(wav, 'ima.wav'), 'ima.wav', /IMA ADPCM WAV header is inconsistent \(1 channels, 256-byte blocks, 65535 samples per block\)/);
});

test('a float WAV with samples near float32\'s limit gives finite features (torchaudio gives NaN there)', async () => {
  const x = new Float32Array(16000).map((_, i) => 3e38 * Math.sin(i * 0.1));
  const b = Buffer.from(lyingWav({ tag: 3, bits: 32, blockAlign: 4 }, 32000));
  Buffer.from(x.buffer).copy(b, 44);
  const path = write('loud.wav', b);
  const features = await loadFeatures(path, 'frame');
  assert.ok(features.data.every(Number.isFinite));
});

test('lying WAVs through the CLI: a benign lie gives features, an impossible one a one-line error', () => {
  const benign = write('benign.wav', lyingWav({ dataSize: 64000 }));
  const out = join(dir, 'benign.npy');
  const r = runCli(['features', benign, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(decodeNpy(new Uint8Array(readFileSync(out))).shape, [101, 12]);
  assertCleanError(runCli(['train', write('rate.wav', lyingWav({ rate: 1 }))]), /rate\.wav: the WAV header gives sample rate 1 Hz/);
  assertCleanError(runCli(['train', write('cut.wav', lyingWav({ dataSize: 64000, riffSize: 64036 }))]), /cut\.wav: the WAV data ends early/);
});
