/**
 * eprop: a leaky tanh RNN that learns online by eligibility propagation
 * (Bellec et al. 2020, "A solution to the learning dilemma for recurrent
 * networks of spiking neurons", Nat. Commun. 11:3625), in its rate-based form.
 * No backpropagation through time: every synapse keeps a local eligibility
 * trace, and a learning signal broadcast from the output error says how much
 * of it to learn.
 *
 *   a_t = α a_{t−1} + (1−α)(W_ih x_t + W_hh h_{t−1} + b),   a_{−1} = h_{−1} = 0
 *   h_t = tanh(a_t)
 *   y_t = W_fc h_t + b_fc                      scored against frame t + horizon
 *
 * α is the leak (α = 0: the plain tanh RNN of the reference task, with one bias).
 *
 * The rule. The segment's loss is its MSE as src/train/loss.ts defines it,
 * E = 1/(scored·F) Σ_t ‖y_t − target_t‖² over the `scored` steps that have a
 * target, so ∂E/∂y_t = c·err(t) with err = y_t − target and c = 2/(scored·F), and
 *
 *   dE/dW_ji = Σ_t ∂E/∂h_j(t) · dh_j(t)/dW_ji.
 *
 * e-prop keeps two parts of this and drops the rest:
 *   - of ∂E/∂h_j(t), only the path through y_t: c times the learning signal
 *       L_j(t) = Σ_k B_jk err_k(t),
 *     with B = W_fcᵀ (symmetric e-prop) or a fixed random matrix (random e-prop);
 *   - of dh_j(t)/dW_ji, only the path through neuron j's own state a_j (h_{t−1}
 *     held fixed): the eligibility trace e_ji(t) = tanh′(a_j(t)) ε_ji(t) with the
 *     eligibility vector ε_ji(t) = ∂a_j(t)/∂W_ji = α ε_ji(t−1) + (1−α) z_i(t),
 *     z = x_t for W_ih, h_{t−1} for W_hh, 1 for b.
 *
 *   ĝ_ji = c Σ_t L_j(t) e_ji(t)     (the read-out's gradient c Σ_t err(t) h_tᵀ is exact)
 *
 * The leak is the same for every neuron, so ε_ji does not depend on j: it is a
 * low-pass filtered copy of the presynaptic input, ε̄_i, kept once per input
 * (F + N + 1 numbers, not N·(F + N + 1)). The trace is the outer product
 * e(t) = ψ(t) ε̄(t)ᵀ with ψ = 1 − h_t², and the gradient a sum of outer products
 *
 *   ĝ_W = c Σ_t δ(t) ε̄(t)ᵀ,   δ_j(t) = L_j(t) ψ_j(t).
 *
 * When W_hh = 0 both dropped parts are zero (every path from one neuron's
 * activity to another's, or to a later step's, runs through W_hh), so e-prop
 * is then the exact gradient; the tests check that against finite differences.
 *
 * Learning: the sums over t are matrix products, ĝ_W = c Δᵀ E with the rows
 * δ(t) of Δ and ε̄(t) of E (and c Errᵀ H for the read-out), so learn() only
 * records the step's err, h_t and ε̄(t) as one row of a block of BLOCK steps;
 * a full block (and the last one at endSequence) becomes δ = (Err B) ⊙ (1 − H²)
 * and the products, in float32 (the backend's matmuls), added into float64
 * sums. endSequence() scales them by c (scored = learn calls in the segment),
 * optionally clips their global norm, and takes one Adam step (AdamW with no
 * weight decay). The step runs in float32 too (the backend's epropStep);
 * epropSegmentGradient below is the same rule written out in float64, the
 * reference the tests hold the unit to.
 *
 * The late learning signal. The error of step t's prediction comes with its
 * target, horizon − 1 steps after step t (src/models/online.ts), when h and ε̄
 * have moved on. So each step keeps its h_t and ε̄(t) in a ring of the last
 * `horizon` steps, and learn() pairs the error with its own step's, not with
 * the current ones. The weights change only at endSequence, so that error is
 * the one step t would have had, and the estimate is exactly the rule above
 * at any horizon.
 *
 * Cost per step, with P = F + N + 1 presynaptic inputs:
 *   forward (step)   N·F + N·N + F·N MACs, plus P to advance the traces;
 *   learning adds    F·N for L = B·err, N·P for the outer products δ ε̄ᵀ,
 *                    F·N + F for the read-out's err h_tᵀ: about as much again.
 */
