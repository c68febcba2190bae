// Feature-extraction benchmark: decode + MFCC of one recording, ours against torchaudio's, in
// the same run. There is no speed target for decoding (issue 10: the FLAC, Vorbis and MP3
// decoders are the packages' wasm builds of libFLAC, libvorbis and mpg123); this table is how we
// see what it costs.
//
//   npm run build && node dist/bench/features.js [AUDIO] [--repeats N] [--no-torch] [--no-reference]
//
// Without AUDIO it writes a 60 s stereo 44.1 kHz 16-bit WAV (plucked chords over quiet noise:
// about 7 bits per sample of FLAC residual, like music) into a temporary directory and, when
// `flac` or `sox` is on PATH, a FLAC of it, and benchmarks both.
//
// Rows, per file:
//   audiopred               loadFeatures' path: the file read in pieces, each decoded (our WAV
//                           reader; @wasm-audio-decoders/flac for FLAC) and fed to the streaming
//                           MFCC (wasm SIMD kernels), in this process, after one warm-up; decode
//                           and MFCC are interleaved, so only the total is timed
//   audiopred, whole arrays decodeAudioFile, then mfcc() over the decoded arrays: the same
//                           arithmetic, timed in two parts
//   audiopred, plain MFCC   the same with the plain TypeScript MFCC (the reference)
//   audiopred first call    one streamed decode + MFCC in a fresh Node process: what a CLI user
//                           pays, wasm compilation included (Node's start-up and module loading
//                           are in the note)
//   torchaudio, 1/2 threads bench/torch_features.py: torchaudio.load + MFCC + channel mean,
//                           after a warm-up (it reports load and MFCC together); skipped with a
//                           note where python3 cannot import torch and torchaudio
// Times are best and median of the repeats; "÷ audiopred" is the row's total over the
// audiopred row's (best over best, median over median): for torchaudio, how many times faster
// ours is.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { decodeAudioFile } from '../src/audio/decode.js';
import { loadFeatures } from '../src/audio/features.js';
import { encodeWav16 } from '../src/formats/wav.js';
import { mfcc, mfccBackend, plainMfcc } from '../src/audio/mfcc.js';

/** Best and median over the repeats, in seconds. */
export interface Timing {
  best: number;
  median: number;
}

export interface FeatureBenchRow {
  file: string; // base name of the recording
  implementation: string;
  threads: number;
  decode?: Timing; // absent where the implementation reports only the total
  mfcc?: Timing;
  total: Timing;
  note?: string;
}

export interface FeatureBenchOptions {
  /** Timed runs after the warm-up (at least 5). */
  repeats?: number;
  /** Run torchaudio's side (skipped with a note when torch cannot be imported). */
  torch?: boolean;
  /** Also time the whole-array paths (decodeAudioFile + mfcc(), and + the plain TypeScript MFCC). */
  reference?: boolean;
}

const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = fileURLToPath(new URL('../../bench/torch_features.py', import.meta.url));

/**
 * Benchmarks one recording, or without `path` a generated 60 s stereo 44.1 kHz WAV (and its
 * FLAC when an encoder is on PATH). Returns the rows of the table that `formatTable` prints.
 */
export async function benchFeatures(path?: string, options: FeatureBenchOptions = {}): Promise<FeatureBenchRow[]> {
  const repeats = Math.max(5, options.repeats ?? 7);
  let files: string[];
  let cleanup = () => {};
  if (path !== undefined) {
    files = [path];
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'audiopred-bench-features-'));
    cleanup = () => rmSync(dir, { recursive: true, force: true });
    files = makeInputs(dir);
  }
  try {
    const rows: FeatureBenchRow[] = [];
    for (const file of files) {
      rows.push(await benchStream(file, repeats));
      if (options.reference ?? true) {
        rows.push(await benchOurs(file, repeats, 'audiopred, whole arrays', mfcc));
        rows.push(await benchOurs(file, repeats, 'audiopred, plain MFCC', plainMfcc));
      }
      rows.push(firstCall(file));
      if (options.torch ?? true) rows.push(...benchTorch(file, repeats));
    }
    return rows;
  } finally {
    cleanup();
  }
}

