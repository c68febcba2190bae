/**
 * What the one-layer recurrent models (rnn, gru, lstm) share: PyTorch's
 * parameter table for nn.RNN / nn.GRU / nn.LSTM(F, H, batch_first=True)
 * followed by nn.Linear(H, F), its named views, and PyTorch's initialisation.
 * `gates` is how many H-row blocks the recurrent weights stack: 1 for the
 * tanh RNN, 3 for the GRU (r, z, n), 4 for the LSTM (i, f, g, o).
 */
import type { Rng } from '../data/rng.js';
import { layoutParams, paramViews, type ParamLayout } from './params.js';

/** Named views of a parameter or gradient buffer (G = gates·H). */
export interface RecurrentParams {
  Wih: Float32Array; // (G, F) rnn.weight_ih_l0
  Whh: Float32Array; // (G, H) rnn.weight_hh_l0
  bih: Float32Array; // (G)    rnn.bias_ih_l0
  bhh: Float32Array; // (G)    rnn.bias_hh_l0
  Wfc: Float32Array; // (F, H) fc.weight
  bfc: Float32Array; // (F)    fc.bias
}

export function recurrentLayout(F: number, H: number, gates: number): ParamLayout {
  const G = gates * H;
  return layoutParams([
    { name: 'rnn.weight_ih_l0', shape: [G, F] },
    { name: 'rnn.weight_hh_l0', shape: [G, H] },
    { name: 'rnn.bias_ih_l0', shape: [G] },
    { name: 'rnn.bias_hh_l0', shape: [G] },
    { name: 'fc.weight', shape: [F, H] },
    { name: 'fc.bias', shape: [F] },
  ]);
}

export function recurrentViews(layout: ParamLayout, buffer: Float32Array): RecurrentParams {
  const v = paramViews(layout, buffer);
  return {
    Wih: v['rnn.weight_ih_l0'],
    Whh: v['rnn.weight_hh_l0'],
    bih: v['rnn.bias_ih_l0'],
    bhh: v['rnn.bias_hh_l0'],
    Wfc: v['fc.weight'],
    bfc: v['fc.bias'],
  };
}

/**
 * PyTorch's initialisation: every recurrent weight and bias ~ U(−1/√H, 1/√H);
 * nn.Linear(H, F): kaiming_uniform(a=√5) weight and the bias both
 * ~ U(−1/√in, 1/√in) with in = H, the same bound. Drawn in layout order.
 */
export function initRecurrent(layout: ParamLayout, params: Float32Array, H: number, rng: Rng): void {
  const p = recurrentViews(layout, params);
  const k = 1 / Math.sqrt(H);
  for (const v of [p.Wih, p.Whh, p.bih, p.bhh, p.Wfc, p.bfc]) {
    for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-k, k);
  }
}

/** Sizes must be positive integers; `name` is the model's, for the message. */
export function checkRecurrentSizes(name: string, F: number, H: number): void {
  if (!(Number.isInteger(F) && F >= 1 && Number.isInteger(H) && H >= 1)) {
    throw new RangeError(`${name} needs integer features ≥ 1 and hidden ≥ 1, got features ${F}, hidden ${H}`);
  }
}

/**
 * dst (T, B, W) ← src (B, T, W): batch-major to time-major, so that one step
 * of every sequence is a contiguous (B, W) block (how gru and lstm work inside).
 */
export function toTimeMajor(dst: Float32Array, src: Float32Array, B: number, T: number, W: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const from = (b * T + t) * W;
      const to = (t * B + b) * W;
      for (let w = 0; w < W; w++) dst[to + w] = src[from + w];
    }
  }
}

/** dst (B, T, W) ← src (T, B, W): time-major back to batch-major. */
export function toBatchMajor(dst: Float32Array, src: Float32Array, B: number, T: number, W: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const from = (t * B + b) * W;
      const to = (b * T + t) * W;
      for (let w = 0; w < W; w++) dst[to + w] = src[from + w];
    }
  }
}
