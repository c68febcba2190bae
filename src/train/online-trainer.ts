/**
 * Training for units that learn online (see src/models/online.ts): each
 * epoch streams the training segments, in a fresh seeded order, through the
 * unit one frame at a time with its learning hooks called; validation streams
 * the validation segments with learning frozen, or (prequential) learning on
 * as in training, with the unit's learning state put back afterwards.
 *
 * Nothing is revealed early: the target of the prediction made at step p,
 * frame p + horizon, is handed to learn() when that frame arrives, right after
 * step(x_{p+horizon−1}) and before step(x_{p+horizon}). So every prediction is
 * made before its target was seen, and a unit has never been shown a frame
 * later than the one it is reading.
 *
 * Losses are the backprop trainer's, computed the same way (the same
 * shiftedMse over batches of --batch segments, averaged over batches), so
 * both kinds of unit are compared on one scale. The training loss is the
 * loss of the predictions made while learning (each made before learning
 * from its target); for units that fit in closed form (`passes`), whose
 * predictions during the fitting pass come from the previous fit, it is the
 * loss over the training segments after the fit.
 *
 * A unit method that throws stops training with a one-line UsageError (exit
 * code 3) naming the method, epoch, segment and step and the user's own
 * file:line (unitThrew). The guard is one try/catch per segment, with the
 * method and step being run kept in locals, so the frame loop pays nothing.
 */
import { epochOrder, packBatch, type Segments, type Split } from '../data/dataset.js';
import { Xoshiro128 } from '../data/rng.js';
import { UsageError } from '../errors.js';
import type { Backend } from '../kernels/backend.js';
import type { UnitCost } from '../models/cost.js';
import type { OnlineUnit } from '../models/online.js';
import { unitThrew } from '../models/unit-errors.js';
import type { EvalProtocol, TrainConfig } from '../config/settings.js';
import { shiftedMse } from './loss.js';
import type { TrainingState } from './state.js';
import type { EpochResult } from './trainer.js';

/**
 * How held-out segments are scored: `frozen` streams them with learning off;
 * `prequential` learns on them as in training (predict, score, then learn
 * from the target once it arrives), as continual learners are judged.
 */
export type { EvalProtocol };

/** A pass over segments: training, or validation frozen or prequential. */
type Pass = 'training' | EvalProtocol;

export class OnlineTrainer {
  epoch = 0;
  readonly threads = 1; // a stream is sequential; compare runs units side by side instead
  private readonly order: Int32Array;
  private readonly shuffleRng: Xoshiro128;
  private readonly x: Float32Array; // (batch, T, F)
  private readonly seg: Float32Array; // (batch, T+1, F)
  private readonly out: Float32Array; // (batch, T, F)
  private readonly error: Float32Array; // (F)
  // Views of one frame each, made once so the frame loop allocates nothing: xFrames[b·T + t]
  // and outFrames[b·T + t] are frame t of row b of x and out, segFrames[b·L + t] of seg.
  private readonly xFrames: Float32Array[];
  private readonly segFrames: Float32Array[];
  private readonly outFrames: Float32Array[];
  /** The one LearnSignal object, refilled before each learn() (its arrays are valid only during the call). */
  private readonly signal: { input: Float32Array; prediction: Float32Array; target: Float32Array; error: Float32Array; t: number };

  constructor(
    readonly unit: OnlineUnit,
    readonly label: string,
    readonly segments: Segments,
    readonly split: Split,
    readonly config: TrainConfig,
    readonly backend: Backend,
  ) {
    const { length: L, features: F } = segments;
    this.order = new Int32Array(split.train.length);
    this.shuffleRng = Xoshiro128.fromSeed(config.seed, 'shuffle');
    this.x = new Float32Array(config.batch * (L - 1) * F);
    this.seg = new Float32Array(config.batch * L * F);
    this.out = new Float32Array(config.batch * (L - 1) * F);
    this.error = new Float32Array(F);
    this.checkProtocol(config.eval); // before the first epoch, not after it
    const frames = (a: Float32Array) => Array.from({ length: a.length / F }, (_, i) => a.subarray(i * F, (i + 1) * F));
    this.xFrames = frames(this.x);
    this.segFrames = frames(this.seg);
    this.outFrames = frames(this.out);
    this.signal = { input: this.error, prediction: this.error, target: this.error, error: this.error, t: 0 };
  }

