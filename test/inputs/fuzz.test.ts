/**
 * Fuzzing the decode → MFCC → standardise path with corrupted recordings.
 *
 * Each run makes ~100 variants of the test recordings (two FLAC, OGG/Vorbis, MP3 and two
 * generated WAVs) with a seeded PRNG: bit flips, byte runs overwritten, truncations, duplicated
 * stretches, header fields set to random or boundary values, and pairs of these. Every variant
 * must either give finite features in every normalisation or fail with a UsageError whose
 * message is one line naming the file; never another exception, never a hang (each case runs in
 * a worker that is terminated past CASE_LIMIT_MS), never NaN. A handful go through the CLI too.
 *
 * The seed is fixed so a failure reproduces; AUDIOPRED_FUZZ_SEED and AUDIOPRED_FUZZ_CASES
 * explore further (e.g. AUDIOPRED_FUZZ_SEED=7 AUDIOPRED_FUZZ_CASES=2000).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Xoshiro128, type Rng } from '../../src/data/rng.js';
import { encodeWav16 } from '../../src/formats/wav.js';
import { assertCleanError, runCli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';
import { testSignal } from '../helpers/wav.js';
import type { FuzzCase, FuzzOutcome } from './fuzz-worker.js';

const SEED = Number(process.env.AUDIOPRED_FUZZ_SEED ?? 20261129);
const CASES = Number(process.env.AUDIOPRED_FUZZ_CASES ?? 100);
const CASE_LIMIT_MS = 10_000; // a case takes ~1–200 ms; past this it counts as a hang

const dir = mkdtempSync(join(tmpdir(), 'audiopred-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Kind = 'flac' | 'wav' | 'ogg' | 'mp3';
interface Base {
  name: string;
  kind: Kind;
  bytes: Uint8Array;
}

const bases: Base[] = ([
  { name: 'speech.flac', kind: 'flac', bytes: readFileSync(fixturePath('audio/speech.flac')) },
  { name: 'chord-stereo.flac', kind: 'flac', bytes: readFileSync(fixturePath('audio/chord-stereo.flac')) },
  { name: 'chord-3s.ogg', kind: 'ogg', bytes: readFileSync(fixturePath('audio/chord-3s.ogg')) },
  { name: 'chord-3s.mp3', kind: 'mp3', bytes: readFileSync(fixturePath('audio/chord-3s.mp3')) },
  { name: 'stereo.wav', kind: 'wav', bytes: encodeWav16([testSignal(2, 16000), testSignal(2, 16000).map((v) => -0.5 * v)], 16000) },
  { name: 'mono-8k.wav', kind: 'wav', bytes: encodeWav16([testSignal(3, 8000)], 8000) },
] as Base[]).map((b) => ({ ...b, bytes: new Uint8Array(b.bytes) }));

// ---------------------------------------------------------------------------------------------
// Mutations: each returns the corrupted bytes and says what it did

interface Variant {
  bytes: Uint8Array;
  what: string;
}

/** An offset, half the time in the first 512 bytes (headers), otherwise anywhere. */
function offset(rng: Rng, length: number): number {
  return rng.nextInt(rng.nextFloat() < 0.5 ? Math.min(512, length) : length);
}

function flipBits(b: Uint8Array, rng: Rng): Variant {
  const out = b.slice();
  const at: number[] = [];
  for (let n = 1 + rng.nextInt(16); n > 0; n--) {
    const i = offset(rng, out.length);
    out[i] ^= 1 << rng.nextInt(8);
    at.push(i);
  }
  return { bytes: out, what: `bits flipped at ${at.join(', ')}` };
}

function overwriteRun(b: Uint8Array, rng: Rng): Variant {
  const out = b.slice();
  const at = offset(rng, out.length);
  const n = Math.min(out.length - at, 1 + rng.nextInt(256));
  const fill = rng.nextInt(3); // 0: zeros, 1: 0xFF, 2: random
  for (let i = at; i < at + n; i++) out[i] = fill === 0 ? 0 : fill === 1 ? 0xff : rng.nextInt(256);
  return { bytes: out, what: `${n} bytes at ${at} overwritten with ${['zeros', '0xFF', 'random bytes'][fill]}` };
}

