/**
 * AdamW (Loshchilov & Hutter), step for step as PyTorch 1.13's
 * `torch.optim.AdamW` (`_single_tensor_adamw`, no amsgrad) computes it:
 *
 *   t ← t + 1
 *   p ← p · (1 − lr·wd)                       decoupled weight decay
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   p ← p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)
 *
 * The optimiser's state and settings live here; the per-element update is a
 * kernel (`Backend.adamw`: plain TypeScript or wasm SIMD, bit-identical),
 * one flat loop over the model's whole parameter buffer. p, m and v are
 * float32 and every element operation rounds to float32, as PyTorch's CPU
 * kernels do; the scalars are float64, rounded once.
 */
import type { Backend } from '../kernels/backend.js';

export interface AdamWOptions {
  /** Learning rate. PyTorch's default, and the original script's: 1e-3. */
  lr: number;
  /** Decay rates of the moment estimates m and v: [0.9, 0.999]. */
  betas: readonly [number, number];
  /** Added to the bias-corrected √v, for stability: 1e-8. */
  eps: number;
  /** Decoupled weight decay, p ← p·(1 − lr·weightDecay) each step: 0.01 (AdamW's default). */
  weightDecay: number;
}

export const ADAMW_DEFAULTS: Readonly<AdamWOptions> = Object.freeze({
  lr: 1e-3,
  betas: [0.9, 0.999] as const,
  eps: 1e-8,
  weightDecay: 0.01,
});

export interface AdamWState {
  readonly options: Readonly<AdamWOptions>;
  readonly m: Float32Array; // (P) first moment, PyTorch's exp_avg
  readonly v: Float32Array; // (P) second moment, PyTorch's exp_avg_sq
  /** Steps taken so far (PyTorch's state['step']). */
  step: number;
}

/** Optimiser state for a buffer of `size` parameters: zero moments (in the backend's memory), step 0. */
export function createAdamW(size: number, options: Partial<AdamWOptions>, be: Backend): AdamWState {
  const resolved: AdamWOptions = { ...ADAMW_DEFAULTS, ...options };
  const { lr, betas, eps, weightDecay } = resolved;
  const bad = (what: string, value: unknown) => new RangeError(`AdamW ${what}, got ${String(value)}`);
  if (!(Number.isFinite(lr) && lr >= 0)) throw bad('lr must be a finite number ≥ 0', lr);
  if (!(betas.length === 2 && betas.every((b) => b >= 0 && b < 1))) throw bad('betas must be two numbers in [0, 1)', betas);
  if (!(Number.isFinite(eps) && eps >= 0)) throw bad('eps must be a finite number ≥ 0', eps);
  if (!(Number.isFinite(weightDecay) && weightDecay >= 0)) throw bad('weightDecay must be a finite number ≥ 0', weightDecay);
  return { options: Object.freeze(resolved), m: be.alloc(size), v: be.alloc(size), step: 0 };
}

/** One AdamW step: params updated in place from grads; m, v and step advance. */
export function adamwStep(params: Float32Array, grads: Float32Array, state: AdamWState, be: Backend): void {
  const P = state.m.length;
  if (params.length !== P || grads.length !== P) {
    throw new RangeError(`AdamW state is for ${P} parameters, got ${params.length} parameters and ${grads.length} gradients`);
  }
  const { lr, betas, eps, weightDecay } = state.options;
  state.step++;
  be.adamw(params, grads, state.m, state.v, P, { lr, beta1: betas[0], beta2: betas[1], eps, weightDecay, step: state.step });
}
