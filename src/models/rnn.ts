/**
 * The reference model: a one-layer tanh RNN and a Linear read-out, PyTorch's
 * nn.RNN(F, H, batch_first=True) followed by nn.Linear(H, F):
 *
 *   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh),   h_{−1} = 0
 *   y_t = W_fc h_t + b_fc
 *
 * This is the hot path of training, so the work is arranged around one kernel
 * (`matmulAdd`, rows · rowsᵀ) and time-major buffers (T, B, ·), in which the
 * B hidden states of one step are a contiguous (B, H) block:
 *
 *   forward   1. the input projection x_t W_ihᵀ + b_ih + b_hh of all T·B frames at once;
 *             2. T small steps h_{t−1} (B, H) · W_hhᵀ, then tanh;
 *             3. the read-out of all T·B hidden states at once.
 *   backward  1. the read-out's gradients, and ∂loss/∂h_t of every step;
 *             2. backward through time, T small steps dpre_{t+1} (B, H) · W_hh,
 *                giving dpre_t = ∂loss/∂(W_ih x_t + … + b_hh) for all t;
 *             3. dW_hh, dW_ih and the biases from dpre and the stored history, all steps at once.
 */
import type { Rng } from '../data/rng.js';
import { createLinearScratch, fillRows, linearBackward, linearForward, matmulAdd, transpose, type LinearScratch } from './linear.js';
import type { SequenceModel } from './model.js';
import { layoutParams, paramViews, type ParamLayout } from './params.js';
import { checkShapes, memoViews } from './buffers.js';

export interface RnnConfig {
  /** F: features per frame, in and out (12 MFCCs in the reference task). */
  features: number;
  /** H: hidden units (128 in the reference task). */
  hidden: number;
}

/** Named views of a parameter or gradient buffer. */
interface RnnParams {
  Wih: Float32Array; // (H, F) rnn.weight_ih_l0
  Whh: Float32Array; // (H, H) rnn.weight_hh_l0
  bih: Float32Array; // (H)    rnn.bias_ih_l0
  bhh: Float32Array; // (H)    rnn.bias_hh_l0
  Wfc: Float32Array; // (F, H) fc.weight
  bfc: Float32Array; // (F)    fc.bias
}

/** Working memory for sequences of up to maxB × maxT; buffers are used time-major, (T, B, ·), with the actual B. */
export interface RnnCache {
  readonly maxB: number;
  readonly maxT: number;
  readonly xT: Float32Array; // (T, B, F) the last forward's input
  readonly hs: Float32Array; // (T+1, B, H) hs[0] = 0 (initial state), hs[t+1] = h_t, the state after input step t
  readonly outT: Float32Array; // (T, B, F) output
  readonly doutT: Float32Array; // (T, B, F) ∂loss/∂output
  readonly dpre: Float32Array; // (T, B, H) ∂loss/∂h_t, then ∂loss/∂(pre-activation of step t)
  readonly bias: Float32Array; // (H) b_ih + b_hh
  readonly WhhT: Float32Array; // (H, H) W_hhᵀ
  readonly linear: LinearScratch; // transposes for the weight gradients
}

export function rnnLayout(F: number, H: number): ParamLayout {
  return layoutParams([
    { name: 'rnn.weight_ih_l0', shape: [H, F] },
    { name: 'rnn.weight_hh_l0', shape: [H, H] },
    { name: 'rnn.bias_ih_l0', shape: [H] },
    { name: 'rnn.bias_hh_l0', shape: [H] },
    { name: 'fc.weight', shape: [F, H] },
    { name: 'fc.bias', shape: [F] },
  ]);
}

