// Kernels of the transformer: attention, layer norm, GELU, the feed-forward.
// The contract (shapes, what is overwritten, what is accumulated) is written once here, on
// the interface; plain-transformer.ts is the TypeScript reference, wasm-transformer.ts wraps
// assembly/transformer.ts. Conventions: see the head of ../backend.ts.

import { checkLength, checkSizes } from '../backend.js';

/**
 * Query rows per block of the attention triangle. A block of rows [r0, r1) has scores against
 * keys [0, r1) only, so attention computes T²/2 + T·ATT_ROWS/2 scores instead of T²; smaller
 * blocks waste less of the diagonal, larger ones add fewer partial sums into ∂k and ∂v.
 * assembly/transformer.ts has the same constant (the wasm wrapper checks that they agree).
 */
export const ATT_ROWS = 32;

/** Floats that one head of one sequence keeps in attention's probs: its row blocks one after
 *  another, block [r0, r1) as an (r1 − r0) × r1 row-major matrix, ≈ T²/2 + T·ATT_ROWS/2. */
export function attentionProbsSize(T: number): number {
  let n = 0;
  for (let r0 = 0; r0 < T; r0 += ATT_ROWS) {
    const r1 = Math.min(T, r0 + ATT_ROWS);
    n += (r1 - r0) * r1;
  }
  return n;
}

export interface TransformerKernels {
  /** LayerNorm over rows: u (N,W) = (x − mean)·rstd·γ + β with the row's mean (N) and
   *  rstd (N) = 1/√(var + eps), var the population variance; mean and rstd are kept for
   *  backward. x (N,W), gamma (W), beta (W). */
  layerNormForward(u: Float32Array, mean: Float32Array, rstd: Float32Array, x: Float32Array,
    gamma: Float32Array, beta: Float32Array, N: number, W: number, eps: number): void;

  /** LayerNorm's backward, with x̂ = (x − mean)·rstd and dx̂ = du·γ, accumulating:
   *    dx (N,W) += rstd·(dx̂ − mean_row(dx̂) − x̂·mean_row(dx̂·x̂)),
   *    dgamma (W) += Σ_rows du·x̂,   dbeta (W) += Σ_rows du.
   *  du (N,W) is ∂loss/∂u; x, mean, rstd, gamma as in layerNormForward. */
  layerNormBackward(dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, du: Float32Array, x: Float32Array,
    mean: Float32Array, rstd: Float32Array, gamma: Float32Array, N: number, W: number): void;

  /** g (n) = GELU(a (n)) = a·Φ(a), the exact (erf) form, elementwise; g may be a. The wasm
   *  kernel computes erfc in float32 by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7). */
  geluForward(g: Float32Array, a: Float32Array, n: number): void;

  /** da (n) = dg (n) · GELU′(a (n)) = dg·(Φ(a) + a·φ(a)) elementwise; da may be dg. */
  geluBackward(da: Float32Array, dg: Float32Array, a: Float32Array, n: number): void;

  /** out (R,N) = (out + bias) + res[r mod P] on every row r, in that order (PyTorch's: the
   *  product, its bias, then the residual): res (P,N) is a residual (P = R) or a table repeated
   *  every P rows (the positions, P = T). out may not overlap res. */
  addBiasResidual(out: Float32Array, bias: Float32Array, res: Float32Array, R: number, N: number, P: number): void;

  /** Causal multi-head self-attention of B sequences of T steps with `heads` heads of
   *  D = W/heads columns. qkv (B·T, 3W) holds [q k v] of every frame; head h uses columns
   *  [hD, hD + D) of each. Per sequence and head, for every step t:
   *    p_t,u = softmax over u ≤ t of scale·q_t·k_u  (0 for u > t),   c_t = Σ_u≤t p_t,u v_u,
   *  and ctx (B·T, W) = c in head h's columns (overwritten). probs (B·heads·attentionProbsSize(T))
   *  = p, for attentionBackward: per (sequence, head) its row blocks of ATT_ROWS query rows
   *  (see attentionProbsSize). scale > 0 (1/√D). A NaN or ±Inf in some v_u also reaches the
   *  earlier steps of u's row block (their p_t,u = 0 is multiplied, not skipped), as the
   *  blocked general matmuls did before; finite inputs never cross the causal mask. */
  attentionForward(ctx: Float32Array, probs: Float32Array, qkv: Float32Array, B: number, T: number, W: number,
    heads: number, scale: number): void;

  /** The backward of attentionForward (same probs, qkv, sizes): dqkv (B·T, 3W) = ∂loss/∂[q k v]
   *  (overwritten) from dctx (B·T, W) = ∂loss/∂ctx:
   *    ∂p_t,u = dc_t·v_u;  ∂s_t,u = scale·p_t,u·(∂p_t,u − Σ_u' p_t,u' ∂p_t,u');
   *    dq_t = Σ_u ∂s_t,u k_u;  dk_u = Σ_t ∂s_t,u q_t;  dv_u = Σ_t p_t,u dc_t. */
  attentionBackward(dqkv: Float32Array, dctx: Float32Array, probs: Float32Array, qkv: Float32Array, B: number, T: number,
    W: number, heads: number, scale: number): void;
}

// Argument checks shared by both implementations, so a bad call fails the same on either.

export function checkLayerNorm(kernel: string, rows: Record<string, Float32Array>, stats: Record<string, Float32Array>,
  params: Record<string, Float32Array>, N: number, W: number): void {
  checkSizes(kernel, { N, W });
  for (const [name, a] of Object.entries(rows)) checkLength(kernel, name, a, N * W);
  for (const [name, a] of Object.entries(stats)) checkLength(kernel, name, a, N);
  for (const [name, a] of Object.entries(params)) checkLength(kernel, name, a, W);
}

export function checkElementwise(kernel: string, arrays: Record<string, Float32Array>, n: number): void {
  checkSizes(kernel, { n });
  for (const [name, a] of Object.entries(arrays)) checkLength(kernel, name, a, n);
}

export function checkAddBiasResidual(out: Float32Array, bias: Float32Array, res: Float32Array, R: number, N: number, P: number): void {
  checkSizes('addBiasResidual', { R, N, P });
  if (P < 1) throw new RangeError(`addBiasResidual: P must be at least 1, got ${P}`);
  checkLength('addBiasResidual', 'out', out, R * N);
  checkLength('addBiasResidual', 'bias', bias, N);
  checkLength('addBiasResidual', 'res', res, Math.min(P, R) * N);
}

export function checkAttention(kernel: string, rows: Record<string, Float32Array>, probs: Float32Array, qkv: Float32Array,
  B: number, T: number, W: number, heads: number, scale: number): void {
  checkSizes(kernel, { B, T, W, heads });
  if (!(heads >= 1 && W % heads === 0)) throw new RangeError(`${kernel}: heads (${heads}) must be at least 1 and divide W (${W})`);
  if (!(scale > 0 && scale < Infinity)) throw new RangeError(`${kernel}: scale must be positive and finite, got ${scale}`);
  for (const [name, a] of Object.entries(rows)) checkLength(kernel, name, a, B * T * W);
  checkLength(kernel, 'probs', probs, B * heads * attentionProbsSize(T));
  checkLength(kernel, 'qkv', qkv, B * T * 3 * W);
}
