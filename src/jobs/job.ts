/**
 * One (unit, seed, recording) run of a study, trained by trainRun in a child process
 * (child.ts) and read back from its run folder when it ends, so a run finished now and one
 * finished before a `--resume` give the same result.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigJson } from '../config/settings.js';
import { STATE_FILE } from '../runs/checkpoint.js';
import { readConfigRecord, readMetrics, readSummary } from '../runs/record.js';
import type { CostReport } from '../models/cost.js';

const CHILD = new URL('./child.js', import.meta.url);

export interface Job {
  /** The --model value: built-in name or absolute module path. */
  model: string;
  /** How tables name the unit: its declared name. */
  label: string;
  seed: number;
  audio: string;
  /** The run's whole config (snake_case JSON, as config.json has it). */
  config: ConfigJson;
  /** The unit's own options, key=value, for the record. */
  options: readonly string[];
  threads: number;
  /** The run folder the child keeps (config, metrics, summary, final checkpoint). */
  out: string;
  saveEvery: number;
  /** Continue the run in `out` from its checkpoint (to config.epochs) rather than start it. */
  resume?: boolean;
}

export interface EpochPoint {
  epoch: number;
  train: number;
  val: number;
}

export type JobStatus = 'ok' | 'diverged' | 'failed' | 'interrupted';

export interface JobResult {
  job: Job;
  /** 'ok', 'diverged' (a NaN or infinite loss, or the unit threw), 'failed' (anything else) or 'interrupted' (stopped; resumable). */
  status: JobStatus;
  /** Why it did not finish, one line. */
  error?: string;
  curve: EpochPoint[];
  finalTrain: number;
  finalVal: number;
  bestVal: number;
  /** Training seconds, over every session of the run. */
  seconds: number;
  cost?: CostReport;
  /** The loss of the final model on the test segments (summary.json's final_test_loss); null without a test split. */
  testLoss?: number | null;
  /** sMAPE of the free-running test (summary.json's free_run_smape), for a task scored so. */
  smape?: number;
  /** The signal that killed its process from outside before the run ended ('failed'); its checkpoint may be resumed. */
  killedBy?: NodeJS.Signals;
}

/** The messages between a study and its child. */
export type ParentMessage = { type: 'run'; job: Job } | { type: 'stop' };
export type ChildMessage =
  | { type: 'epoch'; epoch: number; train: number; val: number }
  | { type: 'end'; status: 'done' | 'interrupted' | 'diverged' | 'failed'; error?: string };

/**
 * The result a run folder holds, or undefined if the run has not finished (nothing to reuse):
 * not done, or done at fewer epochs than the job asks for (a tune trial's earlier rung), unless
 * the unit stopped early by itself (a closed-form fit learns all it can in one pass).
 */
export function resultFromFolder(job: Job): JobResult | undefined {
  const summary = readSummary(job.out);
  if (!summary || summary.status !== 'done' || summary.final_val_loss === null || summary.final_train_loss === null) return undefined;
  if (summary.epochs < Number(job.config.epochs) && !(summary.epochs < readConfigRecord(job.out).config.epochs)) return undefined;
  return {
    job,
    status: 'ok',
    curve: readMetrics(job.out).map((m) => ({ epoch: m.epoch, train: m.train_loss, val: m.val_loss })),
    finalTrain: summary.final_train_loss,
    finalVal: summary.final_val_loss,
    bestVal: summary.best_val_loss ?? NaN,
    seconds: summary.train_seconds,
    ...(summary.cost ? { cost: summary.cost } : {}),
    testLoss: summary.final_test_loss, // null in folders from before the test split (readSummary fills it)
    ...(summary.free_run_smape !== undefined ? { smape: summary.free_run_smape } : {}),
  };
}

/** What a job does in a folder where an earlier study stopped: reuse, resume from its checkpoint, or start again. */
export function prepareJob(job: Job): { done: JobResult } | { job: Job } {
  const done = resultFromFolder(job);
  if (done) return { done };
  if (existsSync(join(job.out, STATE_FILE))) return { job: { ...job, resume: true } };
  rmSync(job.out, { recursive: true, force: true }); // started, never checkpointed: nothing to keep
  return { job };
}

/** The last line of a crashed child's stderr that says what went wrong (not Node's version banner). */
function errorLine(stderr: string, code: number | null, signal: NodeJS.Signals | null): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => /^(audiopred: |\w*Error\b|RangeError|TypeError|FATAL|.*out of memory)/i.test(l));
  return line?.replace(/^audiopred: /, '') ?? (signal ? `killed by ${signal}` : `exited with code ${code}`);
}

export interface RunningJob {
  readonly result: Promise<JobResult>;
  stop(): void;
}

/** Starts `job` in a child process; `onEpoch` hears each epoch. The result never rejects: failures are results. */
export function startJob(job: Job, onEpoch: (point: EpochPoint) => void): RunningJob {
  const child: ChildProcess = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-20_000)));
  let end: Extract<ChildMessage, { type: 'end' }> | undefined;
  const curve: EpochPoint[] = [];
  child.on('message', (m: ChildMessage) => {
    if (m.type === 'epoch') {
      const point = { epoch: m.epoch, train: m.train, val: m.val };
      curve.push(point);
      onEpoch(point);
    } else {
      end = m;
    }
  });
  child.send({ type: 'run', job } satisfies ParentMessage);
  const result = new Promise<JobResult>((resolve) => {
    child.on('close', (code, signal) => {
      const failed = (status: JobStatus, error: string): JobResult => ({
        job, status, error, curve, finalTrain: NaN, finalVal: NaN, bestVal: curve.reduce((b, p) => Math.min(b, p.val), Infinity), seconds: NaN,
      });
      if (end?.status === 'done') {
        resolve(resultFromFolder(job) ?? failed('failed', `${job.out}: the run ended but its summary cannot be read`));
      } else if (end) {
        resolve(failed(end.status, end.error ?? (end.status === 'interrupted' ? 'stopped; its checkpoint is kept for --resume' : end.status)));
      } else {
        resolve({ ...failed('failed', errorLine(stderr, code, signal)), ...(signal ? { killedBy: signal } : {}) });
      }
    });
  });
  return {
    result,
    stop: () => {
      if (child.connected) child.send({ type: 'stop' } satisfies ParentMessage);
    },
  };
}