/** loadFeatures up to the MFCC: decode and MFCC interleaved, piece by piece. */
async function benchStream(file: string, repeats: number): Promise<FeatureBenchRow> {
  const totals: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const t0 = performance.now();
    await loadFeatures(file, 'none', 'mfcc');
    if (r > 0) totals.push((performance.now() - t0) / 1000); // r = 0: warm-up
  }
  const row: FeatureBenchRow = { file: basename(file), implementation: 'audiopred', threads: 1, total: summarize(totals) };
  const b = mfccBackend();
  if (b.backend !== 'wasm') row.note = `MFCC on the plain path: ${b.reason}`;
  return row;
}

async function benchOurs(
  file: string,
  repeats: number,
  implementation: string,
  features: typeof mfcc,
): Promise<FeatureBenchRow> {
  const decodeTimes: number[] = [];
  const mfccTimes: number[] = [];
  const totals: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const t0 = performance.now();
    const audio = await decodeAudioFile(file);
    const t1 = performance.now();
    features(audio.channels, audio.sampleRate, {}, file);
    const t2 = performance.now();
    if (r === 0) continue; // warm-up
    decodeTimes.push((t1 - t0) / 1000);
    mfccTimes.push((t2 - t1) / 1000);
    totals.push((t2 - t0) / 1000);
  }
  const row: FeatureBenchRow = {
    file: basename(file),
    implementation,
    threads: 1,
    decode: summarize(decodeTimes),
    mfcc: summarize(mfccTimes),
    total: summarize(totals),
  };
  return row;
}

/** One decode + MFCC in a fresh process (this file, run with --first-call). */
function firstCall(file: string): FeatureBenchRow {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [self, '--first-call', file], { encoding: 'utf8' });
  const row: FeatureBenchRow = { file: basename(file), implementation: 'audiopred first call', threads: 1, total: { best: NaN, median: NaN } };
  if (child.status !== 0) {
    row.note = `failed: ${(child.stderr || child.stdout).trim().split('\n').pop() ?? ''}`;
    return row;
  }
  const r = JSON.parse(child.stdout.trim().split('\n').pop() as string) as { startup: number; total: number };
  row.total = { best: r.total, median: r.total };
  row.note = `plus ${(1000 * r.startup).toFixed(0)} ms starting Node and loading the modules`;
  return row;
}

/** The child side of firstCall: one streamed decode + MFCC, and how long the process took to get there. */
async function firstCallChild(file: string): Promise<void> {
  const startup = performance.now(); // since the process started: Node itself and this file's imports
  const t0 = performance.now();
  await loadFeatures(file, 'none', 'mfcc');
  console.log(JSON.stringify({ startup: startup / 1000, total: (performance.now() - t0) / 1000 }));
}

function benchTorch(file: string, repeats: number): FeatureBenchRow[] {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, torchaudio'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    return [{
      file: basename(file),
      implementation: 'torchaudio',
      threads: 0,
      total: { best: NaN, median: NaN },
      note: `skipped: ${PYTHON} -c "import torch, torchaudio" failed`,
    }];
  }
  const rows: FeatureBenchRow[] = [];
  for (const threads of [1, 2]) {
    const run = spawnSync(PYTHON, [TORCH_SCRIPT, file, String(threads), String(repeats)], { encoding: 'utf8' });
    const row: FeatureBenchRow = { file: basename(file), implementation: 'torchaudio', threads, total: { best: NaN, median: NaN } };
    if (run.status !== 0) {
      row.note = `failed: ${(run.stderr || run.stdout).trim().split('\n').pop() ?? ''}`;
    } else {
      const r = JSON.parse(run.stdout.trim().split('\n').pop() as string) as { best_seconds: number; median_seconds: number };
      row.total = { best: r.best_seconds, median: r.median_seconds };
      row.note = 'load + MFCC, not split';
    }
    rows.push(row);
  }
  return rows;
}

function summarize(seconds: number[]): Timing {
  const sorted = [...seconds].sort((a, b) => a - b);
  return { best: sorted[0], median: sorted[Math.floor(sorted.length / 2)] };
}

