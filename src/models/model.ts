import type { Rng } from '../data/rng.js';
import type { UnitCost } from './cost.js';
import type { ParamLayout } from './params.js';

/**
 * A sequence model trained by backpropagation through time.
 *
 * Shapes use B (batch), T (time steps), F (features per frame). All tensors
 * are flat Float32Arrays, batch-major and row-major: x[(b*T + t)*F + f].
 *
 * forward fills `cache` with what backward needs; backward only *adds* into
 * `dparams` (the trainer zeroes it once per step). A cache is made once for
 * the largest batch and reused, so no step allocates.
 */
export interface SequenceModel<Cache = unknown> {
  readonly kind: 'backprop';
  /** Registry name, e.g. `rnn`. */
  readonly name: string;
  /** Parameter names and shapes, as PyTorch's state_dict has them. */
  readonly layout: ParamLayout;
  /** Features per frame, in and out. */
  readonly features: number;
  /** Floats of state a sequence carries from frame to frame when predicting one frame at a time (memory footprint). */
  readonly stateSize?: number;
  /** Fill `params` (layout.size values) with the model's initial values, PyTorch's scheme. */
  init(params: Float32Array, rng: Rng): void;
  /** Working memory for forward and backward over up to `maxB` sequences of `maxT` steps. */
  createCache(maxB: number, maxT: number): Cache;
  /** out (B, T, F) ← model(x (B, T, F)). */
  forward(out: Float32Array, cache: Cache, x: Float32Array, params: Float32Array, B: number, T: number): void;
  /** dparams += ∂loss/∂params, given dout (B, T, F) = ∂loss/∂out and the cache of the last forward. */
  backward(dparams: Float32Array, dout: Float32Array, cache: Cache, params: Float32Array, B: number, T: number): void;
  /** Cost per predicted frame; activity-based figures from the cache of the last forward over B × T. */
  cost?(cache: Cache, B: number, T: number): UnitCost;
}
