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
 * The work is arranged as in rnn.ts: the kernel backend does the matmuls,
 * frames in as few large calls as the recurrence allows:
 *
 *   forward   1. gi = x W_ihᵀ + b_ih for all B·T frames at once;
 *             2. per step, gh_t = h_{t−1} W_hhᵀ + b_hh for the whole batch
 *                (one matmul), then the gates in a plain loop;
 *             3. the read-out of all B·T hidden states at once.
 *   backward  1. the read-out's gradients and dh = dy W_fc for every step;
 *             2. backward through time, per step a plain loop through the
 *                gates and one matmul carrying dh_t back to h_{t−1};
 *             3. dW_ih, dW_hh and the biases from the stored gate gradients
 *                and history, each summed over all steps in one call.
 *
 * Layout. The recurrence works on one time step of the whole batch at a time,
 * and a kernel wants that (B, ·) block contiguous. In the batch-major (B, T, ·)
 * layout of the model interface it is not (rows b·T + t, for b = 0..B−1), so
 * everything inside is time-major (T, B, ·): row t·B + b. The input is
 * transposed into that order once per forward, and the output (and dout in
 * backward) once per call; these move F values per frame, while gathering the
 * step blocks instead would move 3H or 4H values per frame per step.
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
  sigmoid,
  toBatchMajor,
  toTimeMajor,
} from './recurrent.js';

export interface GruConfig {
  /** F: features per frame, in and out (12 MFCCs in the reference task). */
  features: number;
  /** H: hidden units. */
  hidden: number;
}