import type { Rng } from '../data/rng.js';
import { UsageError } from '../errors.js';
import { adamwStep, createAdamW } from '../optim/adamw.js';
import type { UnitCost } from './cost.js';
import type { LearnSignal, OnlineUnit } from './online.js';
import { readOptions } from './options.js';
import { layoutParams, paramViews, type ParamLayout } from './params.js';
import { checkRecurrentSizes } from './recurrent.js';
import { StepSlots } from './step-slots.js';
import type { UnitContext } from './unit.js';

/**
 * `--opt` settings of eprop. Defaults from a short sweep on the example recording
 * (N = 128, horizon 2, validation MSE after 50 passes): leak 0 did best (at lr
 * 1e-3, leak 0 / 0.5 / 0.8 gave 0.113 / 0.119 / 0.132; at lr 3e-3, leak 0 / 0.2
 * gave 0.096 / 0.100); symmetric feedback beat random (0.096 vs 0.109 at lr
 * 3e-3); clipping at norm 1 made no difference (0.095), so it is off.
 */
export const EPROP_OPTIONS = {
  leak: {
    default: 0,
    min: 0,
    max: 0.99,
    help: 'α, the membrane leak: a_t = α a_{t−1} + (1−α)(…); 0 is the plain tanh RNN',
  },
  feedback: {
    default: 0,
    min: 0,
    max: 1,
    integer: true,
    help: 'learning-signal weights: 0 symmetric (B = W_fcᵀ), 1 a fixed random matrix (random e-prop)',
  },
  clip: {
    default: 0,
    min: 0,
    help: 'largest global L2 norm of a segment’s gradient before the Adam step; 0 does not clip',
  },
} as const;

/** Sizes and settings of the rule (what epropSegmentGradient needs besides the numbers). */
export interface EpropDims {
  /** F: features per frame, in and out. */
  features: number;
  /** N: hidden units. */
  hidden: number;
  /** α, 0 ≤ α < 1. */
  leak: number;
  /** Random e-prop: the layout then ends in a fixed eprop.feedback (N, F). */
  randomFeedback: boolean;
}

/**
 * PyTorch's names for nn.RNN(F, N) with its two biases folded into one, and
 * nn.Linear(N, F); random e-prop appends its fixed feedback matrix (not learnt).
 */
export function epropLayout(F: number, N: number, randomFeedback: boolean): ParamLayout {
  return layoutParams([
    { name: 'rnn.weight_ih_l0', shape: [N, F] },
    { name: 'rnn.weight_hh_l0', shape: [N, N] },
    { name: 'rnn.bias_l0', shape: [N] },
    { name: 'fc.weight', shape: [F, N] },
    { name: 'fc.bias', shape: [F] },
    ...(randomFeedback ? [{ name: 'eprop.feedback', shape: [N, F] }] : []),
  ]);
}

/** Named views of a parameter buffer. */
export interface EpropParams {
  Wih: Float32Array; // (N, F) rnn.weight_ih_l0
  Whh: Float32Array; // (N, N) rnn.weight_hh_l0
  b: Float32Array; // (N) rnn.bias_l0
  Wfc: Float32Array; // (F, N) fc.weight
  bfc: Float32Array; // (F) fc.bias
  /** (N, F) eprop.feedback, the fixed B of random e-prop; null for symmetric e-prop (B = W_fcᵀ). */
  feedback: Float32Array | null;
}

export function epropViews(layout: ParamLayout, buffer: Float32Array): EpropParams {
  const v = paramViews(layout, buffer);
  return {
    Wih: v['rnn.weight_ih_l0'],
    Whh: v['rnn.weight_hh_l0'],
    b: v['rnn.bias_l0'],
    Wfc: v['fc.weight'],
    bfc: v['fc.bias'],
    feedback: v['eprop.feedback'] ?? null,
  };
}

/**
 * PyTorch's initialisation of nn.RNN and nn.Linear(N, F): every tensor
 * ~ U(−1/√N, 1/√N), drawn in layout order; the random feedback matrix, last,
 * from the same distribution (that of W_fcᵀ).
 */
export function initEprop(layout: ParamLayout, params: Float32Array, N: number, rng: Rng): void {
  if (params.length !== layout.size) throw new Error(`eprop parameters: ${params.length} values, layout needs ${layout.size}`);
  const k = 1 / Math.sqrt(N);
  for (let i = 0; i < params.length; i++) params[i] = rng.uniform(-k, k);
}

