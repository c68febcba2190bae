// The one narrow kernel interface. Both implementations, the plain TypeScript reference
// (plain.ts) and the wasm SIMD one (wasm.ts), implement exactly this, and the models use
// nothing else for their heavy loops.
//
// Conventions for every kernel:
// - All arrays are row-major float32; shapes are given as (rows, cols) or (B, T, H) with the
//   last index fastest. Sequences are batch-major: x[(b*T + t)*F + f].
// - Sizes are element counts. An array may be longer than its shape needs (only the first
//   part is used), never shorter: that is a RangeError.
// - Outputs come first. "=" overwrites, "+=" adds into what is there; a kernel documented as
//   "=" never reads its output first, so garbage (even NaN) in it does not leak through.
// - Outputs must not overlap inputs unless a kernel says so.
// - With the wasm backend, every array must live in wasm memory: get it from `alloc` (or a
//   `subarray` of something `alloc` returned).

import type { GateKernels } from './families/gates.js';
import type { OnlineKernels } from './families/online.js';
import type { TransformerKernels } from './families/transformer.js';

export type BackendName = 'plain' | 'wasm-simd';

/** Scalars of one AdamW step (PyTorch names and defaults in comments). */
export interface AdamWStep {
  lr: number;          // learning rate
  beta1: number;       // 0.9
  beta2: number;       // 0.999
  eps: number;         // 1e-8
  weightDecay: number; // 0.01
  step: number;        // 1 for the first step (bias corrections use beta^step)
}

/** The unit-specific kernel families, each in its own file under families/. */
export interface Backend extends GateKernels, TransformerKernels, OnlineKernels {
  readonly name: BackendName;

  /** A zeroed float32 buffer of n values that this backend's kernels can reach (wasm memory
   *  for wasm; 64-byte aligned there). Buffers are never freed: allocate once, reuse. */
  alloc(n: number): Float32Array;

  /** C (M,N) = (accumulate ? C : 0) + A (M,K) · B (N,K)ᵀ.
   *  Linear forward y = x·Wᵀ with W in PyTorch's [out, in] layout. */
  matmulABt(C: Float32Array, A: Float32Array, B: Float32Array, M: number, N: number, K: number, accumulate: boolean): void;

  /** C (M,N) = (accumulate ? C : 0) + A (M,K) · B (K,N).
   *  Linear backward to the inputs: dx = dy·W. */
  matmulAB(C: Float32Array, A: Float32Array, B: Float32Array, M: number, N: number, K: number, accumulate: boolean): void;

  /** C (M,N) = (accumulate ? C : 0) + A (K,M)ᵀ · B (K,N).
   *  Weight gradients summed over all K = B·T rows at once: dW += dyᵀ·x. */
  matmulAtB(C: Float32Array, A: Float32Array, B: Float32Array, M: number, N: number, K: number, accumulate: boolean): void;

  /** out (R,N) += bias (N) on every row. */
  addBias(out: Float32Array, bias: Float32Array, R: number, N: number): void;

  /** dbias (N) += column sums of d (R,N). */
  sumRows(dbias: Float32Array, d: Float32Array, R: number, N: number): void;

  /** out (n) = tanh(x (n)) elementwise; out may be x. NaN stays NaN, ±Inf gives ±1. */
  tanh(out: Float32Array, x: Float32Array, n: number): void;

  /** The tanh RNN's recurrence over all T steps (the input projection is already in pre):
   *  h (B,T,H) = for t = 0..T-1: h_t = tanh(pre_t + h_{t-1} · W_hhᵀ), with h_{-1} = 0.
   *  pre (B,T,H) = x·W_ihᵀ + b_ih + b_hh; Whh (H,H) in PyTorch's [out, in] layout. */
  rnnTanhForward(h: Float32Array, pre: Float32Array, Whh: Float32Array, B: number, T: number, H: number): void;

  /** Backpropagation through the recurrence:
   *  dpre (B,T,H) = for t = T-1..0: dpre_t = (dh_t + dpre_{t+1} · W_hh) ⊙ (1 − h_t²), dpre_T = 0.
   *  dh (B,T,H) is the gradient reaching h from above (e.g. dy·W_fc); h (B,T,H) is the
   *  forward output. The weight gradients follow from dpre with the matmuls:
   *  dW_hh += Σ_t dpre_tᵀ·h_{t-1} (per sequence: matmulAtB over rows t = 1..T-1),
   *  dW_ih += dpreᵀ·x, db += sumRows(dpre). */
  rnnTanhBackward(dpre: Float32Array, dh: Float32Array, h: Float32Array, Whh: Float32Array, B: number, T: number, H: number): void;

  /** Causal softmax of R rows of a score matrix, in place: p (R,N) row i holds the scores of
   *  query r0+i against keys 0..N-1 and sees keys u ≤ r0+i only. Row i becomes
   *    p[i,u] = exp(scale·(p[i,u] − m)) / Σ_{u' ≤ r0+i} exp(scale·(p[i,u'] − m))  for u ≤ r0+i,
   *    p[i,u] = 0                                                                for u > r0+i,
   *  with m the largest score the row sees and scale > 0 (attention's 1/√d). Scores above the
   *  diagonal are never read. A NaN or +Inf among the scores a row sees makes the row NaN; a
   *  score of −Inf gets probability 0. */
  causalSoftmax(p: Float32Array, R: number, N: number, r0: number, scale: number): void;

