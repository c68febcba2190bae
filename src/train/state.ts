import type { RngState } from '../data/rng.js';

/** Arrays a unit or optimiser keeps between steps, by name. */
export type StateArrays = Record<string, Float32Array | Float64Array>;

/**
 * Everything a trainer needs to continue exactly where it stopped: after
 * restoring it, the next epoch computes what it would have without the stop.
 */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  /** The unit's parameters (its layout). */
  params: Float32Array;
  /** The batch-order stream. */
  shuffle: RngState;
  /** Optimiser moments and step count (backprop units) or the unit's own saved state (online units). */
  arrays: StateArrays;
  /** AdamW's step count (backprop units). */
  optimizerStep?: number;
  /**
   * False for an online unit that keeps learning state it does not save
   * (no saveState): its parameters can be saved, but a resumed run would not
   * continue exactly, so it cannot be resumed.
   */
  resumable: boolean;
}
