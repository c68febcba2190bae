/**
 * One (unit, seed, recording) training run of a comparison, run as
 * `audiopred train … --json` in a child process: runs are isolated (a unit
 * that crashes or diverges costs only its own run) and use every core side
 * by side. The child's JSON lines give the curve, the final losses and the
 * cost metrics.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CostReport } from '../train/learner.js';

const BIN = fileURLToPath(new URL('../cli/bin.js', import.meta.url));

export interface Job {
  /** The --model value: built-in name or absolute module path. */
  model: string;
  /** How tables name the unit. */
  label: string;
  seed: number;
  audio: string;
  /** Training flags shared by every job (--epochs, --lr, …), as CLI arguments. */
  args: readonly string[];
  /** Unit options for this unit only, as key=value. */
  options: readonly string[];
  threads: number;
  /** The run folder the child keeps (config, metrics, summary, final checkpoint). */
  out: string;
}

export interface EpochPoint {
  epoch: number;
  train: number;
  val: number;
}

export interface JobResult {
  job: Job;
  /** 'ok', 'diverged' (exit 3: a NaN or infinite loss) or 'failed' (anything else). */
  status: 'ok' | 'diverged' | 'failed';
  /** The child's error line when it did not finish. */
  error?: string;
  curve: EpochPoint[];
  finalTrain: number;
  finalVal: number;
  bestVal: number;
  seconds: number;
  cost?: CostReport;
}

/** Runs `job`, calling `onEpoch` as epochs finish; never rejects (failures are results). */
export function runJob(job: Job, onEpoch: (point: EpochPoint) => void): Promise<JobResult> {
  const args = [
    BIN, 'train', job.audio, '--model', job.model, '--seed', String(job.seed), '--threads', String(job.threads), '--json',
    '--out', job.out, '--save-every', '0',
    ...job.args,
    ...job.options.flatMap((o) => ['--opt', o]),
  ];
  const started = performance.now();
  const curve: EpochPoint[] = [];
  let done: { final_train_loss: number; final_val_loss: number; cost: CostReport } | undefined;
  let stderr = '';
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // not ours (a unit printing to stdout): ignore
      }
      if (typeof o.epoch === 'number' && typeof o.val_loss === 'number' && typeof o.train_loss === 'number') {
        const point = { epoch: o.epoch, train: o.train_loss, val: o.val_loss };
        curve.push(point);
        onEpoch(point);
      } else if (o.done === true) {
        done = o as typeof done;
      }
    });
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const bestVal = curve.reduce((best, p) => Math.min(best, p.val), Infinity);
      if (code === 0 && done) {
        resolve({ job, status: 'ok', curve, finalTrain: done.final_train_loss, finalVal: done.final_val_loss, bestVal, seconds, cost: done.cost });
        return;
      }
      const error = stderr.trim().split('\n').at(-1)?.replace(/^audiopred: /, '') || `exited with code ${code}`;
      resolve({ job, status: code === 3 ? 'diverged' : 'failed', error, curve, finalTrain: NaN, finalVal: NaN, bestVal, seconds });
    });
  });
}

/** Runs `jobs` with at most `parallel` at a time, longest expected first; results in the order of `jobs`. */
export async function runJobs(
  jobs: readonly Job[],
  parallel: number,
  weight: (job: Job) => number,
  onEpoch: (job: Job, point: EpochPoint) => void,
  onDone: (result: JobResult) => void,
): Promise<JobResult[]> {
  const results = new Array<JobResult>(jobs.length);
  const queue = jobs.map((job, i) => ({ job, i })).sort((a, b) => weight(b.job) - weight(a.job) || a.i - b.i);
  const lane = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { job, i } = next;
      const result = await runJob(job, (p) => onEpoch(job, p));
      results[i] = result;
      onDone(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, jobs.length)) }, lane));
  return results;
}