function truncate(b: Uint8Array, rng: Rng): Variant {
  const n = rng.nextFloat() < 0.5 ? rng.nextInt(Math.min(4096, b.length)) : rng.nextInt(b.length);
  return { bytes: b.slice(0, n), what: `cut to ${n} bytes` };
}

function duplicate(b: Uint8Array, rng: Rng): Variant {
  const from = offset(rng, b.length);
  const n = Math.min(b.length - from, 1 + rng.nextInt(8192));
  const to = offset(rng, b.length);
  const out = new Uint8Array(b.length + n);
  out.set(b.subarray(0, to));
  out.set(b.subarray(from, from + n), to);
  out.set(b.subarray(to), to + n);
  return { bytes: out, what: `${n} bytes from ${from} repeated at ${to}` };
}

/** Header fields worth lying in: [offset, width in bytes, name]. */
const HEADER_FIELDS: Record<Kind, [number, number, string][]> = {
  wav: [
    [4, 4, 'RIFF size'], [16, 4, 'fmt size'], [20, 2, 'format tag'], [22, 2, 'channels'], [24, 4, 'sample rate'],
    [28, 4, 'byte rate'], [32, 2, 'block align'], [34, 2, 'bits per sample'], [40, 4, 'data size'],
  ],
  // STREAMINFO starts at byte 8: block sizes, frame sizes, then rate/channels/bits/total, MD5.
  flac: [
    [4, 1, 'block type'], [5, 3, 'block length'], [8, 2, 'min block size'], [10, 2, 'max block size'],
    [12, 3, 'min frame size'], [15, 3, 'max frame size'], [18, 3, 'rate/channels/bits'], [20, 2, 'bits/total'], [22, 4, 'total samples'],
  ],
  ogg: [[5, 1, 'page flags'], [6, 8, 'granule'], [14, 4, 'serial'], [18, 4, 'page number'], [22, 4, 'CRC'], [26, 1, 'segments'], [27, 1, 'segment size'], [28, 8, 'vorbis id'], [39, 4, 'vorbis rate'], [35, 1, 'vorbis channels']],
  mp3: [[0, 1, 'sync'], [1, 1, 'version/layer'], [2, 1, 'bitrate/rate'], [3, 1, 'mode'], [6, 4, 'ID3 size']],
};

function randomiseField(b: Uint8Array, rng: Rng, kind: Kind): Variant {
  const out = b.slice();
  const fields = HEADER_FIELDS[kind];
  const [at, width, field] = fields[rng.nextInt(fields.length)];
  const max = 2 ** (8 * width) - 1;
  const choices = [0, 1, 2, 7, 8, 12, 255, max, Math.floor(max / 2), rng.nextFloat() * max];
  const value = Math.floor(choices[rng.nextInt(choices.length)]);
  // Little-endian for WAV, big-endian for the others.
  for (let k = 0; k < width; k++) {
    const byte = Math.floor(value / 2 ** (8 * k)) & 0xff;
    out[kind === 'wav' ? at + k : at + width - 1 - k] = byte;
  }
  return { bytes: out, what: `${field} set to ${value}` };
}

function mutate(base: Base, rng: Rng): Variant {
  const one = (b: Uint8Array): Variant => {
    switch (rng.nextInt(6)) {
      case 0: return flipBits(b, rng);
      case 1: return overwriteRun(b, rng);
      case 2: return truncate(b, rng);
      case 3: return duplicate(b, rng);
      default: return randomiseField(b, rng, base.kind); // header lies twice as often
    }
  };
  const first = one(base.bytes);
  if (rng.nextFloat() >= 0.25) return first;
  const second = one(first.bytes);
  return { bytes: second.bytes, what: `${first.what}; then ${second.what}` };
}

// ---------------------------------------------------------------------------------------------
// Running the cases in a worker, each with a time limit

interface Case extends FuzzCase {
  what: string;
}

function makeCases(): Case[] {
  const rng = Xoshiro128.fromSeed(SEED, 'fuzz');
  return Array.from({ length: CASES }, (_, id) => {
    const base = bases[id % bases.length];
    const { bytes, what } = mutate(base, rng);
    return { id, name: `fuzz-${SEED}-${id}-${base.name}`, bytes, what };
  });
}