  /** Backward of causalSoftmax, in place: ds (R,N) holds ∂loss/∂p on entry and ∂loss/∂scores
   *  on return, with p (R,N) causalSoftmax's output (same R, N, r0, scale):
   *    ds[i,u] = scale·p[i,u]·(ds[i,u] − Σ_{u' ≤ r0+i} p[i,u']·ds[i,u'])  for u ≤ r0+i,
   *    ds[i,u] = 0                                                     for u > r0+i
   *  (what ds held above the diagonal is never read). */
  causalSoftmaxBackward(ds: Float32Array, p: Float32Array, R: number, N: number, r0: number, scale: number): void;

  /** One AdamW step over the first n values, PyTorch 1.13 `_single_tensor_adamw`:
   *    param *= 1 − lr·wd;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;
   *    param −= (lr / (1 − β1^step)) · m / (sqrt(v) / sqrt(1 − β2^step) + eps).
   *  param, m, v are updated in place. Scalars are computed in float64 and rounded to
   *  float32 once; every element operation is a float32 operation, so both backends agree
   *  bit for bit (see adamwScalars). */
  adamw(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number, s: AdamWStep): void;
}

/** The float32 scalars both AdamW implementations use, derived once per step in float64. */
export interface AdamWScalars {
  decay: number;       // f32(1 − lr·wd)
  beta1: number;       // f32(β1)
  omb1: number;        // f32(1 − β1)
  beta2: number;       // f32(β2)
  omb2: number;        // f32(1 − β2)
  negStepSize: number; // f32(−lr / (1 − β1^step))
  bc2sqrt: number;     // f32(sqrt(1 − β2^step))
  eps: number;         // f32(eps)
}

export function adamwScalars(s: AdamWStep): AdamWScalars {
  if (!(Number.isInteger(s.step) && s.step >= 1)) {
    throw new RangeError(`adamw: step must be an integer >= 1, got ${s.step}`);
  }
  const f = Math.fround;
  return {
    decay: f(1 - s.lr * s.weightDecay),
    beta1: f(s.beta1),
    omb1: f(1 - s.beta1),
    beta2: f(s.beta2),
    omb2: f(1 - s.beta2),
    negStepSize: f(-s.lr / (1 - Math.pow(s.beta1, s.step))),
    bc2sqrt: f(Math.sqrt(1 - Math.pow(s.beta2, s.step))),
    eps: f(s.eps),
  };
}

// Argument checks shared by both backends, so that a bad call fails the same way on either
// (the wasm kernels take raw pointers and would otherwise read or write out of bounds).

export function checkMatmul(kernel: 'matmulABt' | 'matmulAB' | 'matmulAtB', C: Float32Array, A: Float32Array,
  B: Float32Array, M: number, N: number, K: number): void {
  checkSizes(kernel, { M, N, K });
  checkLength(kernel, 'C', C, M * N);
  checkLength(kernel, 'A', A, M * K);
  checkLength(kernel, 'B', B, N * K);
}

export function checkRows(kernel: 'addBias' | 'sumRows', rows: Float32Array, vec: Float32Array, R: number, N: number): void {
  checkSizes(kernel, { R, N });
  checkLength(kernel, kernel === 'addBias' ? 'out' : 'd', rows, R * N);
  checkLength(kernel, kernel === 'addBias' ? 'bias' : 'dbias', vec, N);
}

export function checkRnn(kernel: 'rnnTanhForward' | 'rnnTanhBackward', arrays: Record<string, Float32Array>,
  Whh: Float32Array, B: number, T: number, H: number): void {
  checkSizes(kernel, { B, T, H });
  for (const [name, a] of Object.entries(arrays)) checkLength(kernel, name, a, B * T * H);
  checkLength(kernel, 'Whh', Whh, H * H);
}

export function checkSoftmax(kernel: 'causalSoftmax' | 'causalSoftmaxBackward', arrays: Record<string, Float32Array>,
  R: number, N: number, r0: number, scale: number): void {
  checkSizes(kernel, { R, N, r0 });
  for (const [name, a] of Object.entries(arrays)) checkLength(kernel, name, a, R * N);
  if (!(scale > 0 && scale < Infinity)) throw new RangeError(`${kernel}: scale must be positive and finite, got ${scale}`);
}

export function checkAdamw(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number): void {
  checkSizes('adamw', { n });
  checkLength('adamw', 'param', param, n);
  checkLength('adamw', 'grad', grad, n);
  checkLength('adamw', 'm', m, n);
  checkLength('adamw', 'v', v, n);
}

/** Throws unless every size is a non-negative integer. */
export function checkSizes(kernel: string, sizes: Record<string, number>): void {
  for (const [name, value] of Object.entries(sizes)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`${kernel}: ${name} must be a non-negative integer, got ${value}`);
    }
  }
}

/** Throws unless `array` holds at least `need` values. */
export function checkLength(kernel: string, name: string, array: Float32Array, need: number): void {
  if (!(array instanceof Float32Array)) {
    throw new TypeError(`${kernel}: ${name} must be a Float32Array`);
  }
  if (array.length < need) {
    throw new RangeError(`${kernel}: ${name} has ${array.length} values, needs ${need}`);
  }
}
