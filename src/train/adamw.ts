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
 * Rounding follows PyTorch's CPU kernels, so the results agree to the last
 * bit or nearly: p, m and v are float32 tensors, and every tensor operation
 * rounds its result to float32; the scalars (1 − lr·wd, the bias corrections,
 * the step size) are Python floats, i.e. float64, cast to float32 when a
 * kernel takes them. `fround` marks each of those roundings below.
 *
 * One flat loop over the model's whole parameter buffer: every parameter
 * tensor gets the same update, so the layout does not matter here.
 */

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

/** Optimiser state for a buffer of `size` parameters: zero moments, step 0. */
export function createAdamW(size: number, options: Partial<AdamWOptions> = {}): AdamWState {
  const resolved: AdamWOptions = { ...ADAMW_DEFAULTS, ...options };
  const { lr, betas, eps, weightDecay } = resolved;
  const bad = (what: string, value: unknown) => new RangeError(`AdamW ${what}, got ${String(value)}`);
  if (!(Number.isFinite(lr) && lr >= 0)) throw bad('lr must be a finite number ≥ 0', lr);
  if (!(betas.length === 2 && betas.every((b) => b >= 0 && b < 1))) throw bad('betas must be two numbers in [0, 1)', betas);
  if (!(Number.isFinite(eps) && eps >= 0)) throw bad('eps must be a finite number ≥ 0', eps);
  if (!(Number.isFinite(weightDecay) && weightDecay >= 0)) throw bad('weightDecay must be a finite number ≥ 0', weightDecay);
  return { options: Object.freeze(resolved), m: new Float32Array(size), v: new Float32Array(size), step: 0 };
}

const fround = Math.fround;

/** One AdamW step: params updated in place from grads; m, v and step advance. */
export function adamwStep(params: Float32Array, grads: Float32Array, state: AdamWState): void {
  const { m, v } = state;
  const P = m.length;
  if (params.length !== P || grads.length !== P) {
    throw new RangeError(`AdamW state is for ${P} parameters, got ${params.length} parameters and ${grads.length} gradients`);
  }
  const { lr, betas, eps, weightDecay } = state.options;
  const [beta1, beta2] = betas;
  const t = ++state.step;

  // Python-float scalars, as float32 where a float32 kernel receives them.
  const decay = fround(1 - lr * weightDecay); // param.mul_(1 - lr * weight_decay)
  const b1 = fround(beta1); // exp_avg.mul_(beta1)
  const a1 = fround(1 - beta1); // .add_(grad, alpha=1 - beta1)
  const b2 = fround(beta2); // exp_avg_sq.mul_(beta2)
  const a2 = fround(1 - beta2); // .addcmul_(grad, grad, value=1 - beta2)
  const bc2Sqrt = fround(Math.sqrt(1 - beta2 ** t)); // denom = exp_avg_sq.sqrt() / bias_correction2_sqrt
  const epsF = fround(eps); // .add_(eps)
  const negStep = fround(-(lr / (1 - beta1 ** t))); // param.addcdiv_(exp_avg, denom, value=-step_size)

  for (let i = 0; i < P; i++) {
    const g = grads[i];
    // ATen's vectorised add computes a + alpha·b as one fused multiply-add:
    // the product of two float32 values is exact in float64, so one fround
    // of (g·a1 + β1m) is that single rounding.
    const mi = fround(g * a1 + fround(m[i] * b1));
    // addcmul: self + (value·t1)·t2, rounded at each step.
    const vi = fround(fround(fround(a2 * g) * g) + fround(v[i] * b2));
    m[i] = mi;
    v[i] = vi;
    const denom = fround(fround(fround(Math.sqrt(vi)) / bc2Sqrt) + epsF);
    // addcdiv: self + (value·t1)/t2.
    const p = fround(params[i] * decay);
    params[i] = fround(p + fround(fround(negStep * mi) / denom));
  }
}