/** Gradient sums (float64), laid out like the trainable part of the parameters. */
interface EpropGrads {
  Wih: Float64Array; // (N, F)
  Whh: Float64Array; // (N, N)
  b: Float64Array; // (N)
  Wfc: Float64Array; // (F, N)
  bfc: Float64Array; // (F)
}

function gradViews(F: number, N: number, buffer: Float64Array): EpropGrads {
  const cut = (offset: number, size: number) => buffer.subarray(offset, offset + size);
  return {
    Wih: cut(0, N * F),
    Whh: cut(N * F, N * N),
    b: cut(N * F + N * N, N),
    Wfc: cut(N * F + N * N + N, F * N),
    bfc: cut(N * F + N * N + N + F * N, F),
  };
}

// ---------------------------------------------------------------------------
// The float64 reference of the rule: epropSegmentGradient and its step and
// accumulation, written out plainly. The unit runs the same rule in float32
// through the backend's kernels (createEprop below).

/** One sequence's state and the working memory of a step; float64 except the prediction. */
interface EpropState {
  readonly F: number;
  readonly N: number;
  readonly a: Float64Array; // (N) a_t
  h: Float64Array; // (N) h_t
  hPrev: Float64Array; // (N) h_{t−1} (swapped with h each step)
  /** (F + N + 1) eligibility vectors ε̄ of the presynaptic inputs [x_t; h_{t−1}; 1]. */
  readonly trace: Float64Array;
  readonly y: Float32Array; // (F) the prediction y_t
  readonly delta: Float64Array; // (N) δ = L ⊙ ψ, scratch of epropAccumulate
}

function createEpropState(F: number, N: number): EpropState {
  return {
    F,
    N,
    a: new Float64Array(N),
    h: new Float64Array(N),
    hPrev: new Float64Array(N),
    trace: new Float64Array(F + N + 1),
    y: new Float32Array(F),
    delta: new Float64Array(N),
  };
}

/**
 * One step: reads x_t (F), advances a, h and the eligibility vectors, and
 * writes the prediction y_t into s.y. The traces are advanced here, on every
 * step, so they are right whether or not learn() follows; they cost F + N + 1
 * operations against the step's N·(F + N) + F·N.
 */
function epropStep(s: EpropState, p: EpropParams, x: Float32Array, alpha: number): void {
  const { F, N, a, trace, y } = s;
  const { Wih, Whh, b, Wfc, bfc } = p;
  const hPrev = s.h; // h_{t−1}
  const h = s.hPrev; // becomes h_t
  s.hPrev = hPrev;
  s.h = h;
  const beta = 1 - alpha;
  // a_t = α a_{t−1} + (1−α)(W_ih x_t + W_hh h_{t−1} + b),  h_t = tanh(a_t)
  for (let j = 0; j < N; j++) {
    let sum = b[j];
    const rowIh = j * F;
    for (let i = 0; i < F; i++) sum += Wih[rowIh + i] * x[i];
    const rowHh = j * N;
    for (let m = 0; m < N; m++) sum += Whh[rowHh + m] * hPrev[m];
    a[j] = alpha * a[j] + beta * sum;
    h[j] = Math.tanh(a[j]);
  }
  // y_t = W_fc h_t + b_fc
  for (let k = 0; k < F; k++) {
    let sum = bfc[k];
    const row = k * N;
    for (let j = 0; j < N; j++) sum += Wfc[row + j] * h[j];
    y[k] = sum;
  }
  // ε̄(t) = α ε̄(t−1) + (1−α) [x_t; h_{t−1}; 1]
  for (let i = 0; i < F; i++) trace[i] = alpha * trace[i] + beta * x[i];
  for (let m = 0; m < N; m++) trace[F + m] = alpha * trace[F + m] + beta * hPrev[m];
  trace[F + N] = alpha * trace[F + N] + beta;
}

/**
 * Adds the last step's terms into g (unscaled sums; the caller multiplies by c):
 * the read-out's err h_tᵀ and err, and δ ε̄ᵀ for the recurrent weights and the
 * bias, with δ = (B err) ⊙ (1 − h_t²). err = y_t − target (F).
 */
