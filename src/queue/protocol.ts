/**
 * What travels through the queue: a run as the coordinator hands it out, the progress a worker
 * reports at each epoch, and what the worker hands back. A run's id is the hash of everything
 * that decides its numbers, so adding it twice (a coordinator resumed after a kill) finds the
 * run already queued, running or finished instead of running it again.
 */
import { createHash } from 'node:crypto';
import type { Job, JobResult } from '../jobs/job.js';
import type { FileRef } from './file-ref.js';
import type { PackedFolder } from './folder.js';

export interface QueuedRun {
  /** The run; `out` is its folder relative to the study's, `audio` and `model` as the coordinator has them. */
  job: Job;
  audio: FileRef;
  /** A user's unit module (built-in units have none). */
  module?: FileRef;
  /** The run folder to continue from (a tune trial's next rung, a run resumed after a kill). */
  checkpoint?: PackedFolder;
}

/** A worker's report: { worker } alone when it takes the run, then one per epoch. */
export interface RunProgress {
  worker: string;
  epoch: number;
  train: number;
  val: number;
}

export interface RunReturn {
  worker: string;
  /** The run's result as the worker saw it (its `job` is the coordinator's). */
  result: Omit<JobResult, 'job'>;
  /** The run folder, whole. */
  files: PackedFolder;
}

/** The epoch the checkpoint of a packed run folder reached (0 without one): part of a continued run's identity. */
function checkpointEpochs(packed: PackedFolder | undefined): number {
  const metrics = packed?.['metrics.jsonl'];
  return metrics ? Buffer.from(metrics, 'base64').toString('utf8').split('\n').filter(Boolean).length : 0;
}

/** The run's id: a hash of its folder, config, seed, files' contents and where it starts from. */
export function runId(run: QueuedRun): string {
  const { job } = run;
  const identity = {
    out: job.out,
    model: run.module ? run.module.sha256 : job.model,
    audio: run.audio.sha256,
    seed: job.seed,
    config: job.config,
    options: job.options,
    threads: job.threads,
    from: checkpointEpochs(run.checkpoint),
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
}
