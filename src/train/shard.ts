/**
 * One thread's part of a batch. Data-parallel training splits each batch's
 * rows (segments) across threads; every thread runs the same model on its
 * rows with its own cache and gradient buffer, reading the shared parameters
 * and batch. The loss of each part is a mean over the *whole* batch, so the
 * parts' losses and gradients add up to the batch's.
 */
import type { SequenceModel } from '../models/model.js';
import { thrown, type Thrown } from '../models/unit-errors.js';
import { shiftedMse, shiftedMseBackward } from './loss.js';

export interface Shard {
  readonly model: SequenceModel;
  readonly cache: unknown;
  readonly params: Float32Array; // (P) shared
  readonly grads: Float32Array; // (P) this shard's gradient
  readonly x: Float32Array; // (maxB, T, F) shared batch input
  readonly seg: Float32Array; // (maxB, T+1, F) shared batch segments
  readonly out: Float32Array; // (rows, T, F) this shard's output
  readonly dout: Float32Array; // (rows, T, F)
  readonly T: number;
  readonly F: number;
  readonly horizon: number;
  /** Views of x and seg from a row on, made once per row. */
  readonly rowViews: Map<number, { x: Float32Array; seg: Float32Array }>;
}

/**
 * A unit method threw while computing rows [start, end) of a batch (or, with
 * method 'factory' or 'createCache', while a training thread built its copy).
 * Plain data, so a worker thread can send it back; the trainer, which knows
 * the epoch and the batch's segments, turns it into the user's message.
 */
export class UnitCallError extends Error {
  constructor(
    readonly method: 'factory' | 'createCache' | 'forward' | 'backward',
    readonly start: number,
    readonly end: number,
    readonly thrown: Thrown,
  ) {
    super(`unit threw in ${method}: ${thrown.message}`);
    this.name = 'UnitCallError';
  }
}

/** Rows [start, end) of a B-row batch that part k of n takes: as even as can be, in order. */
export function shardRows(k: number, n: number, B: number): [number, number] {
  return [Math.floor((k * B) / n), Math.floor(((k + 1) * B) / n)];
}

/**
 * Loss of rows [start, end) of the batch, as a share of the mean over all B
 * rows; with `withGrad`, its gradient is written to shard.grads (overwritten).
 * A throw in the unit's forward or backward becomes a UnitCallError.
 */
export function runShard(s: Shard, start: number, end: number, B: number, withGrad: boolean): number {
  const count = end - start;
  if (withGrad) s.grads.fill(0);
  if (count === 0) return 0;
  const { T, F } = s;
  let rows = s.rowViews.get(start);
  if (!rows) {
    rows = { x: s.x.subarray(start * T * F), seg: s.seg.subarray(start * (T + 1) * F) };
    s.rowViews.set(start, rows);
  }
  let method: 'forward' | 'backward' = 'forward'; // for the error, if the unit throws
  try {
    s.model.forward(s.out, s.cache, rows.x, s.params, count, T);
    const loss = shiftedMse(s.out, rows.seg, count, T, F, s.horizon, B);
    if (withGrad) {
      shiftedMseBackward(s.dout, s.out, rows.seg, count, T, F, s.horizon, B);
      method = 'backward';
      s.model.backward(s.grads, s.dout, s.cache, s.params, count, T);
    }
    return loss;
  } catch (err) {
    throw new UnitCallError(method, start, end, thrown(err));
  }
}
