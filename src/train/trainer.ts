import { epochOrder, packBatch, type Segments, type Split } from '../data/dataset.js';
import { Xoshiro128 } from '../data/rng.js';
import type { SequenceModel } from '../models/model.js';
import { createAdamW, adamwStep, type AdamWState } from './adamw.js';
import type { TrainConfig } from './config.js';
import { shiftedMse, shiftedMseBackward } from './loss.js';

export interface EpochResult {
  epoch: number; // 1-based
  trainLoss: number; // mean of this epoch's per-batch losses
  valLoss: number; // mean of the per-batch validation losses
}

/**
 * The training loop of the reference task: per epoch, a fresh shuffle of the
 * training segments into batches, one AdamW step per batch, then the
 * validation loss in batches of the same size, in split order.
 *
 * Every buffer is allocated here, once; an epoch allocates nothing.
 */
export class Trainer {
  readonly params: Float32Array; // (P) in the model's layout
  readonly grads: Float32Array; // (P)
  readonly optimizer: AdamWState;
  epoch = 0;

  private readonly cache: unknown;
  private readonly x: Float32Array; // (B, T, F) model input, T = L − 1
  private readonly seg: Float32Array; // (B, L, F) whole segments: the targets
  private readonly out: Float32Array; // (B, T, F)
  private readonly dout: Float32Array; // (B, T, F)
  private readonly order: Int32Array; // this epoch's training order
  private readonly shuffleRng: Xoshiro128;
  private readonly T: number;

  constructor(
    readonly model: SequenceModel,
    readonly segments: Segments,
    readonly split: Split,
    readonly config: TrainConfig,
  ) {
    const { length: L, features: F } = segments;
    const B = config.batch;
    this.T = L - 1;
    this.params = new Float32Array(model.layout.size);
    this.grads = new Float32Array(model.layout.size);
    model.init(this.params, Xoshiro128.fromSeed(config.seed, 'init'));
    this.optimizer = createAdamW(model.layout.size, { lr: config.lr, weightDecay: config.weightDecay });
    this.cache = model.createCache(B, this.T);
    this.x = new Float32Array(B * this.T * F);
    this.seg = new Float32Array(B * L * F);
    this.out = new Float32Array(B * this.T * F);
    this.dout = new Float32Array(B * this.T * F);
    this.order = new Int32Array(split.train.length);
    this.shuffleRng = Xoshiro128.fromSeed(config.seed, 'shuffle');
  }

  /** One pass over the training segments; returns the mean per-batch loss. */
  trainEpoch(): number {
    const { model, params, grads, config } = this;
    const F = this.segments.features;
    epochOrder(this.order, this.split.train, this.shuffleRng);
    let total = 0;
    let batches = 0;
    for (let start = 0; start < this.order.length; start += config.batch) {
      const B = packBatch(this.x, this.seg, this.segments, this.order, start, config.batch);
      model.forward(this.out, this.cache, this.x, params, B, this.T);
      total += shiftedMse(this.out, this.seg, B, this.T, F, config.horizon);
      shiftedMseBackward(this.dout, this.out, this.seg, B, this.T, F, config.horizon);
      grads.fill(0);
      model.backward(grads, this.dout, this.cache, params, B, this.T);
      adamwStep(params, grads, this.optimizer);
      batches++;
    }
    this.epoch++;
    return total / batches;
  }

  /** Mean per-batch loss over the validation segments, without learning. */
  evaluate(indices: Int32Array = this.split.val): number {
    const { model, params, config } = this;
    const F = this.segments.features;
    let total = 0;
    let batches = 0;
    for (let start = 0; start < indices.length; start += config.batch) {
      const B = packBatch(this.x, this.seg, this.segments, indices, start, config.batch);
      model.forward(this.out, this.cache, this.x, params, B, this.T);
      total += shiftedMse(this.out, this.seg, B, this.T, F, config.horizon);
      batches++;
    }
    return total / batches;
  }

  /** Trains one epoch and evaluates it. */
  step(): EpochResult {
    const trainLoss = this.trainEpoch();
    const valLoss = this.evaluate();
    return { epoch: this.epoch, trainLoss, valLoss };
  }
}
