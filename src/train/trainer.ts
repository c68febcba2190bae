import { coreCount } from '../machine.js';
import { epochOrder, packBatch, type Segments, type Split } from '../data/dataset.js';
import { Xoshiro128 } from '../data/rng.js';
import { UsageError } from '../errors.js';
import type { Backend } from '../kernels/backend.js';
import { getBackend, wasmSupport, type WasmBackend } from '../kernels/index.js';
import type { UnitCost } from '../models/cost.js';
import type { TrainingState } from './state.js';
import type { SequenceModel } from '../models/model.js';
import { unitThrew } from '../models/unit-errors.js';
import type { UnitOrigin, UnitShape } from '../models/unit.js';
import { createAdamW, adamwStep, type AdamWState } from '../optim/adamw.js';
import type { TrainConfig } from '../config/settings.js';
import { ThreadPool } from './pool.js';
import { runShard, shardRows, UnitCallError, type Shard } from './shard.js';

export interface EpochResult {
  epoch: number; // 1-based
  trainLoss: number; // mean of this epoch's per-batch losses
  valLoss: number; // mean of the per-batch validation losses
}

/** The kernel backend a config asks for; 'wasm' where it cannot run is an error, 'auto' falls back. */
export function backendFor(config: Pick<TrainConfig, 'backend'>): Backend {
  if (config.backend === 'wasm') {
    const support = wasmSupport();
    if (!support.ok) throw new UsageError(`--backend wasm is not available here: ${support.reason}; use --backend plain`);
  }
  return getBackend(config.backend === 'plain' ? 'plain' : 'wasm');
}

/** Threads a run will use: --threads, or one per core, never more than a batch has rows; 1 without wasm. */
export function threadsFor(config: Pick<TrainConfig, 'threads' | 'batch'>, be: Backend): number {
  if (be.name !== 'wasm-simd') return 1;
  const wanted = config.threads > 0 ? config.threads : coreCount();
  return Math.max(1, Math.min(wanted, config.batch));
}

/** A message lists at most this many of the segments a failing forward or backward was given. */
const MAX_SEGMENTS_SHOWN = 8;

/**
 * The training loop of the reference task: per epoch, a fresh shuffle of the
 * training segments into batches, one AdamW step per batch, then the
 * validation loss in batches of the same size, in split order. Each batch is
 * split across `threads` threads (see pool.ts).
 *
 * Every buffer is allocated once, in the kernel backend's memory; an epoch
 * allocates nothing.
 *
 * A unit whose forward or backward throws (on any thread) stops training with
 * a one-line UsageError, exit code 3, naming the method, the epoch, the batch
 * and the segments that call was given, and the user's file:line
 * (unitThrew). runShard turns the throw into a UnitCallError; the epoch's
 * loop has one try/catch that adds where in the epoch it happened.
 */
export class Trainer {
  epoch = 0;
  private readonly order: Int32Array; // this epoch's training order
  private readonly shuffleRng: Xoshiro128;

  private constructor(
    /** How messages and tables name the unit. */
    readonly label: string,
    readonly model: SequenceModel,
    readonly segments: Segments,
    readonly split: Split,
    readonly config: TrainConfig,
    readonly backend: Backend,
    readonly threads: number,
    readonly params: Float32Array, // (P) in the model's layout
    readonly grads: Float32Array, // (P)
    readonly optimizer: AdamWState,
    private readonly main: Shard, // this thread's part of each batch
    private readonly pool: ThreadPool | null,
  ) {
    this.order = new Int32Array(split.train.length);
    this.shuffleRng = Xoshiro128.fromSeed(config.seed, 'shuffle');
  }

  /** A trainer for `model`, a backprop unit built on backend `be` from `source` with `shape` (workers build their own copies). */
  static async create(
    segments: Segments,
    split: Split,
    config: TrainConfig,
    model: SequenceModel,
    params: Float32Array,
    be: Backend,
    source: UnitOrigin,
    shape: UnitShape,
  ): Promise<Trainer> {
    const threads = threadsFor(config, be);
    const { length: L, features: F } = segments;
    const T = L - 1;
    const B = config.batch;
    const grads = be.alloc(model.layout.size);
    const optimizer = createAdamW(model.layout.size, { lr: config.lr, weightDecay: config.weightDecay }, be);
    // Every part's buffers fit the largest part of a full batch.
    const maxRows = Math.max(...Array.from({ length: threads }, (_, k) => shardRows(k, threads, B)).map(([s, e]) => e - s));
    let cache: unknown;
    try {
      cache = model.createCache(maxRows, T);
    } catch (err) {
      throw unitThrew(source.label, 'createCache', `${maxRows} rows of ${T} steps, before training`, err, 2);
    }
    const main: Shard = {
      model,
      cache,
      params,
      grads,
      x: be.alloc(B * T * F),
      seg: be.alloc(B * L * F),
      out: be.alloc(maxRows * T * F),
      dout: be.alloc(maxRows * T * F),
      T,
      F,
      horizon: config.horizon,
      rowViews: new Map(),
    };
    let pool: ThreadPool | null = null;
    try {
      if (threads > 1) {
        pool = await ThreadPool.start(threads, main, be as WasmBackend, {
          unit: { spec: source.spec, moduleUrl: source.moduleUrl },
          shape,
          maxRows,
          T,
          F,
          horizon: config.horizon,
        });
      }
    } catch (err) {
      if (err instanceof UnitCallError) throw unitThrew(source.label, err.method, 'building its copy on a training thread, before training', err.thrown, 2);
      throw err;
    }
    return new Trainer(source.label, model, segments, split, config, be, threads, params, grads, optimizer, main, pool);
  }

