// Training runs for the bench, each in its own child process so that peak RSS is the run's own
// and no run warms another's caches: audiopred through its CLI (this checkout's or another's
// built dist), PyTorch through bench/torch_train.py.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TORCH_TRAIN = fileURLToPath(new URL('../../bench/torch_train.py', import.meta.url));
export const PYTHON = '/usr/bin/python3';

/** Runs whose training took less than this are repeated (best kept), so process noise does not decide them. */
const SHORT_RUN_SECONDS = 1;
const MOST_RUNS = 5;

export interface Job {
  audio: string;
  unit: string;
  threads: number;
  epochs: number;
}

export interface TrainRun {
  /** Epochs it ran: fewer than asked when the unit is finished early (a closed-form fit, a baseline). */
  epochs: number;
  seconds: number;
  /** Whole-run rate, the first epoch's warm-up included, as both the CLI and the PyTorch script report it. */
  epochsPerSecond: number;
  peakRssMb: number;
  /** Processes run for this figure (short runs are repeated; the best is kept). */
  runs: number;
}

export interface AudiopredRun extends TrainRun {
  /** The kernels it ran on: wasm-relaxed-simd, wasm-simd or plain. */
  backend: string;
  /** Threads it trained with (online units stream on one whatever --threads says). */
  threads: number;
  macsPerFrame: number;
  workload: Workload;
}

/** The dataset and the settings that size the work, as the run's head line describes them. */
export interface Workload {
  segments: number;
  length: number;
  features: number;
  train: number;
  val: number;
  hidden: number;
  batch: number;
  horizon: number;
}

function jsonLines(stdout: string): Record<string, any>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

/** `node CLI train AUDIO --model U --epochs N --threads T --json --out <tmp>`; the run folder is deleted. */
function runCliOnce(cli: string, job: Job): AudiopredRun {
  const dir = mkdtempSync(join(tmpdir(), 'audiopred-bench-'));
  try {
    const args = [cli, 'train', job.audio, '--model', job.unit, '--epochs', String(job.epochs), '--threads', String(job.threads), '--json', '--out', join(dir, 'run')];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`exit ${r.status ?? r.signal}: ${lastLine(r.stderr) || lastLine(r.stdout)}`);
    const lines = jsonLines(r.stdout);
    const head = lines[0];
    const done = lines.at(-1)!;
    if (!done?.done) throw new Error('no closing JSON line');
    const [segments, length, features] = head.dataset_shape as number[];
    return {
      epochs: done.epochs,
      seconds: done.train_seconds,
      epochsPerSecond: done.epochs_per_second,
      peakRssMb: done.peak_rss_mb,
      runs: 1,
      backend: head.backend,
      threads: head.threads,
      macsPerFrame: done.cost?.macs_per_frame ?? NaN,
      workload: { segments, length, features, train: head.train, val: head.val, hidden: head.config?.hidden, batch: head.config?.batch, horizon: head.config?.horizon },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** bench/torch_train.py under /usr/bin/time, for its peak RSS. */
function runTorchOnce(job: Job): TrainRun {
  const script = `exec 3>&1; /usr/bin/time -f '%M' ${PYTHON} "$@" 2>&1 >&3 | tail -1`;
  const args = [TORCH_TRAIN, '--file', job.audio, '--model', job.unit, '--epochs', String(job.epochs), '--threads', String(job.threads)];
  const r = spawnSync('bash', ['-c', script, 'torch', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const done = jsonLines(r.stdout).at(-1);
  if (!done?.done) throw new Error(`torch_train.py --model ${job.unit} failed: ${lastLine(r.stdout)}`);
  const peakKb = Number(lastLine(r.stdout));
  return {
    epochs: done.epochs ?? job.epochs,
    seconds: done.train_seconds,
    epochsPerSecond: done.epochs_per_second,
    peakRssMb: Number.isFinite(peakKb) ? peakKb / 1024 : NaN,
    runs: 1,
  };
}

/** One run, repeated while it is short (up to MOST_RUNS processes); the fastest is kept. */
function bestOfShort<R extends TrainRun>(run: () => R): R {
  let best = run();
  let runs = 1;
  while (best.seconds < SHORT_RUN_SECONDS && runs < MOST_RUNS) {
    const next = run();
    runs++;
    if (next.epochsPerSecond > best.epochsPerSecond) best = next;
  }
  return { ...best, runs };
}

/**
 * `job` on each audiopred CLI in turn (a checkout's dist/src/cli/bin.js: this one's, then the
 * before checkout's), in rounds: while the runs are short, another round, so that every side
 * sees the same moments of a noisy machine; each side keeps its fastest run. A side that fails
 * is an Error in its place (and is not retried).
 */
export function runAudiopredSides(clis: string[], job: Job): (AudiopredRun | Error)[] {
  const best: (AudiopredRun | Error)[] = clis.map(() => new Error('not run'));
  const short = () => best.some((b) => !(b instanceof Error) && b.seconds < SHORT_RUN_SECONDS);
  let rounds = 0;
  do {
    clis.forEach((cli, i) => {
      const sofar = best[i];
      if (rounds > 0 && sofar instanceof Error) return;
      try {
        const run = runCliOnce(cli, job);
        if (sofar instanceof Error || run.epochsPerSecond > sofar.epochsPerSecond) best[i] = run;
      } catch (e) {
        if (sofar instanceof Error) best[i] = e as Error;
      }
    });
    rounds++;
  } while (rounds < MOST_RUNS && short());
  return best.map((b) => (b instanceof Error ? b : { ...b, runs: rounds }));
}

/** The PyTorch twin of `job.unit` at `job.threads` threads. */
export function runTorch(job: Job): TrainRun {
  return bestOfShort(() => runTorchOnce(job));
}

/** PyTorch's version, or why the PyTorch runs cannot happen. */
export function probeTorch(): { version: string } | { missing: string } {
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchaudio, sklearn; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.error) return { missing: `rows skipped: ${PYTHON} not found` };
  if (r.status !== 0) return { missing: `rows skipped: ${PYTHON} cannot import torch, torchaudio and sklearn (Debian: python3-torch, python3-torchaudio, python3-sklearn)` };
  return { version: r.stdout.trim() };
}