/** Named views of a parameter or gradient buffer. Rows of the (3H, ·) tensors are the r, z, n blocks in turn. */
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
  readonly gh: Float32Array; // (B, 3H) one step's h_{t−1} W_hhᵀ + b_hh
  readonly h: Float32Array; // (T, B, H) hidden states
  readonly y: Float32Array; // (T, B, F) the read-out in forward; dout in backward
  readonly dh: Float32Array; // (T, B, H) ∂loss/∂h_t, filled in from the read-out and then from step t+1
  readonly dgi: Float32Array; // (T, B, 3H) ∂loss/∂gi: the input side's pre-activations of r, z, n
  readonly dgh: Float32Array; // (T, B, 3H) ∂loss/∂gh: the hidden side's, differing from dgi in the n block
  /** Per-step (B, ·) blocks for the kernels, made once per batch size B (they cover all maxT steps). */
  steps: { B: number; h: Float32Array[]; dh: Float32Array[]; dgh: Float32Array[]; dghAfterFirst: Float32Array } | null;
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
      gh: be.alloc(maxB * G),
      h: be.alloc(N * H),
      y: be.alloc(N * F),
      dh: be.alloc(N * H),
      dgi: be.alloc(N * G),
      dgh: be.alloc(N * G),
      steps: null,
    };
  }

  function forward(out: Float32Array, cache: GruCache, x: Float32Array, params: Float32Array, B: number, T: number): void {
    checkShapes(cache, B, T, F, x, out);
    const p = paramsOf(params);
    const { gates, ghn, gh, h, y } = cache;
    const steps = stepViews(cache, B);
    const N = B * T;
    cache.B = B;
    cache.T = T;

    // 1. gi ← x W_ihᵀ + b_ih for every frame at once (time-major).
    toTimeMajor(cache.x, x, B, T, F);
    linearForward(be, gates, cache.x, p.Wih, p.bih, N, F, G);
    // 2. The recurrence, one step of the whole batch at a time.
    for (let t = 0; t < T; t++) {
      if (t === 0) {
        for (let b = 0; b < B; b++) gh.set(p.bhh, b * G); // h_{−1} = 0: gh_0 = b_hh
      } else {
        linearForward(be, gh, steps.h[t - 1], p.Whh, p.bhh, B, H, G);
      }
      for (let b = 0; b < B; b++) {
        const row = t * B + b; // this frame's row in the (T, B, ·) buffers
        const g = row * G; // its r, z, n block in gates (gi in, gates out)
        const s = b * G; // its r, z, n block in gh
        const o = row * H; // its hidden units
        const prev = o - B * H; // h_{t−1} of the same sequence
        for (let j = 0; j < H; j++) {
          const r = sigmoid(gates[g + j] + gh[s + j]);
          const z = sigmoid(gates[g + H + j] + gh[s + H + j]);
          const hn = gh[s + 2 * H + j];
          const n = Math.tanh(gates[g + 2 * H + j] + r * hn);
          const hPrev = t > 0 ? h[prev + j] : 0;
          gates[g + j] = r;
          gates[g + H + j] = z;
          gates[g + 2 * H + j] = n;
          ghn[o + j] = hn;
          h[o + j] = (1 - z) * n + z * hPrev;
        }
      }
    }
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
    const steps = stepViews(cache, B);
    const N = B * T;

    // 1. The read-out: dW_fc, db_fc, and dh = ∂loss/∂h_t through y_t alone.
    toTimeMajor(dy, dout, B, T, F);
    linearBackward(be, dh, g.Wfc, g.bfc, dy, h, p.Wfc, N, H, F);
    // 2. Backward through time. At step t, dh_t is complete (step t+1 has added
    //    its share); from it come the gate gradients of step t, and dh_{t−1}
    //    gains z_t ⊙ dh_t directly and dgh_t W_hh through the gates.
    for (let t = T - 1; t >= 0; t--) {
      for (let b = 0; b < B; b++) {
        const row = t * B + b;
        const gg = row * G;
        const o = row * H;
        const prev = o - B * H;
        for (let j = 0; j < H; j++) {
          const r = gates[gg + j];
          const z = gates[gg + H + j];
          const n = gates[gg + 2 * H + j];
          const hPrev = t > 0 ? h[prev + j] : 0;
          const d = dh[o + j];
          // h = (1 − z) n + z h_{t−1}
          const dnPre = d * (1 - z) * (1 - n * n); // through n = tanh(gi_n + r ⊙ ghn)
          const dzPre = d * (hPrev - n) * z * (1 - z);
          const drPre = dnPre * ghn[o + j] * r * (1 - r);
          dgi[gg + j] = drPre;
          dgi[gg + H + j] = dzPre;
          dgi[gg + 2 * H + j] = dnPre;
          dgh[gg + j] = drPre;
          dgh[gg + H + j] = dzPre;
          dgh[gg + 2 * H + j] = dnPre * r;
          if (t > 0) dh[prev + j] += d * z;
        }
      }
      if (t > 0) be.matmulAB(steps.dh[t - 1], steps.dgh[t], p.Whh, B, H, G, true);
    }
    // 3. dW_ih += dgiᵀ x and db_ih += Σ dgi over all frames; db_hh += Σ dgh
    //    likewise; dW_hh += Σ_t dgh_tᵀ h_{t−1} over steps 1..T−1 (h_{−1} = 0
    //    adds nothing), one matmul since those rows are contiguous time-major.
    linearBackward(be, null, g.Wih, g.bih, dgi, cache.x, p.Wih, N, F, G);
    be.sumRows(g.bhh, dgh, N, G);
    if (T > 1) be.matmulAtB(g.Whh, steps.dghAfterFirst, h, G, H, (T - 1) * B, true);
  }

  /** Each step's (B, ·) block of h, dh and dgh, and dgh from step 1 on, as views made once per batch size B. */
  function stepViews(cache: GruCache, B: number): NonNullable<GruCache['steps']> {
    if (cache.steps?.B !== B) {
      const h: Float32Array[] = [];
      const dh: Float32Array[] = [];
      const dgh: Float32Array[] = [];
      for (let t = 0; t < cache.maxT; t++) {
        h.push(cache.h.subarray(t * B * H, (t + 1) * B * H));
        dh.push(cache.dh.subarray(t * B * H, (t + 1) * B * H));
        dgh.push(cache.dgh.subarray(t * B * G, (t + 1) * B * G));
      }
      cache.steps = { B, h, dh, dgh, dghAfterFirst: cache.dgh.subarray(B * G) };
    }
    return cache.steps;
  }

  // Per frame: W_ih x (3H·F) always; W_hh h and the read-out (3H·H + F·H) read the hidden state.
  const cost = (cache: GruCache, B: number, T: number) => hiddenCost(3 * H * F, 3 * H * H + F * H, zeroFraction(cache.h, B * T * H));

  return { kind: 'backprop', name: 'gru', layout, features: F, stateSize: H, init, createCache, forward, backward, cost };
}