  get params(): Float32Array {
    return this.unit.params;
  }

  /** True once a closed-form unit has made all the passes it needs. */
  get finished(): boolean {
    return this.unit.passes !== undefined && this.epoch >= this.unit.passes;
  }

  /** One pass over the training segments with learning; returns the training loss (see above). */
  trainEpoch(): number {
    epochOrder(this.order, this.split.train, this.shuffleRng);
    const loss = this.pass(this.order, 'training');
    this.guarded('endPass', `epoch ${this.epoch + 1}, after its last segment, training`, () => this.unit.endPass?.());
    this.epoch++;
    return this.unit.passes === undefined ? loss : this.evaluate(this.split.train);
  }

  /**
   * Mean per-batch loss over the validation segments (or `indices`). Frozen:
   * step only. Prequential: each segment is streamed with learning on, as in
   * training (learn with each target as it arrives, endSequence after each
   * segment, no endPass), and the loss is that of the predictions, each made
   * before its target was revealed; then the unit's params and saved state
   * are put back, so evaluating never changes training. A unit that fits in
   * closed form (`passes`) learns only at endPass, which evaluation never
   * calls, so its predictions cannot change: prequential is frozen for it.
   */
  evaluate(indices: Int32Array = this.split.val, protocol: EvalProtocol = this.config.eval): number {
    if (protocol === 'frozen' || this.unit.passes !== undefined) return this.pass(indices, 'frozen');
    this.checkProtocol(protocol);
    const saved = this.learningState();
    try {
      return this.pass(indices, 'prequential');
    } finally {
      this.putBack(saved);
    }
  }

  /**
   * Throws a UsageError (exit code 2) unless the unit can be evaluated by
   * `protocol`: prequential evaluation must put the unit's learning state
   * back, which needs saveState and loadState (closed-form units excepted).
   */
  checkProtocol(protocol: EvalProtocol): void {
    const { unit } = this;
    if (protocol === 'frozen' || unit.passes !== undefined) return;
    if (typeof unit.saveState !== 'function' || typeof unit.loadState !== 'function') {
      throw new UsageError(
        `unit ${this.label}: prequential evaluation learns on the held-out segments and then puts the unit's learning state back, ` +
          'which needs saveState() and loadState() (docs/units.md); add them, or evaluate frozen',
      );
    }
  }

  step(): EpochResult {
    const trainLoss = this.trainEpoch();
    const valLoss = this.evaluate();
    return { epoch: this.epoch, trainLoss, valLoss };
  }

  async close(): Promise<void> {}

  /** A copy of everything the next epoch depends on (resumable if the unit saves its learning state or has none left to keep). */
  snapshot(): TrainingState {
    const { params, arrays } = this.learningState();
    return {
      epoch: this.epoch,
      params,
      shuffle: this.shuffleRng.getState(),
      arrays,
      resumable: this.unit.saveState !== undefined || this.finished,
    };
  }

  /** Copies of the unit's params and saved learning state (a unit's saveState may hand out its live buffers). */
  private learningState(): Pick<TrainingState, 'params' | 'arrays'> {
    const { unit } = this;
    const saved = this.guarded('saveState', `after epoch ${this.epoch}`, () => unit.saveState?.()) ?? {};
    return { params: unit.params.slice(), arrays: Object.fromEntries(Object.entries(saved).map(([k, v]) => [k, v.slice()])) };
  }

  /** The unit's params and learning state as learningState() copied them. */
  private putBack(state: Pick<TrainingState, 'params' | 'arrays'>): void {
    const { unit } = this;
    unit.params.set(state.params);
    this.guarded('loadState', `after prequential evaluation, epoch ${this.epoch}`, () => unit.loadState?.(state.arrays));
  }

  restore(state: TrainingState): void {
    const { unit } = this;
    if (state.params.length !== unit.params.length) {
      throw new UsageError(`the saved training state does not fit unit ${this.label} (${unit.params.length} parameters)`);
    }
    unit.params.set(state.params);
    this.guarded('loadState', `resuming after epoch ${state.epoch}`, () => unit.loadState?.(state.arrays));
    this.shuffleRng.setState(state.shuffle);
    this.epoch = state.epoch;
  }