function epropAccumulate(g: EpropGrads, s: EpropState, p: EpropParams, err: Float32Array): void {
  const { F, N, h, trace, delta } = s;
  // δ_j = L_j ψ_j,  L = B err with B = W_fcᵀ or the fixed feedback (N, F)
  const B = p.feedback;
  if (B === null) {
    const W = p.Wfc;
    for (let j = 0; j < N; j++) {
      let L = 0;
      for (let k = 0; k < F; k++) L += W[k * N + j] * err[k];
      delta[j] = L * (1 - h[j] * h[j]);
    }
  } else {
    for (let j = 0; j < N; j++) {
      let L = 0;
      const row = j * F;
      for (let k = 0; k < F; k++) L += B[row + k] * err[k];
      delta[j] = L * (1 - h[j] * h[j]);
    }
  }
  // ĝ_W += δ ε̄ᵀ, row by row
  const { Wih, Whh, b } = g;
  const bias = trace[F + N];
  for (let j = 0; j < N; j++) {
    const d = delta[j];
    const rowIh = j * F;
    for (let i = 0; i < F; i++) Wih[rowIh + i] += d * trace[i];
    const rowHh = j * N;
    for (let m = 0; m < N; m++) Whh[rowHh + m] += d * trace[F + m];
    b[j] += d * bias;
  }
  // the read-out, exactly: dW_fc += err h_tᵀ, db_fc += err
  for (let k = 0; k < F; k++) {
    const e = err[k];
    const row = k * N;
    for (let j = 0; j < N; j++) g.Wfc[row + j] += e * h[j];
    g.bfc[k] += e;
  }
}

/**
 * The e-prop gradient estimate of one segment, in float64 (the unit computes
 * the same in float32, see the top of the file): dparams (layout size, float64) ←
 * ĝ of the segment's MSE, zero for the fixed feedback matrix. seg (T+1, F)
 * holds the segment; the net reads frames 0..T−1 from a zero state, and the
 * prediction of step t is scored against frame t + horizon for t + horizon ≤ T,
 * as src/train/loss.ts's shiftedMse. Returns that MSE. Errors are formed in
 * float32, as audiopred's LearnSignal does.
 */
export function epropSegmentGradient(
  dparams: Float64Array,
  params: Float32Array,
  seg: Float32Array,
  T: number,
  horizon: number,
  dims: EpropDims,
): number {
  const { features: F, hidden: N } = dims;
  const layout = epropLayout(F, N, dims.randomFeedback);
  if (dparams.length !== layout.size) throw new RangeError(`eprop gradient: ${dparams.length} values, layout needs ${layout.size}`);
  if (seg.length < (T + 1) * F) throw new RangeError(`eprop gradient: segment of ${seg.length} values, need (T+1)·F = ${(T + 1) * F}`);
  if (!(Number.isInteger(horizon) && horizon >= 1 && horizon <= T)) {
    throw new RangeError(`horizon must be an integer in [1, ${T}], got ${horizon}`);
  }
  const p = epropViews(layout, params);
  dparams.fill(0);
  const g = gradViews(F, N, dparams);
  const s = createEpropState(F, N);
  const err = new Float32Array(F);
  const scored = T + 1 - horizon;
  let sum = 0;
  for (let t = 0; t < T; t++) {
    epropStep(s, p, seg.subarray(t * F, (t + 1) * F), dims.leak);
    if (t >= scored) continue;
    for (let k = 0; k < F; k++) {
      err[k] = s.y[k] - seg[(t + horizon) * F + k];
      sum += err[k] * err[k];
    }
    epropAccumulate(g, s, p, err);
  }
  const c = 2 / (scored * F);
  for (let i = 0; i < dparams.length; i++) dparams[i] *= c;
  return sum / (scored * F);
}

// ---------------------------------------------------------------------------
// The unit

/** Steps recorded before their outer products are summed (see "Learning" at the top). */
const BLOCK = 64;

