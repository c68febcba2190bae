/**
 * A small causal pre-norm transformer decoder, the fixture's TransformerModel:
 * nn.Linear(F, W) plus learned positions, L × nn.TransformerEncoderLayer(W,
 * heads, dim_feedforward=2W, dropout=0, activation='gelu', batch_first=True,
 * norm_first=True) under a causal mask, a final LayerNorm and nn.Linear(W, F):
 *
 *   h = x W_inᵀ + b_in + pos[t]                          (W)    inp, pos[:T]
 *   for each layer l:
 *     u = LN1(h)                                          (W)    layers.l.norm1
 *     [q k v] = u W_qkvᵀ + b_qkv                          (3W)   self_attn.in_proj_*
 *     per head (head dim D = W/heads), per step t:
 *       p_t = softmax_u≤t(q_t·k_u / √D),  c_t = Σ_u≤t p_tu v_u
 *     h = h + c W_oᵀ + b_o                                (W)    self_attn.out_proj
 *     a = LN2(h) W_1ᵀ + b_1                               (2W)   layers.l.norm2, linear1
 *     h = h + GELU(a) W_2ᵀ + b_2                          (W)    linear2 (exact erf GELU)
 *   y = LN(h) W_outᵀ + b_out                              (F)    norm, out
 *
 * LayerNorm: (x − mean) / √(var + 1e-5) · γ + β with the population variance.
 *
 * Every Linear runs on the kernel backend over all N = B·T frames at once. So
 * does attention, one sequence and head at a time: q, k, v of the head are
 * gathered into contiguous (T, D) blocks and the T×T triangle of scores is cut
 * into blocks of ATT_ROWS query rows; rows [r0, r1) only see keys [0, r1), so
 * each block is one (r1 − r0) × r1 product, and the kernels skip (nearly) all
 * of the masked upper triangle; the causal softmax between the products is a
 * kernel too (causalSoftmax). Forward keeps, per layer, the residual stream, the
 * LayerNorm statistics, q k v, the attention probabilities and the GELU input;
 * backward recomputes nothing but the normalised LayerNorm inputs.
 */
import { hiddenCost } from './cost.js';
import type { Rng } from '../data/rng.js';
import type { Backend } from '../kernels/backend.js';
import { checkShapes, memoViews } from './buffers.js';
import { gelu, geluGrad } from './gelu.js';
import { linearBackward, linearForward } from './dense.js';
import type { SequenceModel } from './model.js';
import { layoutParams, paramViews, type ParamLayout, type ParamSpec } from './params.js';

export interface TransformerConfig {
  /** F: features per frame, in and out. */
  features: number;
  /** W: width of the residual stream (d_model); the feed-forward layer has 2W units. */
  width: number;
  /** Attention heads; must divide W (head dim W/heads). */
  heads: number;
  /** Number of encoder layers. */
  layers: number;
  /** Rows of the learned position table: the longest sequence the model takes. */
  maxLen: number;
}

/** nn.LayerNorm's eps. */
const LN_EPS = 1e-5;

/**
 * Query rows per block of the attention triangle. A block of rows [r0, r1) has
 * scores against keys [0, r1) only, so the products compute T²/2 + T·ATT_ROWS/2
 * scores instead of T²; smaller blocks waste less of the diagonal but make more,
 * shorter kernel calls.
 */
const ATT_ROWS = 64;

/** Values one head of one sequence keeps in probs: its row blocks, (r1 − r0) × r1 each. */
function blockedTriangleSize(T: number): number {
  let n = 0;
  for (let r0 = 0; r0 < T; r0 += ATT_ROWS) {
    const r1 = Math.min(T, r0 + ATT_ROWS);
    n += (r1 - r0) * r1;
  }
  return n;
}

/** Named views of one layer's parameters (or gradients). */
interface LayerParams {
  Wqkv: Float32Array; // (3W, W) self_attn.in_proj_weight: q, k, v stacked
  bqkv: Float32Array; // (3W)    self_attn.in_proj_bias
  Wo: Float32Array; // (W, W)  self_attn.out_proj.weight
  bo: Float32Array; // (W)     self_attn.out_proj.bias
  W1: Float32Array; // (2W, W) linear1.weight
  b1: Float32Array; // (2W)    linear1.bias
  W2: Float32Array; // (W, 2W) linear2.weight
  b2: Float32Array; // (W)     linear2.bias
  g1: Float32Array; // (W)     norm1.weight
  be1: Float32Array; // (W)    norm1.bias
  g2: Float32Array; // (W)     norm2.weight
  be2: Float32Array; // (W)    norm2.bias
}

