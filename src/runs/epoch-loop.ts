/**
 * The epochs of a run and its final scores, with no file system: trainRun (the CLI, compare's
 * children, queue workers) records each epoch in the run folder, the playground's worker posts
 * it to the page; both train and stop the same way through here.
 */
import { UsageError } from '../errors.js';
import type { Split } from '../data/dataset.js';
import { smape } from '../tasks/smape.js';
import type { TaskData } from '../tasks/data.js';
import { freeRun } from '../train/free-run.js';
import type { TrainingState } from '../train/state.js';
import { unitOf, type Learner } from './learner.js';

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  /** Training seconds of the whole run so far, over every session. */
  seconds: number;
  /** Epochs per second in this session. */
  epochsPerSecond: number;
}

export interface EpochLoopOptions {
  epochs: number;
  /** Checked before each epoch: stop after the epoch in progress. */
  stopped: () => boolean;
  /** Seconds of training in earlier sessions (a resumed run). */
  earlierSeconds?: number;
  /** The epoch of the last checkpoint: the epoch before a divergence need not be kept when it is saved already. */
  savedEpoch?: () => number;
  onEpoch: (report: EpochReport) => Promise<void> | void;
  /** Between epochs: lets progress draw and stop requests arrive (setImmediate in Node, a message in a page). */
  pause: () => Promise<unknown>;
}

/**
 * Trains until `epochs`, the unit has learnt all it can, or `stopped()`. A unit that throws or a
 * loss that is not finite (UsageError, exit code 3) ends the loop with `diverged`, and
 * `lastGood` is the state before the epoch it happened in (unless that epoch is saved already).
 */
export async function runEpochs(trainer: Learner, options: EpochLoopOptions): Promise<{ diverged?: UsageError; lastGood?: TrainingState }> {
  const started = performance.now();
  const startEpoch = trainer.epoch;
  const sessionSeconds = () => (performance.now() - started) / 1000;
  let lastGood: TrainingState | undefined;
  try {
    while (trainer.epoch < options.epochs && !trainer.finished && !options.stopped()) {
      lastGood = options.savedEpoch?.() === trainer.epoch ? undefined : trainer.snapshot(); // snapshots are copies
      const r = trainer.step();
      const seconds = sessionSeconds();
      await options.onEpoch({ ...r, seconds: (options.earlierSeconds ?? 0) + seconds, epochsPerSecond: (r.epoch - startEpoch) / seconds });
      await options.pause();
    }
  } catch (err) {
    if (!(err instanceof UsageError && err.exitCode === 3)) throw err;
    return { diverged: err, ...(lastGood ? { lastGood } : {}) };
  }
  return {};
}

/** The trained model's loss on the test segments: backprop units frozen, online units by --eval. */
export function testLossOf(trainer: Learner, test: Split['test']): number {
  return trainer.evaluate(test); // an OnlineTrainer scores by its config's --eval
}

/** sMAPE of the free-running test: the trained unit after the warm-up, fed its own predictions. */
export function freeRunSmape(trainer: Learner, plan: NonNullable<TaskData['freeRun']>, T: number): number {
  const unit = unitOf(trainer);
  const predictions = freeRun(unit, trainer.params, trainer.backend, plan.warmup, plan.targets.length / unit.features, T);
  return smape(plan.targets, predictions);
}
