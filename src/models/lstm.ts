/**
 * A one-layer LSTM and a Linear read-out, PyTorch's
 * nn.LSTM(F, H, batch_first=True) followed by nn.Linear(H, F), gates in
 * PyTorch's order i, f, g, o:
 *
 *   [i f g o]_t = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh
 *   i, f, o = σ(·),  g = tanh(·)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t),   h_{−1} = c_{−1} = 0
 *   y_t = W_fc h_t + b_fc
 *
 * Like the RNN, the work is arranged so that the kernel backend does it in as
 * few large calls as the recurrence allows:
 *
 *   forward   1. gates = x W_ihᵀ + b_ih + b_hh for all B·T frames in one matmul;
 *             2. the recurrence, the whole time loop in one kernel call
 *                (lstmForward: per step gates_t += h_{t−1} W_hhᵀ for the whole
 *                batch, then the gate nonlinearities and the cell update);
 *             3. the read-out of all B·T hidden states at once.
 *   backward  1. the read-out's gradients and dh = dy W_fc for every step;
 *             2. backward through time in one kernel call (lstmBackward),
 *                carrying dc and adding dgates_{t+1} W_hh into dh_t, giving
 *                dgates_t = ∂loss/∂(the gates' pre-activations of step t);
 *             3. dW_hh, dW_ih and the biases from dgates and the stored history,
 *                each summed over all steps in one call.
 *
 * Internally everything is time-major (T, B, ·), unlike the model interface's
 * batch-major (B, T, ·). The recurrence works on one step of every sequence
 * at a time, and in a batch-major tensor the B rows of step t are T rows
 * apart; time-major puts them in one contiguous (B, ·) block, as the gate
 * kernels want. It costs one transpose of x on
 * the way in and of the output on the way out (and of dout in backward),
 * which is O(B·T·F), small beside the O(B·T·H²) of the matmuls. Time-major also
 * puts h_{−1}, h_0, …, h_{T−2} in one contiguous block when a zero row block
 * for h_{−1} sits in front of h, so dW_hh is a single matmul over all steps.
 */
import { hiddenCost, zeroFraction } from './cost.js';
import type { Rng } from '../data/rng.js';
import type { Backend } from '../kernels/backend.js';
import { checkShapes, memoViews } from './buffers.js';
import { linearBackward, linearForward } from './dense.js';
import type { SequenceModel } from './model.js';
import type { ParamLayout } from './params.js';
import {
  checkRecurrentSizes,
  initRecurrent,
  recurrentLayout,
  recurrentViews,
  toBatchMajor,
  toTimeMajor,
} from './recurrent.js';

export interface LstmConfig {
  /** F: features per frame, in and out (12 MFCCs in the reference task). */
  features: number;
  /** H: hidden units (and cell units). */
  hidden: number;
}

/**
 * Working memory for up to maxB sequences of maxT steps, in the backend's
 * memory. All sequence buffers are time-major: row (t·B + b) is sequence b at
 * step t, for the B of the current call.
 */
export interface LstmCache {
  readonly maxB: number;
  readonly maxT: number;
  readonly x: Float32Array; // (T, B, F) the last forward's input, transposed
  readonly y: Float32Array; // (T, B, F) the read-out before transposing to out; dout transposed in backward
  readonly gates: Float32Array; // (T, B, 4H) pre-activations, then i, f, g, o after their nonlinearities
  readonly h: Float32Array; // (T+1, B, H) h_{−1} = 0, h_0, …, h_{T−1}
  readonly c: Float32Array; // (T, B, H) c_0, …, c_{T−1}
  readonly tanhC: Float32Array; // (T, B, H) tanh(c_t)
  readonly dh: Float32Array; // (T, B, H) ∂loss/∂h_t: from the read-out, then plus the recurrence
  readonly dgates: Float32Array; // (T, B, 4H) ∂loss/∂(gate pre-activations)
  readonly bias: Float32Array; // (4H) b_ih + b_hh
  /** B and T of the last forward, which backward must be called with (0 before any forward). */
  lastB: number;
  lastT: number;
}

export function lstmLayout(F: number, H: number): ParamLayout {
  return recurrentLayout(F, H, 4);
}