/** Named views of a parameter or gradient buffer. */
interface TransformerParams {
  pos: Float32Array; // (maxLen, W) pos
  Win: Float32Array; // (W, F) inp.weight
  bin: Float32Array; // (W)    inp.bias
  layers: LayerParams[];
  gf: Float32Array; // (W)    norm.weight
  bf: Float32Array; // (W)    norm.bias
  Wout: Float32Array; // (F, W) out.weight
  bout: Float32Array; // (F)    out.bias
}

/** What forward keeps of one layer, for N = B·T frames (batch-major rows b·T + t). */
interface LayerCache {
  readonly h: Float32Array; // (N, W) the residual stream entering the layer
  readonly mean1: Float32Array; // (N) LN1 statistics of h
  readonly rstd1: Float32Array; // (N)
  readonly u1: Float32Array; // (N, W) LN1(h)
  readonly qkv: Float32Array; // (N, 3W) q, k, v of every frame
  readonly probs: Float32Array; // (B, heads, ≈T²/2) attention probabilities in row blocks (see attentionForward)
  readonly ctx: Float32Array; // (N, W) attention output of all heads, before out_proj
  readonly mid: Float32Array; // (N, W) h after the attention residual
  readonly mean2: Float32Array; // (N) LN2 statistics of mid
  readonly rstd2: Float32Array; // (N)
  readonly u2: Float32Array; // (N, W) LN2(mid)
  readonly a: Float32Array; // (N, 2W) linear1 output, before GELU
  readonly g: Float32Array; // (N, 2W) GELU(a)
}

/** Working memory for up to maxB sequences of maxT steps, in the backend's memory. */
export interface TransformerCache {
  readonly maxB: number;
  readonly maxT: number;
  readonly x: Float32Array; // (N, F) the last forward's input (a copy)
  readonly layers: LayerCache[];
  readonly hL: Float32Array; // (N, W) the residual stream after the last layer
  readonly meanF: Float32Array; // (N) final LayerNorm statistics
  readonly rstdF: Float32Array; // (N)
  readonly uF: Float32Array; // (N, W) LN(hL)
  readonly dh: Float32Array; // (N, W) ∂loss/∂(residual stream), carried down through the layers
  readonly du: Float32Array; // (N, W) ∂loss/∂(a LayerNorm's output)
  readonly dctx: Float32Array; // (N, W) ∂loss/∂ctx
  readonly dqkv: Float32Array; // (N, 3W) ∂loss/∂[q k v]
  readonly da: Float32Array; // (N, 2W) ∂loss/∂g, then ∂loss/∂a
  // One head of one sequence at a time, contiguous for the kernels (T = min(maxT, maxLen)):
  readonly qh: Float32Array; // (T, D) q of the head
  readonly kh: Float32Array; // (T, D) k
  readonly vh: Float32Array; // (T, D) v
  readonly ch: Float32Array; // (T, D) its attention output (forward), ∂loss/∂ that output (backward)
  readonly dqh: Float32Array; // (T, D) ∂loss/∂q
  readonly dkh: Float32Array; // (T, D) ∂loss/∂k
  readonly dvh: Float32Array; // (T, D) ∂loss/∂v
  readonly ds: Float32Array; // (ATT_ROWS, T) one row block of ∂loss/∂probs, then ∂loss/∂scores
  /** B and T of the last forward, which backward must be called with (0 before any forward). */
  lastB: number;
  lastT: number;
}

