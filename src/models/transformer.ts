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
 * Everything runs on the kernel backend over all N = B·T frames at once: the
 * Linears (bias and residual added in one pass after the product,
 * addBiasResidual), LayerNorm, GELU, and attention, one kernel call per
 * layer that reads each head's q, k, v out of the [q k v] rows by strides and
 * cuts the causal triangle into row blocks (attentionForward in
 * ../kernels/families/transformer.ts). Forward keeps, per layer, the residual
 * stream, the LayerNorm statistics and outputs, q k v, the attention
 * probabilities and the GELU input and output; backward recomputes nothing.
 */
import { hiddenCost } from './cost.js';
import type { Rng } from '../data/rng.js';
import type { Backend } from '../kernels/backend.js';
import { attentionProbsSize } from '../kernels/families/transformer.js';
import { checkShapes, memoViews } from './buffers.js';
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
  readonly probs: Float32Array; // (B, heads, attentionProbsSize(T)) attention probabilities in row blocks
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
        probs: be.alloc(maxB * NH * attentionProbsSize(T)),
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
      lastB: 0,
      lastT: 0,
    };
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
    be.matmulABt(h0, cache.x, p.Win, N, W, F, false);
    be.addBiasResidual(h0, p.bin, p.pos, N, W, T);

    for (let l = 0; l < L; l++) {
      const q = p.layers[l];
      const c = cache.layers[l];
      const hNext = l + 1 < L ? cache.layers[l + 1].h : cache.hL;
      // mid = h + out_proj(attention(in_proj(LN1(h))))
      be.layerNormForward(c.u1, c.mean1, c.rstd1, c.h, q.g1, q.be1, N, W, LN_EPS);
      linearForward(be, c.qkv, c.u1, q.Wqkv, q.bqkv, N, W, W3);
      be.attentionForward(c.ctx, c.probs, c.qkv, B, T, W, NH, scale);
      be.matmulABt(c.mid, c.ctx, q.Wo, N, W, W, false);
      be.addBiasResidual(c.mid, q.bo, c.h, N, W, N);
      // hNext = mid + linear2(GELU(linear1(LN2(mid))))
      be.layerNormForward(c.u2, c.mean2, c.rstd2, c.mid, q.g2, q.be2, N, W, LN_EPS);
      linearForward(be, c.a, c.u2, q.W1, q.b1, N, W, W2);
      be.geluForward(c.g, c.a, N * W2);
      be.matmulABt(hNext, c.g, q.W2, N, W, W2, false);
      be.addBiasResidual(hNext, q.b2, c.mid, N, W, N);
    }

    // out = LN(h) W_outᵀ + b_out
    be.layerNormForward(cache.uF, cache.meanF, cache.rstdF, cache.hL, p.gf, p.bf, N, W, LN_EPS);
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
    be.layerNormBackward(dh, d.gf, d.bf, du, cache.hL, cache.meanF, cache.rstdF, p.gf, N, W);

    for (let l = L - 1; l >= 0; l--) {
      const q = p.layers[l];
      const dq = d.layers[l];
      const c = cache.layers[l];
      // hNext = mid + linear2(GELU(linear1(LN2(mid)))): dh becomes ∂loss/∂mid.
      linearBackward(be, da, dq.W2, dq.b2, dh, c.g, q.W2, N, W2, W);
      be.geluBackward(da, da, c.a, N * W2);
      linearBackward(be, du, dq.W1, dq.b1, da, c.u2, q.W1, N, W, W2);
      be.layerNormBackward(dh, dq.g2, dq.be2, du, c.mid, c.mean2, c.rstd2, q.g2, N, W);
      // mid = h + out_proj(attention(in_proj(LN1(h)))): dh becomes ∂loss/∂h.
      linearBackward(be, dctx, dq.Wo, dq.bo, dh, c.ctx, q.Wo, N, W, W);
      be.attentionBackward(dqkv, dctx, c.probs, c.qkv, B, T, W, NH, scale);
      linearBackward(be, du, dq.Wqkv, dq.bqkv, dqkv, c.u1, q.Wqkv, N, W, W3);
      be.layerNormBackward(dh, dq.g1, dq.be1, du, c.h, c.mean1, c.rstd1, q.g1, N, W);
    }

    // h = x W_inᵀ + b_in + pos[t]: dpos[t] += Σ_b dh[b, t] (x is data: no dx).
    be.sumRows(d.pos, dh, B, T * W);
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