export function createLstm(config: LstmConfig, be: Backend): SequenceModel<LstmCache> {
  const F = config.features;
  const H = config.hidden;
  checkRecurrentSizes('lstm', F, H);
  const G = 4 * H; // gate pre-activations per frame
  const layout = lstmLayout(F, H);
  const makeViews = (buffer: Float32Array) => recurrentViews(layout, buffer);
  const paramsOf = memoViews(makeViews);
  const gradsOf = memoViews(makeViews);

  function init(params: Float32Array, rng: Rng): void {
    initRecurrent(layout, params, H, rng);
  }

  function createCache(maxB: number, maxT: number): LstmCache {
    const N = maxB * maxT;
    return {
      maxB,
      maxT,
      x: be.alloc(N * F),
      y: be.alloc(N * F),
      gates: be.alloc(N * G),
      h: be.alloc(N * H + maxB * H),
      c: be.alloc(N * H),
      tanhC: be.alloc(N * H),
      dh: be.alloc(N * H),
      dgates: be.alloc(N * G),
      bias: be.alloc(G),
      lastB: 0,
      lastT: 0,
    };
  }

  function forward(out: Float32Array, cache: LstmCache, x: Float32Array, params: Float32Array, B: number, T: number): void {
    checkShapes(cache, B, T, F, x, out);
    const p = paramsOf(params);
    const { gates, h, c, tanhC, bias } = cache;
    const N = B * T;
    const BH = B * H;
    const hAll = h.subarray(BH, BH + N * H); // h_0 … h_{T−1}
    cache.lastB = B;
    cache.lastT = T;

    // 1. gates ← x W_ihᵀ + (b_ih + b_hh) for every frame at once, time-major.
    toTimeMajor(cache.x, x, B, T, F);
    for (let i = 0; i < G; i++) bias[i] = p.bih[i] + p.bhh[i];
    linearForward(be, gates, cache.x, p.Wih, bias, N, F, G);

    // 2. The recurrence in one call. h_{−1} = 0 is the first block of h (for dW_hh in
    //    backward), which an earlier call with a smaller B may have written to.
    h.fill(0, 0, BH);
    be.lstmForward(hAll, c, tanhC, gates, p.Whh, B, T, H);

    // 3. The read-out of h_0 … h_{T−1}, then back to batch-major.
    linearForward(be, cache.y, hAll, p.Wfc, p.bfc, N, H, F);
    toBatchMajor(out, cache.y, B, T, F);
  }

  function backward(dparams: Float32Array, dout: Float32Array, cache: LstmCache, params: Float32Array, B: number, T: number): void {
    checkShapes(cache, B, T, F, dout, dout);
    const { gates, h, c, tanhC, dh, dgates } = cache;
    if (cache.lastB === 0) throw new Error('lstm backward needs a forward first');
    if (cache.lastB !== B || cache.lastT !== T) {
      throw new Error(`lstm backward of ${B} × ${T} steps after a forward of ${cache.lastB} × ${cache.lastT}`);
    }
    const p = paramsOf(params);
    const g = gradsOf(dparams);
    const N = B * T;
    const BH = B * H;
    const hAll = h.subarray(BH, BH + N * H);

    // 1. The read-out: dW_fc, db_fc, and dh = ∂loss/∂h_t through y_t alone.
    toTimeMajor(cache.y, dout, B, T, F);
    linearBackward(be, dh, g.Wfc, g.bfc, cache.y, hAll, p.Wfc, N, H, F);

    // 2. Backward through time in one call: dh_t += dgates_{t+1} W_hh (h_t feeds
    //    step t+1), dc_t = dc_{t+1} ⊙ f_{t+1} + dh_t ⊙ o_t ⊙ (1 − tanh²c_t), and
    //    from them the gradients of the four pre-activations.
    be.lstmBackward(dgates, dh, gates, c, tanhC, p.Whh, B, T, H);

    // 3. dW_hh += Σ_t dgates_tᵀ h_{t−1} over all steps in one call: h_{−1} … h_{T−2} is
    //    the first T·B rows of h (the zero block adds nothing); dW_ih += dgatesᵀ x and
    //    both biases += Σ dgates over all frames.
    be.matmulAtB(g.Whh, dgates, h, G, H, N, true);
    linearBackward(be, null, g.Wih, g.bih, dgates, cache.x, p.Wih, N, F, G);
    be.sumRows(g.bhh, dgates, N, G);
  }

  // Per frame: W_ih x (4H·F) always; W_hh h and the read-out (4H·H + F·H) read the hidden state (h_0 … h_{T−1}).
  const cost = (cache: LstmCache, B: number, T: number) =>
    hiddenCost(4 * H * F, 4 * H * H + F * H, zeroFraction(cache.h, B * T * H, B * H));

  return { kind: 'backprop', name: 'lstm', layout, features: F, stateSize: 2 * H, init, createCache, forward, backward, cost };
}