// ---------------------------------------------------------------------------------------------
// Input

/** Writes the 60 s stereo WAV, and a FLAC of it when `flac` or `sox` is on PATH; returns their paths. */
export function makeInputs(dir: string): string[] {
  const sampleRate = 44100;
  const wav = join(dir, 'stereo60.wav');
  writeFileSync(wav, encodeWav16(syntheticStereo(60, sampleRate), sampleRate));
  const flac = join(dir, 'stereo60.flac');
  const encoders: [string, string[]][] = [
    ['flac', ['--silent', '--force', '-o', flac, wav]],
    ['sox', [wav, flac]],
  ];
  for (const [command, args] of encoders) {
    const r = spawnSync(command, args, { encoding: 'utf8' });
    if (r.error === undefined && r.status === 0) return [flac, wav];
  }
  return [wav];
}

/**
 * 60 s of something music-like: in each channel a plucked chord every 1.5 s (decaying harmonics,
 * different notes left and right) with a slow tremolo, over quiet noise. Deterministic.
 */
function syntheticStereo(seconds: number, sampleRate: number): Float32Array[] {
  const S = Math.round(seconds * sampleRate);
  const notes = [[130.81, 164.81, 196.0], [164.81, 207.65, 246.94]]; // C3 E3 G3 / E3 G#3 B3
  return notes.map((chord, c) => {
    const x = new Float32Array(S);
    let seed = 12345 + c;
    for (let i = 0; i < S; i++) {
      const t = i / sampleRate;
      const since = t % 1.5;
      let v = 0;
      for (const f of chord) {
        for (let h = 1; h <= 6; h++) v += Math.sin(2 * Math.PI * f * h * t) * Math.exp(-since * (1.5 + h)) / h;
      }
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      const noise = (seed / 2 ** 32 - 0.5) * 2e-3;
      x[i] = 0.25 * v * (0.7 + 0.3 * Math.sin(2 * Math.PI * 3 * t)) + noise;
    }
    return x;
  });
}

// ---------------------------------------------------------------------------------------------
// Output

/** The rows as a text table, one block per file. */
export function formatTable(rows: FeatureBenchRow[]): string {
  const ms = (t: Timing | undefined) =>
    t === undefined || Number.isNaN(t.best) ? '—' : `${(1000 * t.best).toFixed(1)} / ${(1000 * t.median).toFixed(1)}`;
  const header = ['file', 'implementation', 'threads', 'decode ms', 'MFCC ms', 'total ms', '÷ audiopred', 'note'];
  const lines: string[][] = [];
  for (const row of rows) {
    const ours = rows.find((r) => r.file === row.file && r.implementation === 'audiopred');
    const ratio =
      ours === undefined || Number.isNaN(row.total.best)
        ? '—'
        : `${(row.total.best / ours.total.best).toFixed(2)}× / ${(row.total.median / ours.total.median).toFixed(2)}×`;
    lines.push([row.file, row.implementation, row.threads === 0 ? '—' : String(row.threads), ms(row.decode), ms(row.mfcc), ms(row.total), ratio, row.note ?? '']);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [
    'times: best / median of the repeats; ÷ audiopred: row total ÷ audiopred total (for torchaudio: how many times faster ours is)',
    fmt(header),
    fmt(widths.map((w) => '-'.repeat(w))),
    ...lines.map(fmt),
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--first-call') {
    await firstCallChild(argv[1]);
    return;
  }
  let path: string | undefined;
  const options: FeatureBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--repeats') options.repeats = Number(argv[++i]);
    else if (a === '--no-torch') options.torch = false;
    else if (a === '--no-reference') options.reference = false;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a} — use [AUDIO] [--repeats N] [--no-torch] [--no-reference]`);
    else path = a;
  }
  if (options.repeats !== undefined && !(Number.isInteger(options.repeats) && options.repeats >= 5)) {
    throw new Error('--repeats must be an integer ≥ 5');
  }
  console.log(formatTable(await benchFeatures(path, options)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
