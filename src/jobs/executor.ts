/**
 * Where a study's jobs run. compare and tune hand every run to an Executor and hear back its
 * epochs and its result; they never start processes themselves. The local executor runs a job
 * per child process (job.ts) on a fixed number of lanes, in the order jobs are handed to it; the
 * queue executor (src/queue/executor.ts) keeps the same interface, with workers elsewhere.
 */
import { startJob, type EpochPoint, type Job, type JobResult, type RunningJob } from './job.js';

/** A job handed to an executor: waiting for a lane, then running. */
export interface PendingJob {
  /** Its result (failures are results, it never rejects), or undefined if it was stopped before it started. */
  readonly result: Promise<JobResult | undefined>;
  /** A running job finishes its epoch and checkpoints (result 'interrupted'); a waiting one never starts. */
  stop(): void;
}

export interface Executor {
  /** Jobs that run side by side. */
  readonly lanes: number;
  /** Runs `job` once a lane is free; `onEpoch` hears each epoch as it ends. */
  run(job: Job, onEpoch?: (point: EpochPoint) => void): PendingJob;
}

/** `lanes` child processes side by side, first handed first run (`start` starts one: a test may give its own). */
export function createLocalExecutor(lanes: number, start: typeof startJob = startJob): Executor {
  if (!(Number.isSafeInteger(lanes) && lanes >= 1)) throw new RangeError(`lanes must be an integer ≥ 1, got ${lanes}`);
  const waiting: (() => void)[] = [];
  let free = lanes;
  const next = () => {
    while (free > 0 && waiting.length) waiting.shift()!();
  };
  return {
    lanes,
    run(job, onEpoch = () => {}) {
      let running: RunningJob | undefined;
      let resolveResult: (r: JobResult | undefined) => void = () => {};
      const result = new Promise<JobResult | undefined>((resolve) => (resolveResult = resolve));
      const begin = () => {
        free--;
        running = start(job, onEpoch);
        void running.result.then((r) => {
          free++;
          resolveResult(r);
          next();
        });
      };
      const stopWaiting = () => {
        const at = waiting.indexOf(begin);
        if (at >= 0) waiting.splice(at, 1);
        resolveResult(undefined);
      };
      waiting.push(begin);
      next();
      return { result, stop: () => (running ? running.stop() : stopWaiting()) };
    },
  };
}