  /** The unit's own cost report, if it keeps one. */
  cost(): UnitCost | undefined {
    return this.guarded('cost', `after epoch ${this.epoch}`, () => this.unit.cost?.());
  }

  /** `call()`, a call into the unit outside the frame loop, with a throw turned into unitThrew's one-line error. */
  private guarded<R>(method: string, where: string, call: () => R): R {
    try {
      return call();
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw unitThrew(this.label, method, where, err);
    }
  }

  /** Streams the segments `indices` through the unit in batches of --batch; returns the mean per-batch loss. */
  private pass(indices: Int32Array, pass: Pass): number {
    const { config, segments, x, seg, out } = this;
    const T = segments.length - 1;
    const F = segments.features;
    let total = 0;
    let batches = 0;
    for (let start = 0; start < indices.length; start += config.batch) {
      const B = packBatch(x, seg, segments, indices, start, config.batch);
      for (let b = 0; b < B; b++) this.streamSegment(b, indices[start + b], pass);
      total += shiftedMse(out, seg, B, T, F, config.horizon);
      batches++;
    }
    return total / batches;
  }

  /**
   * Row b of the packed batch (segment number `segment`) through the unit,
   * frame by frame. While learning, after step(x_s) frame s + 1 arrives, and
   * with it the target of the prediction made at step p = s + 1 − horizon.
   */
  private streamSegment(b: number, segment: number, pass: Pass): void {
    const { unit, xFrames, segFrames, outFrames, error, signal } = this;
    const { length: L, features: F } = this.segments;
    const T = L - 1;
    const horizon = this.config.horizon;
    const learning = pass !== 'frozen';
    // What is running, for the message if the unit throws: set per call, read only in catch.
    let method: 'reset' | 'step' | 'learn' | 'endSequence' = 'reset';
    let t = 0; // the step being read
    let p = 0; // the step whose prediction is learning
    try {
      unit.reset();
      for (; t < T; t++) {
        const input = xFrames[b * T + t];
        method = 'step';
        const y = unit.step(input);
        const prediction = outFrames[b * T + t];
        if (y.length !== F) this.fail(`step() returned ${y.length} values instead of F = ${F}`, segment, t, pass);
        for (let f = 0; f < F; f++) {
          const v = y[f];
          if (!Number.isFinite(v)) this.diverged(v, segment, t, pass);
          prediction[f] = v;
        }
        p = t + 1 - horizon;
        if (learning && p >= 0) {
          const made = outFrames[b * T + p];
          const target = segFrames[b * L + t + 1]; // frame p + horizon
          for (let f = 0; f < F; f++) error[f] = made[f] - target[f];
          signal.input = xFrames[b * T + p];
          signal.prediction = made;
          signal.target = target;
          signal.t = p;
          method = 'learn';
          unit.learn(signal);
        }
      }
      method = 'endSequence';
      if (learning) unit.endSequence?.();
    } catch (err) {
      if (err instanceof UsageError) throw err; // ours: a wrong size or a NaN, already worded
      const at = method === 'step' ? `, step ${t}` : method === 'learn' ? `, step ${p}` : method === 'endSequence' ? ', after its last step' : '';
      throw unitThrew(this.label, method, `epoch ${this.epochOf(pass)}, segment ${segment}${at}, ${PHASE[pass]}`, err);
    }
  }

  /** The epoch a pass belongs to: training runs epoch this.epoch + 1; validation follows the epoch just trained. */
  private epochOf(pass: Pass): number {
    return pass === 'training' ? this.epoch + 1 : this.epoch;
  }

  private where(segment: number, t: number, pass: Pass): string {
    return `epoch ${this.epochOf(pass)}, segment ${segment}, step ${t}`;
  }

  private fail(what: string, segment: number, t: number, pass: Pass): never {
    throw new UsageError(`unit ${this.label}: ${what} (${this.where(segment, t, pass)})`);
  }

  private diverged(value: number, segment: number, t: number, pass: Pass): never {
    throw new UsageError(
      `unit ${this.label} predicted ${value} (${this.where(segment, t, pass)}, ${PHASE[pass]}); ` +
        `its learning diverged: try a lower --lr`,
      3,
    );
  }
}

/** How messages name a pass. */
const PHASE: { readonly [P in Pass]: string } = {
  training: 'training',
  frozen: 'validation',
  prequential: 'prequential validation',
};