export function transformerLayout(F: number, W: number, layers: number, maxLen: number): ParamLayout {
  const specs: ParamSpec[] = [
    { name: 'pos', shape: [maxLen, W] },
    { name: 'inp.weight', shape: [W, F] },
    { name: 'inp.bias', shape: [W] },
  ];
  for (let l = 0; l < layers; l++) {
    const pre = `layers.${l}.`;
    specs.push(
      { name: `${pre}self_attn.in_proj_weight`, shape: [3 * W, W] },
      { name: `${pre}self_attn.in_proj_bias`, shape: [3 * W] },
      { name: `${pre}self_attn.out_proj.weight`, shape: [W, W] },
      { name: `${pre}self_attn.out_proj.bias`, shape: [W] },
      { name: `${pre}linear1.weight`, shape: [2 * W, W] },
      { name: `${pre}linear1.bias`, shape: [2 * W] },
      { name: `${pre}linear2.weight`, shape: [W, 2 * W] },
      { name: `${pre}linear2.bias`, shape: [W] },
      { name: `${pre}norm1.weight`, shape: [W] },
      { name: `${pre}norm1.bias`, shape: [W] },
      { name: `${pre}norm2.weight`, shape: [W] },
      { name: `${pre}norm2.bias`, shape: [W] },
    );
  }
  specs.push(
    { name: 'norm.weight', shape: [W] },
    { name: 'norm.bias', shape: [W] },
    { name: 'out.weight', shape: [F, W] },
    { name: 'out.bias', shape: [F] },
  );
  return layoutParams(specs);
}

/**
 * LayerNorm over the last dimension, in float64: u (N, W) = (x − mean)·rstd·γ + β,
 * keeping mean and rstd = 1/√(var + eps) of every row for backward.
 */
function layerNormForward(
  u: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  N: number,
  W: number,
): void {
  for (let n = 0; n < N; n++) {
    const row = n * W;
    let s = 0;
    for (let i = 0; i < W; i++) s += x[row + i];
    const m = s / W;
    let v = 0;
    for (let i = 0; i < W; i++) {
      const d = x[row + i] - m;
      v += d * d;
    }
    const r = 1 / Math.sqrt(v / W + LN_EPS);
    mean[n] = m;
    rstd[n] = r;
    for (let i = 0; i < W; i++) u[row + i] = (x[row + i] - m) * r * gamma[i] + beta[i];
  }
}

/**
 * LayerNorm backward (llm.c's layernorm_backward): with x̂ = (x − mean)·rstd and
 * dx̂ = du·γ, dx += rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)); dγ += Σ du·x̂; dβ += Σ du.
 */
function layerNormBackward(
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
  du: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  gamma: Float32Array,
  N: number,
  W: number,
): void {
  for (let n = 0; n < N; n++) {
    const row = n * W;
    const m = mean[n];
    const r = rstd[n];
    let sumD = 0;
    let sumDX = 0;
    for (let i = 0; i < W; i++) {
      const xhat = (x[row + i] - m) * r;
      const dxhat = du[row + i] * gamma[i];
      sumD += dxhat;
      sumDX += dxhat * xhat;
    }
    const meanD = sumD / W;
    const meanDX = sumDX / W;
    for (let i = 0; i < W; i++) {
      const xhat = (x[row + i] - m) * r;
      const dxhat = du[row + i] * gamma[i];
      dx[row + i] += r * (dxhat - meanD - xhat * meanDX);
      dgamma[i] += du[row + i] * xhat;
      dbeta[i] += du[row + i];
    }
  }
}