export function createRnn(config: RnnConfig): SequenceModel<RnnCache> {
  const F = config.features;
  const H = config.hidden;
  if (!(Number.isInteger(F) && F >= 1 && Number.isInteger(H) && H >= 1)) {
    throw new RangeError(`rnn needs integer features ≥ 1 and hidden ≥ 1, got features ${F}, hidden ${H}`);
  }
  const layout = rnnLayout(F, H);
  const makeViews = (buffer: Float32Array): RnnParams => {
    const v = paramViews(layout, buffer);
    return {
      Wih: v['rnn.weight_ih_l0'],
      Whh: v['rnn.weight_hh_l0'],
      bih: v['rnn.bias_ih_l0'],
      bhh: v['rnn.bias_hh_l0'],
      Wfc: v['fc.weight'],
      bfc: v['fc.bias'],
    };
  };
  const paramsOf = memoViews(makeViews);
  const gradsOf = memoViews(makeViews);

  function init(params: Float32Array, rng: Rng): void {
    const p = makeViews(params);
    // PyTorch: every RNN weight and bias ~ U(−1/√H, 1/√H); nn.Linear(H, F):
    // kaiming_uniform(a=√5) weight and the bias both ~ U(−1/√in, 1/√in), in = H.
    const k = 1 / Math.sqrt(H);
    for (const v of [p.Wih, p.Whh, p.bih, p.bhh, p.Wfc, p.bfc]) {
      for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-k, k);
    }
  }

  function createCache(maxB: number, maxT: number): RnnCache {
    const N = maxB * maxT;
    return {
      maxB,
      maxT,
      xT: new Float32Array(N * F),
      hs: new Float32Array((maxT + 1) * maxB * H),
      outT: new Float32Array(N * F),
      doutT: new Float32Array(N * F),
      dpre: new Float32Array(N * H),
      bias: new Float32Array(H),
      WhhT: new Float32Array(H * H),
      linear: createLinearScratch(N, Math.max(F, H), Math.max(F, H)),
    };
  }

  function forward(out: Float32Array, cache: RnnCache, x: Float32Array, params: Float32Array, B: number, T: number): void {
    checkShapes(cache, B, T, F, x, out);
    const p = paramsOf(params);
    const { xT, hs, outT, bias } = cache;
    const BH = B * H;

    transpose(xT, x, 0, B, T, F); // (B, T, F) → (T, B, F)
    hs.fill(0, 0, BH); // the initial state

    // 1. hs[t+1] ← x_t W_ihᵀ + b_ih + b_hh for every step at once.
    for (let i = 0; i < H; i++) bias[i] = p.bih[i] + p.bhh[i];
    fillRows(hs, BH, bias, T * B, H);
    matmulAdd(hs, BH, xT, 0, p.Wih, T * B, F, H);

    // 2. The recurrence: hs[t+1] ← tanh(hs[t+1] + hs[t] W_hhᵀ).
    for (let t = 0; t < T; t++) {
      const cur = (t + 1) * BH;
      matmulAdd(hs, cur, hs, t * BH, p.Whh, B, H, H);
      for (let i = cur; i < cur + BH; i++) hs[i] = Math.tanh(hs[i]);
    }

    // 3. y_t ← h_t W_fcᵀ + b_fc for every step at once.
    linearForward(outT, 0, hs, BH, p.Wfc, p.bfc, T * B, H, F);
    transpose(out, outT, 0, T, B, F); // (T, B, F) → (B, T, F)
  }

  function backward(dparams: Float32Array, dout: Float32Array, cache: RnnCache, params: Float32Array, B: number, T: number): void {
    checkShapes(cache, B, T, F, dout, dout);
    const p = paramsOf(params);
    const g = gradsOf(dparams);
    const { xT, hs, doutT, dpre, WhhT, linear } = cache;
    const BH = B * H;

    transpose(doutT, dout, 0, B, T, F); // (B, T, F) → (T, B, F)

    // 1. The read-out: dW_fc, db_fc, and dpre[t] ← ∂loss/∂h_t through y_t alone.
    dpre.fill(0, 0, T * BH);
    linearBackward(dpre, 0, g.Wfc, g.bfc, doutT, 0, hs, BH, p.Wfc, T * B, H, F, linear);

    // 2. Backward through time. h_t also feeds step t+1, so
    //    ∂loss/∂h_t = (from y_t) + dpre_{t+1} W_hh, and dpre_t = ∂loss/∂h_t ⊙ (1 − h_t²).
    transpose(WhhT, p.Whh, 0, H, H, 1);
    for (let t = T - 1; t >= 0; t--) {
      const cur = t * BH;
      if (t < T - 1) matmulAdd(dpre, cur, dpre, cur + BH, WhhT, B, H, H);
      const h = cur + BH; // hs[t+1] = h_t
      for (let i = 0; i < BH; i++) {
        const ht = hs[h + i];
        dpre[cur + i] *= 1 - ht * ht;
      }
    }

    // 3. The recurrence's weights over all steps at once:
    //    dW_hh += Σ_t dpre_tᵀ h_{t−1} (h_{t−1} = hs[t]), dW_ih += Σ_t dpre_tᵀ x_t, db_ih = db_hh += Σ_t dpre_t.
    linearBackward(null, 0, g.Whh, g.bhh, dpre, 0, hs, 0, p.Whh, T * B, H, H, linear);
    linearBackward(null, 0, g.Wih, g.bih, dpre, 0, xT, 0, p.Wih, T * B, F, H, linear);
  }

  return { name: 'rnn', layout, features: F, init, createCache, forward, backward };
}
