/**
 * The reference model: a one-layer tanh RNN and a Linear read-out, PyTorch's
 * nn.RNN(F, H, batch_first=True) followed by nn.Linear(H, F):
 *
 *   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh),   h_{−1} = 0
 *   y_t = W_fc h_t + b_fc
 *
 * This is the hot path of training. The work is arranged so that the kernel
 * backend does it in a few large calls, all batch-major (B, T, ·):
 *
 *   forward   1. pre = x W_ihᵀ + b_ih + b_hh for all B·T frames at once;
 *             2. the recurrence h_t = tanh(pre_t + h_{t−1} W_hhᵀ), the whole
 *                time loop in one kernel call;
 *             3. the read-out of all B·T hidden states at once.
 *   backward  1. the read-out's gradients and dh = dy W_fc for every step;
 *             2. backward through time in one kernel call, giving
 *                dpre_t = ∂loss/∂(pre-activation of step t) for all t;
 *             3. dW_hh, dW_ih and the biases from dpre and the stored
 *                history, summed over all steps in a few matmuls.
 */
import { hiddenCost, zeroFraction } from './cost.js';
import type { Rng } from '../data/rng.js';
import type { Backend } from '../kernels/backend.js';
import { checkShapes, memoViews } from './buffers.js';
import { linearBackward, linearForward } from './dense.js';
import type { SequenceModel } from './model.js';
import type { ParamLayout } from './params.js';
import { checkRecurrentSizes, initRecurrent, recurrentLayout, recurrentViews } from './recurrent.js';

export interface RnnConfig {
  /** F: features per frame, in and out (12 MFCCs in the reference task). */
  features: number;
  /** H: hidden units (128 in the reference task). */
  hidden: number;
}

/** Working memory for up to maxB sequences of maxT steps, in the backend's memory. */
export interface RnnCache {
  readonly maxB: number;
  readonly maxT: number;
  x: Float32Array | null; // (B, T, F) the last forward's input (the caller's buffer, not a copy)
  readonly h: Float32Array; // (B, T, H) hidden states
  readonly pre: Float32Array; // (B, T, H) pre-activations in forward; reused for dh in backward
  readonly dpre: Float32Array; // (B, T, H) ∂loss/∂pre
  readonly bias: Float32Array; // (H) b_ih + b_hh
  /** Per-sequence views for dW_hh, made once per sequence length T (training keeps T fixed). */
  sequences: { T: number; dpre: Float32Array[]; hPrev: Float32Array[] } | null;
}

export function rnnLayout(F: number, H: number): ParamLayout {
  return recurrentLayout(F, H, 1);
}

export function createRnn(config: RnnConfig, be: Backend): SequenceModel<RnnCache> {
  const F = config.features;
  const H = config.hidden;
  checkRecurrentSizes('rnn', F, H);
  const layout = rnnLayout(F, H);
  const makeViews = (buffer: Float32Array) => recurrentViews(layout, buffer);
  const paramsOf = memoViews(makeViews);
  const gradsOf = memoViews(makeViews);

  function init(params: Float32Array, rng: Rng): void {
    initRecurrent(layout, params, H, rng);
  }

  function createCache(maxB: number, maxT: number): RnnCache {
    const N = maxB * maxT;
    return {
      maxB,
      maxT,
      x: null,
      h: be.alloc(N * H),
      pre: be.alloc(N * H),
      dpre: be.alloc(N * H),
      bias: be.alloc(H),
      sequences: null,
    };
  }

  function forward(out: Float32Array, cache: RnnCache, x: Float32Array, params: Float32Array, B: number, T: number): void {
    checkShapes(cache, B, T, F, x, out);
    const p = paramsOf(params);
    const { h, pre, bias } = cache;
    const N = B * T;
    cache.x = x;

    // 1. pre ← x W_ihᵀ + (b_ih + b_hh) for every frame at once.
    for (let i = 0; i < H; i++) bias[i] = p.bih[i] + p.bhh[i];
    linearForward(be, pre, x, p.Wih, bias, N, F, H);
    // 2. The recurrence.
    be.rnnTanhForward(h, pre, p.Whh, B, T, H);
    // 3. The read-out.
    linearForward(be, out, h, p.Wfc, p.bfc, N, H, F);
  }

  function backward(dparams: Float32Array, dout: Float32Array, cache: RnnCache, params: Float32Array, B: number, T: number): void {
    checkShapes(cache, B, T, F, dout, dout);
    const { x, h, pre: dh, dpre } = cache;
    if (x === null) throw new Error('rnn backward needs a forward first');
    const p = paramsOf(params);
    const g = gradsOf(dparams);
    const N = B * T;

    // 1. The read-out: dW_fc, db_fc, and dh = ∂loss/∂h_t through y_t alone.
    linearBackward(be, dh, g.Wfc, g.bfc, dout, h, p.Wfc, N, H, F);
    // 2. Backward through time: dpre_t = (dh_t + dpre_{t+1} W_hh) ⊙ (1 − h_t²).
    be.rnnTanhBackward(dpre, dh, h, p.Whh, B, T, H);
    // 3. dW_hh += Σ_t dpre_tᵀ h_{t−1}, per sequence over steps 1..T−1 (h_{−1} = 0 adds nothing);
    //    dW_ih += Σ dpreᵀ x and both biases += Σ dpre over all frames.
    if (T > 1) {
      const seq = sequenceViews(cache, T);
      for (let b = 0; b < B; b++) be.matmulAtB(g.Whh, seq.dpre[b], seq.hPrev[b], H, H, T - 1, true);
    }
    linearBackward(be, null, g.Wih, g.bih, dpre, x, p.Wih, N, F, H);
    be.sumRows(g.bhh, dpre, N, H);
  }

  /** dpre of steps 1..T−1 and h of steps 0..T−2 of each sequence, as views made once per T. */
  function sequenceViews(cache: RnnCache, T: number): NonNullable<RnnCache['sequences']> {
    if (cache.sequences?.T !== T) {
      const dpre: Float32Array[] = [];
      const hPrev: Float32Array[] = [];
      for (let b = 0; b < cache.maxB; b++) {
        const row = b * T * H;
        dpre.push(cache.dpre.subarray(row + H, row + T * H));
        hPrev.push(cache.h.subarray(row, row + (T - 1) * H));
      }
      cache.sequences = { T, dpre, hPrev };
    }
    return cache.sequences;
  }

  // Per frame: W_ih x (H·F) always; W_hh h and the read-out (H·H + F·H) read the hidden state.
  const cost = (cache: RnnCache, B: number, T: number) => hiddenCost(H * F, H * H + F * H, zeroFraction(cache.h, B * T * H));

  return { kind: 'backprop', name: 'rnn', layout, features: F, stateSize: H, init, createCache, forward, backward, cost };
}