  /** Rows of the last batch that this thread's cache holds (for cost()). */
  private lastRows = 0;

  /** Loss of the first B rows of the batch buffers, and with `withGrad` its gradient in `grads`. */
  private batchLoss(B: number, withGrad: boolean): number {
    const [start, end] = shardRows(0, this.threads, B);
    this.lastRows = end - start;
    return this.pool ? this.pool.run(B, withGrad) : runShard(this.main, 0, B, B, withGrad);
  }

  /** A unit with nothing to learn (a baseline) is done after one pass; others train for --epochs. */
  get finished(): boolean {
    return this.model.layout.size === 0 && this.epoch >= 1;
  }

  /**
   * The unit's cost per frame, activity measured on this thread's rows of the last batch: the
   * last validation batch of the last epoch. A session that has run no batch (a run resumed at
   * its last epoch, such as a queued run retried after it finished) runs that validation pass
   * first, so it reports what the run reported.
   */
  cost(): UnitCost | undefined {
    if (this.lastRows === 0) this.evaluate();
    if (this.lastRows === 0) return undefined;
    try {
      return this.model.cost?.(this.main.cache, this.lastRows, this.main.T);
    } catch (err) {
      throw unitThrew(this.label, 'cost', `after epoch ${this.epoch}`, err);
    }
  }

  /** One pass over the training segments; returns the mean per-batch loss. */
  trainEpoch(): number {
    const { config, main } = this;
    epochOrder(this.order, this.split.train, this.shuffleRng);
    let total = 0;
    let batches = 0;
    let start = 0;
    try {
      for (; start < this.order.length; start += config.batch) {
        const B = packBatch(main.x, main.seg, this.segments, this.order, start, config.batch);
        total += this.batchLoss(B, true);
        adamwStep(this.params, this.grads, this.optimizer, this.backend);
        batches++;
      }
    } catch (err) {
      throw this.inEpoch(err, this.order, start, this.epoch + 1, 'training');
    }
    this.epoch++;
    return total / batches;
  }

  /** Mean per-batch loss over the validation segments, without learning. */
  evaluate(indices: Int32Array = this.split.val): number {
    const { config, main } = this;
    let total = 0;
    let batches = 0;
    let start = 0;
    try {
      for (; start < indices.length; start += config.batch) {
        const B = packBatch(main.x, main.seg, this.segments, indices, start, config.batch);
        total += this.batchLoss(B, false);
        batches++;
      }
    } catch (err) {
      throw this.inEpoch(err, indices, start, this.epoch, 'validation');
    }
    return total / batches;
  }

  /**
   * `err` from the batch of `indices` starting at `start`: a UnitCallError
   * becomes the user's one-line error naming the segments of the rows the
   * throwing call was given; anything else passes unchanged.
   */
  private inEpoch(err: unknown, indices: Int32Array, start: number, epoch: number, phase: string): unknown {
    if (!(err instanceof UnitCallError)) return err;
    const segments = Array.from(indices.subarray(start + err.start, start + err.end));
    const shown = segments.length > MAX_SEGMENTS_SHOWN ? `${segments.slice(0, MAX_SEGMENTS_SHOWN).join(', ')}, … (${segments.length} in all)` : segments.join(', ');
    const batch = Math.floor(start / this.config.batch) + 1;
    const where = `epoch ${epoch}, batch ${batch}, segment${segments.length === 1 ? '' : 's'} ${shown}, ${phase}`;
    return unitThrew(this.label, err.method, where, err.thrown);
  }

  /** Trains one epoch and evaluates it; a NaN or infinite loss stops training (exit code 3). */
  step(): EpochResult {
    const trainLoss = this.trainEpoch();
    const valLoss = this.evaluate();
    if (!Number.isFinite(trainLoss) || !Number.isFinite(valLoss)) {
      const which = Number.isFinite(trainLoss) ? `validation loss ${valLoss}` : `training loss ${trainLoss}`;
      throw new UsageError(`${this.label}: ${which} at epoch ${this.epoch}; training diverged: try a lower --lr (now ${this.config.lr})`, 3);
    }
    return { epoch: this.epoch, trainLoss, valLoss };
  }

  /** A copy of everything the next epoch depends on. */
  snapshot(): TrainingState {
    const { m, v, step } = this.optimizer;
    return {
      epoch: this.epoch,
      params: this.params.slice(),
      shuffle: this.shuffleRng.getState(),
      arrays: { 'adamw.exp_avg': m.slice(), 'adamw.exp_avg_sq': v.slice() },
      optimizerStep: step,
      resumable: true,
    };
  }

  /** Continues from `state` (from snapshot, possibly in another process). */
  restore(state: TrainingState): void {
    const m = state.arrays['adamw.exp_avg'];
    const v = state.arrays['adamw.exp_avg_sq'];
    const P = this.params.length;
    if (state.params.length !== P || m?.length !== P || v?.length !== P || state.optimizerStep === undefined) {
      throw new UsageError(`the saved training state does not fit ${this.label} (${P} parameters); was it saved by another unit or size?`);
    }
    this.params.set(state.params);
    this.optimizer.m.set(m);
    this.optimizer.v.set(v);
    this.optimizer.step = state.optimizerStep;
    this.shuffleRng.setState(state.shuffle);
    this.epoch = state.epoch;
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    await this.pool?.close();
  }
}