/** Runs the cases one by one in a worker; a case past the limit ends the worker and counts as a hang. */
async function runAll(cases: Case[]): Promise<(FuzzOutcome | { id: number; kind: 'hang'; ms: number })[]> {
  const results: (FuzzOutcome | { id: number; kind: 'hang'; ms: number })[] = [];
  let worker: Worker | undefined;
  try {
    for (const c of cases) {
      worker ??= new Worker(new URL('./fuzz-worker.js', import.meta.url));
      const w = worker;
      const outcome = await new Promise<FuzzOutcome | undefined>((resolve, reject) => {
        const timer = setTimeout(() => resolve(undefined), CASE_LIMIT_MS);
        const done = () => {
          clearTimeout(timer);
          w.off('message', onMessage);
          w.off('error', onError);
        };
        const onMessage = (o: FuzzOutcome) => {
          done();
          resolve(o);
        };
        const onError = (err: Error) => {
          done();
          reject(err);
        };
        w.on('message', onMessage);
        w.on('error', onError);
        w.postMessage({ id: c.id, name: c.name, bytes: c.bytes });
      });
      if (outcome === undefined) {
        await w.terminate();
        worker = undefined;
        results.push({ id: c.id, kind: 'hang', ms: CASE_LIMIT_MS });
      } else {
        results.push(outcome);
      }
    }
  } finally {
    await worker?.terminate();
  }
  return results;
}

const cases = makeCases();

test(`${CASES} corrupted recordings (seed ${SEED}) give finite features or a one-line UsageError naming the file`, async (t) => {
  const start = performance.now();
  const outcomes = await runAll(cases);
  const seconds = (performance.now() - start) / 1000;

  const problems: string[] = [];
  const counts = { features: 0, usage: 0, crash: 0, hang: 0 };
  const messages = new Map<string, number>(); // message kinds, the file name and numbers taken out
  let slowest = { ms: 0, id: -1 };
  for (const o of outcomes) {
    const c = cases[o.id];
    counts[o.kind]++;
    if (o.ms > slowest.ms) slowest = { ms: o.ms, id: o.id };
    const where = `case ${o.id} (${c.name}: ${c.what})`;
    if (o.kind === 'hang') problems.push(`${where}: still running after ${CASE_LIMIT_MS} ms`);
    if (o.kind === 'crash') problems.push(`${where}: threw ${o.error}`);
    if (o.kind === 'features' && o.nonFinite > 0) problems.push(`${where}: ${o.nonFinite} non-finite feature values`);
    if (o.kind === 'usage') {
      if (/[\r\n]/.test(o.message)) problems.push(`${where}: message is not one line: ${JSON.stringify(o.message)}`);
      if (!o.message.includes(c.name)) problems.push(`${where}: message does not name the file: ${o.message}`);
      const kind = o.message.replaceAll(c.name, 'FILE').replace(/\d+/g, 'N').slice(0, 90);
      messages.set(kind, (messages.get(kind) ?? 0) + 1);
    }
  }
  t.diagnostic(
    `${outcomes.length} cases in ${seconds.toFixed(1)} s: ${counts.features} gave features, ${counts.usage} usage errors, ` +
      `${counts.crash} crashes, ${counts.hang} hangs; slowest ${slowest.ms} ms (case ${slowest.id})`,
  );
  for (const [kind, n] of [...messages].sort((a, b) => b[1] - a[1])) t.diagnostic(`${String(n).padStart(4)} × ${kind}`);
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('a handful of corrupted recordings through the CLI: a written .npy or a one-line error naming the file', () => {
  // The first case of each base recording (cases take the bases in turn).
  for (const c of cases.slice(0, bases.length)) {
    const path = join(dir, c.name);
    const out = join(dir, `${c.name}.npy`);
    writeFileSync(path, c.bytes);
    const r = runCli(['features', path, '-o', out]);
    if (r.code === 0) {
      assert.match(r.stdout, /^Wrote .*float32 \(\d+, 12\)/, `${c.name} (${c.what})`);
      assert.ok(readFileSync(out).length > 128, `${c.name}: .npy written`);
    } else {
      assertCleanError(r, new RegExp(c.name.replace(/[.]/g, '\\.')));
    }
  }
});
