import type { ParamLayout } from './params.js';
import type { UnitCost } from './cost.js';

/**
 * What a learning unit is told when the target of one of its predictions
 * arrives: for the prediction made at step t, after step(x_{t+horizon−1}) (see
 * OnlineUnit). With horizon 1 that is right after step t; with horizon h the
 * unit has read h − 1 more frames since. The arrays are audiopred's buffers,
 * valid only during the call: copy what you keep.
 */
export interface LearnSignal {
  /** The frame the prediction was made from, x_t (F). */
  readonly input: Float32Array;
  /** What step(x_t) returned: the prediction of frame t + horizon (F). */
  readonly prediction: Float32Array;
  /** The frame it should have predicted, x_{t+horizon}, which has just arrived (F). */
  readonly target: Float32Array;
  /** prediction − target (F): the gradient of ½‖error‖² with respect to the prediction. */
  readonly error: Float32Array;
  /** The step the prediction was made at, within the segment, from 0. */
  readonly t: number;
}

/**
 * A predictor unit that learns online or by a local rule: audiopred streams
 * each training segment through it one frame at a time, and it updates itself
 * from the signals it is given. No gradients come from outside.
 *
 * Per training pass (epoch), for each training segment in a fresh seeded order:
 *
 *   reset(); for s = 0 … T−1: step(x_s); then, with p = s + 1 − h ≥ 0,
 *   learn({ t: p, input x_p, prediction of step p, target x_{s+1} = x_{p+h} });
 *   endSequence?()
 *
 * and endPass?() after the last segment. A target is revealed when its frame
 * arrives, just before that frame is the next input: a unit never sees a frame
 * ahead of the one it reads. With horizon h, learn for step p comes h − 1
 * steps after step p, so a unit that learns from its state at step p must
 * keep the last h steps' state (e.g. a ring indexed by t mod h). Validation
 * runs the same loop with learning frozen: step only, no
 * learn/endSequence/endPass (or, prequential, with learn and endSequence and
 * the learning state put back afterwards through saveState/loadState). So
 * step must not learn; everything that changes weights belongs in the
 * learning hooks.
 */
export interface OnlineUnit {
  readonly kind: 'online';
  /** Shown in tables and errors, e.g. `esn`. */
  readonly name: string;
  /** Features per frame, in and out. */
  readonly features: number;
  /**
   * The unit's stored numbers (weights, fixed or learnt), as named shapes
   * over `params`: counted by the cost metrics and saved in checkpoints.
   */
  readonly layout: ParamLayout;
  readonly params: Float32Array;
  /** How many of layout's values learning changes (the rest are fixed, e.g. a reservoir). */
  readonly trainableCount?: number;
  /** Floats of per-sequence state (e.g. hidden activity), for the memory footprint. */
  readonly stateSize?: number;
  /**
   * Learning is complete after this many passes (a closed-form fit needs
   * one): training stops there instead of repeating it. Omit for units that
   * keep improving with more passes.
   */
  readonly passes?: number;

  /** Forget the sequence state before a new segment (not the learnt weights). */
  reset(): void;
  /** Read frame x_t (F values) and return the prediction of frame t + horizon (F values). */
  step(x: Float32Array): ArrayLike<number>;
  /** Learn from the prediction made at step signal.t, whose target has just arrived (training only). */
  learn(signal: LearnSignal): void;
  /** After each training segment, e.g. to apply an accumulated update. */
  endSequence?(): void;
  /** After each training pass, e.g. to solve a closed-form fit from statistics gathered by learn. */
  endPass?(): void;
  /** Cost per predicted frame, measured over the steps since the last call if the unit tracks activity. */
  cost?(): UnitCost;
  /**
   * Learning state kept outside `params` (optimiser moments, an RLS inverse
   * correlation matrix, …) as named copies, for checkpoints; loadState puts
   * it back so a resumed run continues exactly. Units that keep learning
   * with more passes need both to be resumable.
   */
  saveState?(): Record<string, Float32Array | Float64Array>;
  loadState?(state: Record<string, Float32Array | Float64Array>): void;
}
