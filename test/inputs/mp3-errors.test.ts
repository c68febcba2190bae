/**
 * Damaged MP3s through the CLI. mpg123-decoder prints "mpg123-decoder: -1 MPG123_ERR" on the
 * console for every stretch of data it cannot decode; src/audio/codecs.ts mutes that, so a
 * damaged MP3 gives either features or our own one-line error naming the file, and nothing of
 * the library's on stderr.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MPEGDecoder } from 'mpg123-decoder';
import { createPieceDecoder } from '../../src/audio/codecs.js';
import { assertCleanError, runCli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-mp3-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ORIGINAL = new Uint8Array(readFileSync(fixturePath('audio/chord-3s.mp3'))); // 72,942 bytes
const FRAMES_START = 238; // after the ID3v2 tag (10-byte header + 228 bytes); the first frame header is 4 bytes

/** The original with bytes [from, to) replaced by a seeded pattern. */
function garbled(from: number, to: number): Uint8Array {
  const b = ORIGINAL.slice();
  for (let i = from; i < to; i++) b[i] = Math.imul(i, 7919) & 0xff;
  return b;
}

/** `head`, then `zeros` zero bytes. */
function thenZeros(head: Uint8Array, zeros: number): Uint8Array {
  const b = new Uint8Array(head.length + zeros);
  b.set(head);
  return b;
}

const DAMAGED: Record<string, Uint8Array> = {
  'garbled-middle.mp3': garbled(30_000, 34_000), // a few frames lost, the rest decodes
  'header-then-zeros.mp3': thenZeros(ORIGINAL.subarray(0, FRAMES_START + 4), 20_000), // one (silent) frame decodes
  'zeroed.mp3': thenZeros(ORIGINAL.subarray(0, FRAMES_START), 20_000), // the ID3 tag, then no frames: nothing decodes
  'truncated.mp3': ORIGINAL.slice(0, 40_001), // cut inside a frame
  'zero-padded.mp3': thenZeros(ORIGINAL, 5000), // every frame decodes
};

/** How many lines mpg123-decoder prints itself while decoding `bytes` (what the CLI must not show). */
async function libraryLines(bytes: Uint8Array): Promise<number> {
  const dec = new MPEGDecoder();
  await dec.ready;
  const { error } = console;
  let lines = 0;
  console.error = () => void lines++;
  try {
    dec.decode(bytes);
  } finally {
    console.error = error;
    dec.free();
  }
  return lines;
}

test('the damage is of the kind mpg123-decoder prints about (so the test below tests something)', async () => {
  for (const name of ['garbled-middle.mp3', 'header-then-zeros.mp3', 'zero-padded.mp3']) {
    assert.ok((await libraryLines(DAMAGED[name])) > 0, `${name}: mpg123-decoder printed nothing`);
  }
});

test('the MP3 decoder prints nothing itself and reports damage in our words, not mpg123\'s', async () => {
  const dec = await createPieceDecoder('mp3');
  const { error, warn, log } = console;
  const printed: unknown[] = [];
  console.error = console.warn = console.log = (...args: unknown[]) => void printed.push(args);
  let piece;
  try {
    piece = await dec.push(DAMAGED['header-then-zeros.mp3'].subarray(FRAMES_START));
  } finally {
    Object.assign(console, { error, warn, log });
    dec.free();
  }
  assert.deepEqual(printed, []);
  assert.equal(piece.channels[0].length, 1152); // the one frame
  assert.equal(piece.error, 'undecodable MPEG data after sample 1152');
  assert.ok(console.error === error && console.log === log, 'the console is put back');
});

test('a damaged MP3 gives features or one line naming the file, and nothing from mpg123 on stderr', () => {
  const outcomes: string[] = [];
  for (const [name, bytes] of Object.entries(DAMAGED)) {
    const path = join(dir, name);
    const out = join(dir, `${name}.npy`);
    writeFileSync(path, bytes);
    const r = runCli(['features', path, '-o', out]);
    assert.doesNotMatch(r.stderr, /mpg123/i, `${name}: stderr: ${r.stderr}`);
    if (r.code === 0) {
      assert.equal(r.stderr, '', `${name}: stderr on success: ${r.stderr}`);
      assert.match(r.stdout, /^Wrote .*float32 \(\d+, 12\)/, name);
      outcomes.push(`${name}: features`);
    } else {
      assertCleanError(r, new RegExp(name.replace(/[.]/g, '\\.')));
      outcomes.push(`${name}: ${r.stderr.trim()}`);
    }
  }
  // Both outcomes occur: a file that decodes to nothing is refused, the others give features.
  assert.match(outcomes.join('\n'), /zeroed\.mp3: audiopred: .*zeroed\.mp3.*zero samples/, outcomes.join('\n'));
  assert.match(outcomes.join('\n'), /zero-padded\.mp3: features/, outcomes.join('\n'));
});