export function createTransformer(config: TransformerConfig, be: Backend): SequenceModel<TransformerCache> {
  const { features: F, width: W, heads: NH, layers: L, maxLen } = config;
  if (!(Number.isInteger(F) && F >= 1)) throw new RangeError(`transformer needs integer features ≥ 1, got ${F}`);
  if (!(Number.isInteger(W) && W >= 1)) throw new RangeError(`transformer needs integer width ≥ 1, got ${W}`);
  if (!(Number.isInteger(NH) && NH >= 1 && W % NH === 0)) {
    throw new RangeError(`transformer needs an integer number of heads ≥ 1 that divides width ${W}, got ${NH}`);
  }
  if (!(Number.isInteger(L) && L >= 0)) throw new RangeError(`transformer needs integer layers ≥ 0, got ${L}`);
  if (!(Number.isInteger(maxLen) && maxLen >= 1)) throw new RangeError(`transformer needs integer maxLen ≥ 1, got ${maxLen}`);
  const D = W / NH; // head dim
  const W2 = 2 * W; // feed-forward units
  const W3 = 3 * W; // q, k, v
  const scale = 1 / Math.sqrt(D);
  const layout = transformerLayout(F, W, L, maxLen);

  const makeViews = (buffer: Float32Array): TransformerParams => {
    const v = paramViews(layout, buffer);
    const layers: LayerParams[] = [];
    for (let l = 0; l < L; l++) {
      const pre = `layers.${l}.`;
      layers.push({
        Wqkv: v[`${pre}self_attn.in_proj_weight`],
        bqkv: v[`${pre}self_attn.in_proj_bias`],
        Wo: v[`${pre}self_attn.out_proj.weight`],
        bo: v[`${pre}self_attn.out_proj.bias`],
        W1: v[`${pre}linear1.weight`],
        b1: v[`${pre}linear1.bias`],
        W2: v[`${pre}linear2.weight`],
        b2: v[`${pre}linear2.bias`],
        g1: v[`${pre}norm1.weight`],
        be1: v[`${pre}norm1.bias`],
        g2: v[`${pre}norm2.weight`],
        be2: v[`${pre}norm2.bias`],
      });
    }
    return {
      pos: v['pos'],
      Win: v['inp.weight'],
      bin: v['inp.bias'],
      layers,
      gf: v['norm.weight'],
      bf: v['norm.bias'],
      Wout: v['out.weight'],
      bout: v['out.bias'],
    };
  };
  const paramsOf = memoViews(makeViews);
  const gradsOf = memoViews(makeViews);

  function init(params: Float32Array, rng: Rng): void {
    const p = makeViews(params);
    const uniform = (v: Float32Array, k: number) => {
      for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-k, k);
    };
    // pos: torch.randn(maxLen, W) · 0.02.
    for (let i = 0; i < p.pos.length; i++) p.pos[i] = 0.02 * rng.normal();
    // nn.Linear(in, out): weight (kaiming_uniform, a=√5) and bias both ~ U(−1/√in, 1/√in).
    uniform(p.Win, 1 / Math.sqrt(F));
    uniform(p.bin, 1 / Math.sqrt(F));
    for (const q of p.layers) {
      // nn.MultiheadAttention._reset_parameters: xavier_uniform_ in_proj_weight
      // (fan_in W, fan_out 3W), zero in_proj_bias and out_proj.bias; out_proj.weight keeps
      // its Linear init.
      uniform(q.Wqkv, Math.sqrt(6 / (W + W3)));
      q.bqkv.fill(0);
      uniform(q.Wo, 1 / Math.sqrt(W));
      q.bo.fill(0);
      uniform(q.W1, 1 / Math.sqrt(W));
      uniform(q.b1, 1 / Math.sqrt(W));
      uniform(q.W2, 1 / Math.sqrt(W2));
      uniform(q.b2, 1 / Math.sqrt(W2));
      q.g1.fill(1);
      q.be1.fill(0);
      q.g2.fill(1);
      q.be2.fill(0);
    }
    p.gf.fill(1);
    p.bf.fill(0);
    uniform(p.Wout, 1 / Math.sqrt(W));
    uniform(p.bout, 1 / Math.sqrt(W));
  }

  function createCache(maxB: number, maxT: number): TransformerCache {
    const N = maxB * maxT;
    const T = Math.min(maxT, maxLen); // no forward takes more steps than pos has rows
    const layers: LayerCache[] = [];
    for (let l = 0; l < L; l++) {
      layers.push({
        h: be.alloc(N * W),
        mean1: be.alloc(N),
        rstd1: be.alloc(N),
        u1: be.alloc(N * W),
        qkv: be.alloc(N * W3),
        probs: be.alloc(maxB * NH * blockedTriangleSize(T)),
        ctx: be.alloc(N * W),
        mid: be.alloc(N * W),
        mean2: be.alloc(N),
        rstd2: be.alloc(N),
        u2: be.alloc(N * W),
        a: be.alloc(N * W2),
        g: be.alloc(N * W2),
      });
    }
    return {
      maxB,
      maxT,
      x: be.alloc(N * F),
      layers,
      hL: be.alloc(N * W),
      meanF: be.alloc(N),
      rstdF: be.alloc(N),
      uF: be.alloc(N * W),
      dh: be.alloc(N * W),
      du: be.alloc(N * W),
      dctx: be.alloc(N * W),
      dqkv: be.alloc(N * W3),
      da: be.alloc(N * W2),
      qh: be.alloc(T * D),
      kh: be.alloc(T * D),
      vh: be.alloc(T * D),
      ch: be.alloc(T * D),
      dqh: be.alloc(T * D),
      dkh: be.alloc(T * D),
      dvh: be.alloc(T * D),
      ds: be.alloc(Math.min(ATT_ROWS, T) * T),
      lastB: 0,
      lastT: 0,
    };
  }

  /** dst (T, D) = the D columns from `col` of sequence b's rows of src (N, W). */
  function gatherHead(dst: Float32Array, src: Float32Array, col: number, b: number, T: number): void {
    let o = 0;
    for (let t = 0; t < T; t++) {
      const from = (b * T + t) * W + col;
      for (let d = 0; d < D; d++, o++) dst[o] = src[from + d];
    }
  }

  /** The inverse: the D columns from `col` of sequence b's rows of dst (N, W) = src (T, D). */
  function scatterHead(dst: Float32Array, col: number, src: Float32Array, b: number, T: number): void {
    let o = 0;
    for (let t = 0; t < T; t++) {
      const to = (b * T + t) * W + col;
      for (let d = 0; d < D; d++, o++) dst[to + d] = src[o];
    }
  }

  /** q, k, v (T, D) of head hd of sequence b, from qkv (N, 3W); one pass, which is faster than three. */
  function gatherQkv(q: Float32Array, k: Float32Array, v: Float32Array, qkv: Float32Array, hd: number, b: number, T: number): void {
    let o = 0;
    for (let t = 0; t < T; t++) {
      const from = (b * T + t) * W3 + hd * D;
      for (let d = 0; d < D; d++, o++) {
        q[o] = qkv[from + d];
        k[o] = qkv[from + W + d];
        v[o] = qkv[from + W2 + d];
      }
    }
  }

  /** The inverse: head hd of sequence b's q, k, v columns of dqkv (N, 3W) = dq, dk, dv (T, D). */
  function scatterQkv(dqkv: Float32Array, hd: number, dq: Float32Array, dk: Float32Array, dv: Float32Array, b: number, T: number): void {
    let o = 0;
    for (let t = 0; t < T; t++) {
      const to = (b * T + t) * W3 + hd * D;
      for (let d = 0; d < D; d++, o++) {
        dqkv[to + d] = dq[o];
        dqkv[to + W + d] = dk[o];
        dqkv[to + W2 + d] = dv[o];
      }
    }
  }

  /**
   * Causal multi-head attention: ctx (N, W) and probs from qkv (N, 3W). For each
   * sequence b and head hd, with q, k, v its (T, D) blocks, per block of query
   * rows [r0, r1):
   *   S = q[r0:r1] k[0:r1]ᵀ                       (r1−r0, r1)  matmulABt
   *   P = softmax over u ≤ t of S[t, u]/√D, row t, zero for u > t   causalSoftmax
   *   ctx[r0:r1] = P v[0:r1]                       (r1−r0, D)   matmulAB
   * P is kept in probs: the (b, hd) region holds the row blocks one after another,
   * each (r1−r0, r1) row-major, blockedTriangleSize(T) ≈ T²/2 + T·ATT_ROWS/2 values.
   */
  function attentionForward(ctx: Float32Array, probs: Float32Array, qkv: Float32Array, cache: TransformerCache, B: number, T: number): void {
    const { qh, kh, vh, ch } = cache;
    const triangle = blockedTriangleSize(T);
    for (let b = 0; b < B; b++) {
      for (let hd = 0; hd < NH; hd++) {
        gatherQkv(qh, kh, vh, qkv, hd, b, T);
        let off = (b * NH + hd) * triangle;
        for (let r0 = 0; r0 < T; r0 += ATT_ROWS) {
          const r1 = Math.min(T, r0 + ATT_ROWS);
          const P = probs.subarray(off, off + (r1 - r0) * r1);
          be.matmulABt(P, qh.subarray(r0 * D), kh, r1 - r0, r1, D, false);
          be.causalSoftmax(P, r1 - r0, r1, r0, scale);
          be.matmulAB(ch.subarray(r0 * D), P, vh, r1 - r0, D, r1, false);
          off += (r1 - r0) * r1;
        }
        scatterHead(ctx, hd * D, ch, b, T);
      }
    }
  }

  /**
   * dqkv (N, 3W) = ∂loss/∂[q k v] from dctx (N, W), block by block as in forward,
   * with dc = dctx of the head (T, D) and P the block's probabilities:
   *   dP = dc[r0:r1] v[0:r1]ᵀ                    matmulABt
   *   dv[0:r1] += Pᵀ dc[r0:r1]                    matmulAtB
   *   dS = P ⊙ (dP − rowsum(P ⊙ dP)) / √D         causalSoftmaxBackward (0 for u > t)
   *   dq[r0:r1] = dS k[0:r1]                      matmulAB
   *   dk[0:r1] += dSᵀ q[r0:r1]                    matmulAtB
   */
  function attentionBackward(
    dqkv: Float32Array,
    dctx: Float32Array,
    probs: Float32Array,
    qkv: Float32Array,
    cache: TransformerCache,
    B: number,
    T: number,
  ): void {
    const { qh, kh, vh, ch: dch, dqh, dkh, dvh, ds } = cache;
    const triangle = blockedTriangleSize(T);
    for (let b = 0; b < B; b++) {
      for (let hd = 0; hd < NH; hd++) {
        gatherQkv(qh, kh, vh, qkv, hd, b, T);
        gatherHead(dch, dctx, hd * D, b, T);
        dkh.fill(0, 0, T * D);
        dvh.fill(0, 0, T * D);
        let off = (b * NH + hd) * triangle;
        for (let r0 = 0; r0 < T; r0 += ATT_ROWS) {
          const r1 = Math.min(T, r0 + ATT_ROWS);
          const rows = r1 - r0;
          const P = probs.subarray(off, off + rows * r1);
          const dcBlock = dch.subarray(r0 * D);
          be.matmulABt(ds, dcBlock, vh, rows, r1, D, false);
          be.matmulAtB(dvh, P, dcBlock, r1, D, rows, true);
          be.causalSoftmaxBackward(ds, P, rows, r1, r0, scale);
          be.matmulAB(dqh.subarray(r0 * D), ds, kh, rows, D, r1, false);
          be.matmulAtB(dkh, ds, qh.subarray(r0 * D), r1, D, rows, true);
          off += rows * r1;
        }
        scatterQkv(dqkv, hd, dqh, dkh, dvh, b, T);
      }
    }
  }

  function forward(out: Float32Array, cache: TransformerCache, x: Float32Array, params: Float32Array, B: number, T: number): void {
    checkShapes(cache, B, T, F, x, out);
    if (T > maxLen) throw new RangeError(`a sequence of ${T} steps does not fit the transformer's ${maxLen} positions`);
    const p = paramsOf(params);
    const N = B * T;
    cache.x.set(x.subarray(0, N * F));
    cache.lastB = B;
    cache.lastT = T;

    // h = x W_inᵀ + b_in + pos[t]
    const h0 = L > 0 ? cache.layers[0].h : cache.hL;
    linearForward(be, h0, cache.x, p.Win, p.bin, N, F, W);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < T * W; i++) h0[b * T * W + i] += p.pos[i];
    }

    for (let l = 0; l < L; l++) {
      const q = p.layers[l];
      const c = cache.layers[l];
      const hNext = l + 1 < L ? cache.layers[l + 1].h : cache.hL;
      // mid = h + out_proj(attention(in_proj(LN1(h))))
      layerNormForward(c.u1, c.mean1, c.rstd1, c.h, q.g1, q.be1, N, W);
      linearForward(be, c.qkv, c.u1, q.Wqkv, q.bqkv, N, W, W3);
      attentionForward(c.ctx, c.probs, c.qkv, cache, B, T);
      linearForward(be, c.mid, c.ctx, q.Wo, q.bo, N, W, W);
      for (let i = 0; i < N * W; i++) c.mid[i] += c.h[i];
      // hNext = mid + linear2(GELU(linear1(LN2(mid))))
      layerNormForward(c.u2, c.mean2, c.rstd2, c.mid, q.g2, q.be2, N, W);
      linearForward(be, c.a, c.u2, q.W1, q.b1, N, W, W2);
      for (let i = 0; i < N * W2; i++) c.g[i] = gelu(c.a[i]);
      linearForward(be, hNext, c.g, q.W2, q.b2, N, W2, W);
      for (let i = 0; i < N * W; i++) hNext[i] += c.mid[i];
    }

    // out = LN(h) W_outᵀ + b_out
    layerNormForward(cache.uF, cache.meanF, cache.rstdF, cache.hL, p.gf, p.bf, N, W);
    linearForward(be, out, cache.uF, p.Wout, p.bout, N, W, F);
  }

  function backward(dparams: Float32Array, dout: Float32Array, cache: TransformerCache, params: Float32Array, B: number, T: number): void {
    checkShapes(cache, B, T, F, dout, dout);
    if (B !== cache.lastB || T !== cache.lastT) {
      throw new Error(`transformer backward needs a forward first with the same B and T (last forward: ${cache.lastB} × ${cache.lastT})`);
    }
    const p = paramsOf(params);
    const d = gradsOf(dparams);
    const { dh, du, dctx, dqkv, da } = cache;
    const N = B * T;

    // out = uF W_outᵀ + b_out, uF = LN(hL)
    linearBackward(be, du, d.Wout, d.bout, dout, cache.uF, p.Wout, N, W, F);
    dh.fill(0, 0, N * W);
    layerNormBackward(dh, d.gf, d.bf, du, cache.hL, cache.meanF, cache.rstdF, p.gf, N, W);

    for (let l = L - 1; l >= 0; l--) {
      const q = p.layers[l];
      const dq = d.layers[l];
      const c = cache.layers[l];
      // hNext = mid + linear2(GELU(linear1(LN2(mid)))): dh becomes ∂loss/∂mid.
      linearBackward(be, da, dq.W2, dq.b2, dh, c.g, q.W2, N, W2, W);
      for (let i = 0; i < N * W2; i++) da[i] *= geluGrad(c.a[i]);
      linearBackward(be, du, dq.W1, dq.b1, da, c.u2, q.W1, N, W, W2);
      layerNormBackward(dh, dq.g2, dq.be2, du, c.mid, c.mean2, c.rstd2, q.g2, N, W);
      // mid = h + out_proj(attention(in_proj(LN1(h)))): dh becomes ∂loss/∂h.
      linearBackward(be, dctx, dq.Wo, dq.bo, dh, c.ctx, q.Wo, N, W, W);
      attentionBackward(dqkv, dctx, c.probs, c.qkv, cache, B, T);
      linearBackward(be, du, dq.Wqkv, dq.bqkv, dqkv, c.u1, q.Wqkv, N, W, W3);
      layerNormBackward(dh, dq.g1, dq.be1, du, c.h, c.mean1, c.rstd1, q.g1, N, W);
    }

    // h = x W_inᵀ + b_in + pos[t]: dpos[t] += Σ_b dh[b, t] (x is data: no dx).
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < T * W; i++) d.pos[i] += dh[b * T * W + i];
    }
    linearBackward(be, null, d.Win, d.bin, dh, cache.x, p.Win, N, F, W);
  }

  /**
   * Per frame, averaged over positions 0…T−1: input and read-out (2·W·F); per layer Q, K, V and the
   * output projection (4W²), the GELU MLP (4W²), and causal attention over t+1 keys for scores and
   * values (2W(t+1), W(T+1) on average). Activations after GELU and softmax are rarely exactly zero,
   * so effective MACs equal dense ones here.
   */
  const cost = (_cache: TransformerCache, _B: number, T: number) => hiddenCost(2 * W * F + L * (8 * W * W + W * (T + 1)), 0, 0);

  // Streaming inference keeps every layer's keys and values for the longest context.
  return { kind: 'backprop', name: 'transformer', layout, features: F, stateSize: 2 * L * W * maxLen, init, createCache, forward, backward, cost };
}
