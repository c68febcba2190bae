/**
 * `npm run bench`: audiopred against PyTorch on the reference workload (the
 * bundled example, or the audio file given), in one script on one machine:
 * training epochs/s at 1 thread and at all threads, PyTorch's at 1 and 2
 * threads (when Debian's python3-torch is installed), the ratio against
 * PyTorch's best, achieved GFLOP/s and peak RSS; then feature extraction
 * (decode + MFCC) against torchaudio.
 *
 *   node dist/bench/main.js [AUDIO] [--epochs N] [--no-torch] [--no-features]
 *
 * Every training row runs in its own child process (the CLI, or PyTorch's
 * script), so peak RSS is each run's own and no run warms another's caches.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_AUDIO } from '../src/audio/features.js';
import { benchFeatures, formatTable } from './features.js';

const CLI = fileURLToPath(new URL('../src/cli/bin.js', import.meta.url));
const TORCH_TRAIN = fileURLToPath(new URL('../../bench/torch_train.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

interface Row {
  name: string;
  threads: number;
  epochsPerSecond: number;
  gflops: number;
  peakRssMb: number;
  note?: string;
}

interface Workload {
  segments: number;
  train: number;
  val: number;
  length: number;
  features: number;
}

/**
 * FLOP of one epoch of the reference RNN (hidden H): per sequence step, the
 * input projection, the recurrence and the read-out are 2·(H·F + H·H + F·H)
 * forward; backward costs twice that. Training sequences go forward and back,
 * validation sequences forward only.
 */
function epochFlop(w: Workload, H: number): number {
  const T = w.length - 1;
  const forward = 2 * T * (H * w.features + H * H + w.features * H);
  return w.train * 3 * forward + w.val * forward;
}

function runAudiopred(audio: string, threads: number, epochs: number, hidden: number): { row: Row; workload: Workload } {
  const r = spawnSync(process.execPath, [CLI, 'train', audio, '--epochs', String(epochs), '--threads', String(threads), '--json'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`audiopred failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const head = lines[0];
  const done = lines.at(-1);
  const [segments, length, features] = head.dataset_shape as number[];
  const workload = { segments, train: head.train, val: head.val, length, features };
  // Whole-run epochs/s, warm-up included, as PyTorch's script reports its own.
  const rate = done.epochs_per_second as number;
  return {
    workload,
    row: {
      name: `audiopred (${head.backend})`,
      threads: head.threads,
      epochsPerSecond: rate,
      gflops: (epochFlop(workload, hidden) * rate) / 1e9,
      peakRssMb: done.peak_rss_mb,
    },
  };
}

function torchAvailable(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchaudio, sklearn'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not found`;
  return r.status === 0 ? null : 'python3-torch, python3-torchaudio or python3-sklearn is not installed';
}

function runTorch(audio: string, threads: number, epochs: number, workload: Workload, hidden: number): Row {
  const r = spawnSync(
    'bash',
    ['-c', `exec 3>&1; /usr/bin/time -f '%M' ${PYTHON} "$@" 2>&1 >&3 | tail -1`, 'torch', TORCH_TRAIN, '--file', audio, '--epochs', String(epochs), '--threads', String(threads)],
    { encoding: 'utf8' },
  );
  const lines = r.stdout.trim().split('\n');
  const done = JSON.parse(lines.filter((l) => l.startsWith('{')).at(-1)!);
  const peakKb = Number(lines.at(-1));
  const rate = done.epochs_per_second as number;
  return {
    name: 'PyTorch 1.13 (Debian)',
    threads,
    epochsPerSecond: rate,
    gflops: (epochFlop(workload, hidden) * rate) / 1e9,
    peakRssMb: Number.isFinite(peakKb) ? peakKb / 1024 : NaN,
  };
}

function table(rows: Row[], best: Row | undefined): string {
  const header = ['implementation', 'threads', 'epochs/s', '× PyTorch best', 'GFLOP/s', 'peak RSS MB'];
  const lines = rows.map((r) => [
    r.name,
    String(r.threads),
    r.epochsPerSecond.toFixed(2),
    best ? `${(r.epochsPerSecond / best.epochsPerSecond).toFixed(2)}×` : '—',
    r.gflops.toFixed(1),
    Number.isFinite(r.peakRssMb) ? r.peakRssMb.toFixed(0) : '—',
  ]);
  const out = ['| ' + header.join(' | ') + ' |', '|' + header.map(() => '---').join('|') + '|'];
  for (const l of lines) out.push('| ' + l.join(' | ') + ' |');
  return out.join('\n');
}

async function main(argv: string[]): Promise<void> {
  let audio = EXAMPLE_AUDIO;
  let epochs = 30;
  let torch = true;
  let features = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--epochs') epochs = Number(argv[++i]);
    else if (a === '--no-torch') torch = false;
    else if (a === '--no-features') features = false;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}; use [AUDIO] [--epochs N] [--no-torch] [--no-features]`);
    else audio = a;
  }
  const hidden = 128;
  const cores = availableParallelism();
  console.log(`audiopred bench — ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores, Node ${process.version}`);
  console.log(`workload: ${basename(audio)}, RNN hidden ${hidden}, batch 16, ${epochs} epochs per run\n`);

  const rows: Row[] = [];
  const one = runAudiopred(audio, 1, epochs, hidden);
  const { workload } = one;
  console.log(`dataset (${workload.segments}, ${workload.length}, ${workload.features}): ${workload.train} train / ${workload.val} validation segments; ${(epochFlop(workload, hidden) / 1e9).toFixed(2)} GFLOP per epoch\n`);
  rows.push(one.row);
  if (cores > 1) rows.push(runAudiopred(audio, cores, epochs, hidden).row);

  const torchRows: Row[] = [];
  const missing = torch ? torchAvailable() : 'skipped (--no-torch)';
  if (missing === null) {
    const torchEpochs = Math.max(5, Math.round(epochs / 3));
    for (const threads of [1, 2]) torchRows.push(runTorch(audio, threads, torchEpochs, workload, hidden));
  }
  const best = torchRows.length ? torchRows.reduce((a, b) => (b.epochsPerSecond > a.epochsPerSecond ? b : a)) : undefined;
  console.log(table([...rows, ...torchRows], best));
  if (missing !== null) console.log(`\nPyTorch rows skipped: ${missing}.`);

  if (features) {
    console.log('\nFeature extraction (decode + MFCC) of a 60 s stereo 44.1 kHz recording:\n');
    console.log(formatTable(await benchFeatures(undefined, { torch: missing === null, reference: false })));
  }
}

await main(process.argv.slice(2));
