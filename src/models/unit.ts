/**
 * A predictor unit is either kind of model audiopred trains: a SequenceModel
 * (trained by backprop: audiopred runs BPTT, AdamW, batches and threads) or
 * an OnlineUnit (learns by its own rule while audiopred streams frames
 * through it). Built-in models and user modules (see docs/units.md) are made
 * the same way: a factory called with a UnitContext.
 */
import type { Rng } from '../data/rng.js';
import type { Backend } from '../kernels/backend.js';
import type { SequenceModel } from './model.js';
import type { OnlineUnit } from './online.js';

export type PredictorUnit = SequenceModel | OnlineUnit;

/** Everything a factory may size or seed a unit by. */
export interface UnitContext {
  /** F: features per frame, in and out (12 MFCCs by default). */
  readonly features: number;
  /** --hidden: hidden units, reservoir size or width; units without one ignore it. */
  readonly hidden: number;
  /** T: the longest sequence forward or step loops will see. */
  readonly steps: number;
  /** --horizon: a prediction at step t is scored against frame t + horizon. */
  readonly horizon: number;
  /** --lr: the learning rate, for units that have one (AdamW's for backprop units). */
  readonly lr: number;
  /** Unit-specific settings from `--opt key=value` (strings; the unit parses and checks them). */
  readonly options: Readonly<Record<string, string>>;
  /** A seeded stream of its own, for fixed random structure (e.g. a reservoir). Backprop units' weights come from init. */
  readonly rng: Rng;
  /** Kernels and the memory they work in (allocate parameter-sized buffers with backend.alloc). */
  readonly backend: Backend;
}

export type UnitFactory = (context: UnitContext) => PredictorUnit;

export function isOnline(unit: PredictorUnit): unit is OnlineUnit {
  return unit.kind === 'online';
}
