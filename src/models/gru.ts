/**
 * A one-layer GRU and a Linear read-out, PyTorch's nn.GRU(F, H,
 * batch_first=True) followed by nn.Linear(H, F), gates in PyTorch's order
 * r, z, n:
 *
 *   r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)
 *   z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)
 *   n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))
 *   h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1},   h_{−1} = 0
 *   y_t = W_fc h_t + b_fc
 *
 * The work is arranged as in rnn.ts: the kernel backend does it in a few
 * large calls:
 *
 *   forward   1. gi = x W_ihᵀ + b_ih for all B·T frames at once;
 *             2. the recurrence, the whole time loop in one kernel call
 *                (gruForward: per step gh_t = h_{t−1} W_hhᵀ + b_hh for the
 *                whole batch, then the gates);
 *             3. the read-out of all B·T hidden states at once.
 *   backward  1. the read-out's gradients and dh = dy W_fc for every step;
 *             2. backward through time in one kernel call (gruBackward),
 *                giving the gate gradients of every step;
 *             3. dW_ih, dW_hh and the biases from the stored gate gradients
 *                and history, each summed over all steps in one call.
 *
 * Layout. The recurrence works on one time step of the whole batch at a time,
 * and a kernel wants that (B, ·) block contiguous. In the batch-major (B, T, ·)
 * layout of the model interface it is not (rows b·T + t, for b = 0..B−1), so
 * everything inside is time-major (T, B, ·): row t·B + b, as the gate
 * kernels want. The input is transposed into that order once per forward,
 * and the output (and dout in backward) once per call; these move F values
 * per frame, while gathering the step blocks instead would move 3H values per
 * frame per step.
 * Time-major also puts h_0..h_{T−2} and the gate gradients of steps 1..T−1
 * in one contiguous run each, so dW_hh is a single matmul over all steps.
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

export interface GruConfig {
  /** F: features per frame, in and out (12 MFCCs in the reference task). */
  features: number;
  /** H: hidden units. */
  hidden: number;
}

/** Working memory for up to maxB sequences of maxT steps, in the backend's memory; time-major inside. */
export interface GruCache {
  readonly maxB: number;
  readonly maxT: number;
  /** B and T of the last forward (0 before the first): backward must see the same. */
  B: number;
  T: number;
  readonly x: Float32Array; // (T, B, F) the last forward's input, time-major
  readonly gates: Float32Array; // (T, B, 3H) gi = x W_ihᵀ + b_ih, overwritten step by step with r, z, n
  readonly ghn: Float32Array; // (T, B, H) W_hn h_{t−1} + b_hn, which ∂/∂r_t needs
  readonly h: Float32Array; // (T, B, H) hidden states
  readonly y: Float32Array; // (T, B, F) the read-out in forward; dout in backward
  readonly dh: Float32Array; // (T, B, H) ∂loss/∂h_t, filled in from the read-out and then from step t+1
  readonly dgi: Float32Array; // (T, B, 3H) ∂loss/∂gi: the input side's pre-activations of r, z, n
  readonly dgh: Float32Array; // (T, B, 3H) ∂loss/∂gh: the hidden side's, differing from dgi in the n block
}

export function gruLayout(F: number, H: number): ParamLayout {
  return recurrentLayout(F, H, 3);
}

export function createGru(config: GruConfig, be: Backend): SequenceModel<GruCache> {
  const F = config.features;
  const H = config.hidden;
  checkRecurrentSizes('gru', F, H);
  const G = 3 * H; // gate pre-activations per frame: r, z, n
  const layout = gruLayout(F, H);
  const makeViews = (buffer: Float32Array) => recurrentViews(layout, buffer);
  const paramsOf = memoViews(makeViews);
  const gradsOf = memoViews(makeViews);

  function init(params: Float32Array, rng: Rng): void {
    initRecurrent(layout, params, H, rng);
  }

  function createCache(maxB: number, maxT: number): GruCache {
    const N = maxB * maxT;
    return {
      maxB,
      maxT,
      B: 0,
      T: 0,
      x: be.alloc(N * F),
      gates: be.alloc(N * G),
      ghn: be.alloc(N * H),
      h: be.alloc(N * H),
      y: be.alloc(N * F),
      dh: be.alloc(N * H),
      dgi: be.alloc(N * G),
      dgh: be.alloc(N * G),
    };
  }

  function forward(out: Float32Array, cache: GruCache, x: Float32Array, params: Float32Array, B: number, T: number): void {
    checkShapes(cache, B, T, F, x, out);
    const p = paramsOf(params);
    const { gates, ghn, h, y } = cache;
    const N = B * T;
    cache.B = B;
    cache.T = T;

    // 1. gi ← x W_ihᵀ + b_ih for every frame at once (time-major).
    toTimeMajor(cache.x, x, B, T, F);
    linearForward(be, gates, cache.x, p.Wih, p.bih, N, F, G);
    // 2. The recurrence: gates ← r, z, n, ghn and h for every step, in one call.
    be.gruForward(h, ghn, gates, p.Whh, p.bhh, B, T, H);
    // 3. The read-out, then back to batch-major.
    linearForward(be, y, h, p.Wfc, p.bfc, N, H, F);
    toBatchMajor(out, y, B, T, F);
  }

  function backward(dparams: Float32Array, dout: Float32Array, cache: GruCache, params: Float32Array, B: number, T: number): void {
    checkShapes(cache, B, T, F, dout, dout);
    if (cache.B !== B || cache.T !== T) {
      throw new Error(`gru backward of ${B} × ${T} steps needs a forward of that batch first`);
    }
    const p = paramsOf(params);
    const g = gradsOf(dparams);
    const { gates, ghn, h, y: dy, dh, dgi, dgh } = cache;
    const N = B * T;

    // 1. The read-out: dW_fc, db_fc, and dh = ∂loss/∂h_t through y_t alone.
    toTimeMajor(dy, dout, B, T, F);
    linearBackward(be, dh, g.Wfc, g.bfc, dy, h, p.Wfc, N, H, F);
    // 2. Backward through time in one call. At step t, dh_t is complete (step
    //    t+1 has added its share); from it come the gate gradients of step t,
    //    and dh_{t−1} gains z_t ⊙ dh_t directly and dgh_t W_hh through the gates.
    be.gruBackward(dgi, dgh, dh, gates, ghn, h, p.Whh, B, T, H);
    // 3. dW_ih += dgiᵀ x and db_ih += Σ dgi over all frames; db_hh += Σ dgh
    //    likewise; dW_hh += Σ_t dgh_tᵀ h_{t−1} over steps 1..T−1 (h_{−1} = 0
    //    adds nothing), one matmul since those rows are contiguous time-major.
    linearBackward(be, null, g.Wih, g.bih, dgi, cache.x, p.Wih, N, F, G);
    be.sumRows(g.bhh, dgh, N, G);
    if (T > 1) be.matmulAtB(g.Whh, dgh.subarray(B * G), h, G, H, (T - 1) * B, true);
  }

  // Per frame: W_ih x (3H·F) always; W_hh h and the read-out (3H·H + F·H) read the hidden state.
  const cost = (cache: GruCache, B: number, T: number) => hiddenCost(3 * H * F, 3 * H * H + F * H, zeroFraction(cache.h, B * T * H));

  return { kind: 'backprop', name: 'gru', layout, features: F, stateSize: H, init, createCache, forward, backward, cost };
}
