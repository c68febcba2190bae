/**
 * The original's alternative model, AudioMLP: each frame on its own (no
 * memory of earlier frames), a residual two-layer perceptron whose output is
 * projected onto the sphere of radius √F:
 *
 *   a = x W0ᵀ + b0          (2F)   encode.fn.net.0
 *   g = GELU(a)             (2F)   exact (erf) GELU
 *   y = g W2ᵀ + b2 + x      (F)    encode.fn.net.2, plus the residual
 *   out = √F · y / max(‖y‖₂, 1e-12)
 *
 * Frames are independent, so the B·T frames of a batch are N = B·T rows of
 * one matrix.
 */
import { hiddenCost, zeroFraction } from './cost.js';
import type { Rng } from '../data/rng.js';
import { checkShapes, memoViews } from './buffers.js';
import type { Backend } from '../kernels/backend.js';
import { linearBackward, linearForward } from './dense.js';
import type { SequenceModel } from './model.js';
import { layoutParams, paramViews, type ParamLayout } from './params.js';

export interface MlpConfig {
  /** F: features per frame, in and out; the hidden layer has 2F units. */
  features: number;
}

/** F.normalize's eps: norms below it are clamped to it. */
const NORM_EPS = 1e-12;

/** Named views of a parameter or gradient buffer. */
interface MlpParams {
  W0: Float32Array; // (2F, F) encode.fn.net.0.weight
  b0: Float32Array; // (2F)    encode.fn.net.0.bias
  W2: Float32Array; // (F, 2F) encode.fn.net.2.weight
  b2: Float32Array; // (F)     encode.fn.net.2.bias
}

/** Working memory for up to maxB × maxT frames (N = B·T rows, batch-major as the input). */
export interface MlpCache {
  readonly maxB: number;
  readonly maxT: number;
  x: Float32Array | null; // (N, F) the last forward's input (the caller's buffer, not a copy)
  readonly a: Float32Array; // (N, 2F) first layer, before GELU
  readonly g: Float32Array; // (N, 2F) GELU(a)
  readonly y: Float32Array; // (N, F) second layer plus residual, before normalising
  readonly norm: Float32Array; // (N) max(‖y‖₂, 1e-12)
  readonly dy: Float32Array; // (N, F) ∂loss/∂y
  readonly da: Float32Array; // (N, 2F) ∂loss/∂g, then ∂loss/∂a
}

export function mlpLayout(F: number): ParamLayout {
  return layoutParams([
    { name: 'encode.fn.net.0.weight', shape: [2 * F, F] },
    { name: 'encode.fn.net.0.bias', shape: [2 * F] },
    { name: 'encode.fn.net.2.weight', shape: [F, 2 * F] },
    { name: 'encode.fn.net.2.bias', shape: [F] },
  ]);
}

export function createMlp(config: MlpConfig, be: Backend): SequenceModel<MlpCache> {
  const F = config.features;
  if (!(Number.isInteger(F) && F >= 1)) throw new RangeError(`mlp needs integer features ≥ 1, got ${F}`);
  const F2 = 2 * F;
  const scale = Math.sqrt(F);
  const layout = mlpLayout(F);
  const makeViews = (buffer: Float32Array): MlpParams => {
    const v = paramViews(layout, buffer);
    return {
      W0: v['encode.fn.net.0.weight'],
      b0: v['encode.fn.net.0.bias'],
      W2: v['encode.fn.net.2.weight'],
      b2: v['encode.fn.net.2.bias'],
    };
  };
  const paramsOf = memoViews(makeViews);
  const gradsOf = memoViews(makeViews);

  function init(params: Float32Array, rng: Rng): void {
    const p = makeViews(params);
    // nn.Linear(in, out): weight (kaiming_uniform, a=√5) and bias both ~ U(−1/√in, 1/√in).
    const k0 = 1 / Math.sqrt(F);
    const k2 = 1 / Math.sqrt(F2);
    for (const [v, k] of [[p.W0, k0], [p.b0, k0], [p.W2, k2], [p.b2, k2]] as const) {
      for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-k, k);
    }
  }

  function createCache(maxB: number, maxT: number): MlpCache {
    const N = maxB * maxT;
    return {
      maxB,
      maxT,
      x: null,
      a: be.alloc(N * F2),
      g: be.alloc(N * F2),
      y: be.alloc(N * F),
      norm: be.alloc(N),
      dy: be.alloc(N * F),
      da: be.alloc(N * F2),
    };
  }

  function forward(out: Float32Array, cache: MlpCache, x: Float32Array, params: Float32Array, B: number, T: number): void {
    checkShapes(cache, B, T, F, x, out);
    const p = paramsOf(params);
    const { a, g, y, norm } = cache;
    const N = B * T;
    cache.x = x;

    linearForward(be, a, x, p.W0, p.b0, N, F, F2);
    be.geluForward(g, a, N * F2);
    linearForward(be, y, g, p.W2, p.b2, N, F2, F);
    for (let i = 0; i < N * F; i++) y[i] += x[i];

    for (let n = 0; n < N; n++) {
      const row = n * F;
      let ss = 0;
      for (let f = 0; f < F; f++) ss += y[row + f] * y[row + f];
      const nrm = Math.max(Math.sqrt(ss), NORM_EPS);
      norm[n] = nrm;
      for (let f = 0; f < F; f++) out[row + f] = (y[row + f] / nrm) * scale;
    }
  }

  function backward(dparams: Float32Array, dout: Float32Array, cache: MlpCache, params: Float32Array, B: number, T: number): void {
    checkShapes(cache, B, T, F, dout, dout);
    const p = paramsOf(params);
    const d = gradsOf(dparams);
    const { x, a, g, y, norm, dy, da } = cache;
    if (x === null) throw new Error('mlp backward needs a forward first');
    const N = B * T;

    // out = s·u with u = y/‖y‖: dy = s·(dout − u (u·dout)) / ‖y‖. Below the
    // clamp the norm is the constant 1e-12 and dy = s·dout / 1e-12.
    for (let n = 0; n < N; n++) {
      const row = n * F;
      const nrm = norm[n];
      let ss = 0;
      let udo = 0; // u · dout
      for (let f = 0; f < F; f++) {
        ss += y[row + f] * y[row + f];
        udo += (y[row + f] / nrm) * dout[row + f];
      }
      const clamped = Math.sqrt(ss) < NORM_EPS;
      for (let f = 0; f < F; f++) {
        const u = y[row + f] / nrm;
        dy[row + f] = (clamped ? dout[row + f] : dout[row + f] - u * udo) * (scale / nrm);
      }
    }
    // y = g W2ᵀ + b2 + x (x is data: its gradient is not needed).
    linearBackward(be, da, d.W2, d.b2, dy, g, p.W2, N, F2, F);
    // g = GELU(a)
    be.geluBackward(da, da, a, N * F2);
    // a = x W0ᵀ + b0
    linearBackward(be, null, d.W0, d.b0, da, x, p.W0, N, F, F2);
  }

  // Per frame: the first layer (2F·F) reads the input; the second (F·2F) reads GELU activations.
  const cost = (cache: MlpCache, B: number, T: number) => hiddenCost(2 * F * F, 2 * F * F, zeroFraction(cache.g, B * T * 2 * F));

  return { kind: 'backprop', name: 'mlp', layout, features: F, init, createCache, forward, backward, cost };
}