/** The built-in online unit `eprop`, sized, seeded and configured by `context`. */
export function createEprop(context: UnitContext): OnlineUnit {
  const options = readOptions('eprop', context.options, EPROP_OPTIONS);
  const F = context.features;
  const N = context.hidden;
  checkRecurrentSizes('eprop', F, N);
  const be = context.backend;
  const alpha = options.leak;
  const randomFeedback = options.feedback === 1;
  const layout = epropLayout(F, N, randomFeedback);
  const params = be.alloc(layout.size);
  initEprop(layout, params, N, context.rng);
  const p = epropViews(layout, params);
  const P = F + N + 1; // presynaptic inputs [x; h_{t−1}; 1]
  const slots = new StepSlots('eprop', context.horizon);
  const H = slots.horizon;

  // One backend buffer for the sequence state and the block of recorded steps, cut into views;
  // rows are copied within it (copyWithin) so a step allocates nothing.
  const offsets: Record<string, number> = {};
  let size = 0;
  for (const [name, n] of [
    ['a', N], ['h0', N], ['h1', N], ['trace', P], ['y', F], ['x', F], ['keptH', H * N], ['keptEps', H * P],
    ['errs', BLOCK * F], ['hs', BLOCK * N], ['eps', BLOCK * P], ['delta', BLOCK * N],
    ['gW', N * P], ['gFc', F * N], ['gBfc', F],
  ] as const) {
    offsets[name] = size;
    size += Math.ceil(n / 16) * 16; // 64-byte aligned views
  }
  const mem = be.alloc(size);
  const view = (name: string, n: number) => mem.subarray(offsets[name], offsets[name] + n);
  const a = view('a', N); // (N) a_t
  let h = view('h0', N); // (N) h_t
  let hPrev = view('h1', N); // (N) h_{t−1}, swapped with h each step
  let hAt = offsets.h0, hPrevAt = offsets.h1;
  const trace = view('trace', P); // (F + N + 1) ε̄(t) of [x_t; h_{t−1}; 1]
  const y = view('y', F); // (F) the prediction y_t
  const x = view('x', F); // (F) x_t, copied in
  // keptH (H, N) and keptEps (H, P): h_t and ε̄(t) of the last H steps, step t's in row t mod H
  const errs = view('errs', BLOCK * F); // (BLOCK, F) err of each recorded step
  const hs = view('hs', BLOCK * N); // (BLOCK, N) h_t of each recorded step
  const eps = view('eps', BLOCK * P); // (BLOCK, P) ε̄(t) of each recorded step
  const delta = view('delta', BLOCK * N); // (BLOCK, N) δ(t) = (B err) ⊙ (1 − h_t²)
  const gW = view('gW', N * P); // (N, P) Δᵀ E of one block: rows [W_ih | W_hh | b]
  const gFc = view('gFc', F * N); // (F, N) Errᵀ H of one block
  const gBfc = view('gBfc', F); // (F) Σ err of one block
  let rows = 0; // steps recorded in the block

  // Learning: float64 sums over the segment, then one Adam step on the trainable prefix.
  const trainableCount = layout.size - (randomFeedback ? N * F : 0);
  const sums = new Float64Array(trainableCount);
  const g = gradViews(F, N, sums);
  const grads = be.alloc(trainableCount); // (trainable) the scaled gradient, float32 for the Adam kernel
  const trainable = params.subarray(0, trainableCount);
  const adam = createAdamW(trainableCount, { lr: context.lr, weightDecay: 0 }, be);
  let scored = 0; // learn() calls since the last Adam step

  // Activity since the last cost(): nonzero inputs of each product, and zero hidden units.
  let steps = 0;
  let nonzeroIn = 0; // Σ_t nnz(x_t) + nnz(h_{t−1}), each feeding N MACs
  let nonzeroOut = 0; // Σ_t nnz(h_t), each feeding F MACs
  let zeroHidden = 0; // Σ_t (N − nnz(h_t))

  function reset(): void {
    a.fill(0);
    h.fill(0);
    hPrev.fill(0);
    trace.fill(0);
    y.fill(0);
    slots.reset(); // recorded rows stay: they belong to the sums until endSequence
  }

  function step(input: Float32Array): Float32Array {
    if (input.length < F) throw new RangeError(`eprop step: a frame has ${F} values, got ${input.length}`);
    for (let i = 0; i < F; i++) x[i] = input[i];
    const last = h; // h_{t−1}
    h = hPrev;
    hPrev = last;
    const lastAt = hAt;
    hAt = hPrevAt;
    hPrevAt = lastAt;
    be.epropStep(a, h, y, trace, x, hPrev, p.Wih, p.Whh, p.b, p.Wfc, p.bfc, F, N, alpha);
    const slot = slots.next();
    mem.copyWithin(offsets.keptH + slot * N, hAt, hAt + N);
    mem.copyWithin(offsets.keptEps + slot * P, offsets.trace, offsets.trace + P);
    let nzIn = 0;
    for (let i = 0; i < F; i++) if (x[i] !== 0) nzIn++;
    for (let m = 0; m < N; m++) if (hPrev[m] !== 0) nzIn++;
    let nzOut = 0;
    for (let j = 0; j < N; j++) if (h[j] !== 0) nzOut++;
    steps++;
    nonzeroIn += nzIn;
    nonzeroOut += nzOut;
    zeroHidden += N - nzOut;
    return y;
  }

  function learn(signal: LearnSignal): void {
    const slot = slots.of(signal.t);
    const err = signal.error;
    for (let k = 0; k < F; k++) errs[rows * F + k] = err[k];
    mem.copyWithin(offsets.hs + rows * N, offsets.keptH + slot * N, offsets.keptH + (slot + 1) * N);
    mem.copyWithin(offsets.eps + rows * P, offsets.keptEps + slot * P, offsets.keptEps + (slot + 1) * P);
    rows++;
    scored++;
    if (rows === BLOCK) flush();
  }

  /** The recorded steps' terms into the float64 sums (unscaled; endSequence multiplies by c). */
  function flush(): void {
    if (rows === 0) return;
    // δ = L ⊙ (1 − h²), L = Err Bᵀ with B = W_fcᵀ (symmetric) or the fixed feedback (N, F)
    if (p.feedback === null) be.matmulAB(delta, errs, p.Wfc, rows, N, F, false);
    else be.matmulABt(delta, errs, p.feedback, rows, N, F, false);
    be.epropDelta(delta, hs, rows * N);
    be.matmulAtB(gW, delta, eps, N, P, rows, false); // Σ_t δ ε̄ᵀ
    be.matmulAtB(gFc, errs, hs, F, N, rows, false); // Σ_t err h_tᵀ, the read-out's exact gradient
    gBfc.fill(0);
    be.sumRows(gBfc, errs, rows, F);
    for (let j = 0; j < N; j++) {
      const row = j * P;
      for (let i = 0; i < F; i++) g.Wih[j * F + i] += gW[row + i];
      for (let m = 0; m < N; m++) g.Whh[j * N + m] += gW[row + F + m];
      g.b[j] += gW[row + F + N];
    }
    for (let i = 0; i < F * N; i++) g.Wfc[i] += gFc[i];
    for (let k = 0; k < F; k++) g.bfc[k] += gBfc[k];
    rows = 0;
  }

  function endSequence(): void {
    flush();
    if (scored === 0) return;
    const c = 2 / (scored * F);
    let norm2 = 0;
    for (let i = 0; i < trainableCount; i++) {
      const v = c * sums[i];
      grads[i] = v;
      norm2 += v * v;
    }
    const norm = Math.sqrt(norm2);
    if (options.clip > 0 && norm > options.clip) {
      const scale = options.clip / norm;
      for (let i = 0; i < trainableCount; i++) grads[i] *= scale;
    }
    adamwStep(trainable, grads, adam, be);
    sums.fill(0);
    scored = 0;
  }

  // The forward pass alone (what validation and inference pay); learning adds about as
  // much again per step (F·N + N·(F + N + 1) + F·N + F, see the top of the file).
  const macsPerFrame = N * F + N * N + F * N;

  function cost(): UnitCost {
    const result: UnitCost = { macsPerFrame };
    if (steps > 0) {
      result.effectiveMacsPerFrame = (nonzeroIn * N + nonzeroOut * F) / steps;
      result.activationSparsity = zeroHidden / (steps * N);
    }
    steps = nonzeroIn = nonzeroOut = zeroHidden = 0;
    return result;
  }

  return {
    kind: 'online',
    name: 'eprop',
    features: F,
    layout,
    params,
    trainableCount,
    stateSize: N + P, // a (h = tanh a) and the eligibility vectors
    reset,
    step,
    learn,
    endSequence,
    cost,
    // Between segments the only learning state outside params is Adam's (the sums are cleared).
    saveState: () => ({ 'adam.exp_avg': adam.m.slice(), 'adam.exp_avg_sq': adam.v.slice(), 'adam.step': Float64Array.of(adam.step) }),
    loadState(state) {
      const m = state['adam.exp_avg'];
      const v = state['adam.exp_avg_sq'];
      const step = state['adam.step'];
      if (m?.length !== adam.m.length || v?.length !== adam.v.length || step?.length !== 1) {
        throw new UsageError(`unit eprop: the saved optimiser state does not fit this unit (${adam.m.length} trainable values)`);
      }
      adam.m.set(m);
      adam.v.set(v);
      adam.step = step[0];
    },
  };
}
