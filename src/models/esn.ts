/**
 * Echo-state networks (Jaeger, 2001): a fixed random recurrent reservoir of
 * N = --hidden leaky tanh units, and a linear readout that alone is learnt.
 *
 *   h_t = (1 − a)·h_{t−1} + a·tanh(W_in x_t + W h_{t−1} + b),   h_{−1} = 0
 *   ŷ   = W_out [h_t; x_t] + b_out
 *
 * W (N, N) is uniform in [−1, 1] on a random `density` share of its entries,
 * then rescaled so its spectral radius is `radius` (below 1 the reservoir's
 * memory fades: the echo-state property, in practice). W_in (N, F) is uniform
 * in [−input_scale, input_scale], b (N) in [−bias_scale, bias_scale]. The
 * readout also sees the input x_t itself, so it can fall back on persistence.
 *
 * Two ways to learn the readout, one factory each:
 *
 *   esn      ridge regression (ridge.ts) on every training step t ≥ washout
 *            of the pass, solved at endPass: the exact fit, so `passes: 1`.
 *   esn-rls  recursive least squares, as in FORCE learning (Sussillo & Abbott,
 *            2009): for each step t, with z = [h_t; x_t; 1] and P₀ = I/δ,
 *              k = P z / (1 + zᵀ P z),  P ← P − k (P z)ᵀ,  [W_out b_out] ← [W_out b_out] − e kᵀ
 *            where e = W_out z + b_out − y is the a priori error of the
 *            readout as it is when y = x_{t+horizon} arrives (with horizon > 1
 *            it has learnt from steps since t, so this is not the error of the
 *            prediction step t made). After one pass from
 *            W_out = 0 this is exactly ridge with penalty δ on every
 *            coefficient (the test checks that identity); more passes keep
 *            refining, so it has no passes cap. Each learn costs O(D²) with
 *            D = N + F + 1, for P (float64, symmetric: its upper triangle,
 *            updated by the backend's rlsGain and rlsDowndate kernels),
 *            which saveState/loadState carry across a resumed run.
 *
 * Learning for step t comes when x_{t+horizon} arrives, horizon − 1 steps
 * later (src/models/online.ts), so the reservoir keeps the z of its last
 * `horizon` steps, one slot each, for learn to read.
 *
 * Everything random comes from context.rng in a fixed order (W's mask and
 * values, the spectral radius's start vector, W_in, b), so one seed gives one
 * reservoir. The numbers live in `params` (a checkpoint restores them); the
 * sparse copy of W that steps use is rebuilt from params at every reset.
 */
import { UsageError } from '../errors.js';
import type { Rng } from '../data/rng.js';
import type { Backend } from '../kernels/backend.js';
import type { UnitCost } from './cost.js';
import type { LearnSignal, OnlineUnit } from './online.js';
import { readOptions, type OptionSpec, type OptionValues } from './options.js';
import { layoutParams, paramViews, type ParamLayout } from './params.js';
import { addRidgeRow, clearRidgeStats, createRidgeStats, SingularSystemError, solveRidge } from './ridge.js';
import { StepSlots } from './step-slots.js';
import type { UnitContext } from './unit.js';

// Defaults from a brief search on the bundled example (N = 128, horizon 2, per-frame
// standardisation; one coordinate sweep per option, on a split other than the default seed's).
// That data favours a short memory (radius 0.6 with leak 0.7: the state forgets in a few frames)
// and strongly nonlinear units (bias_scale 1 spreads them over tanh's range). washout 0:
// validation scores every step from the segment's start, so fitting those steps too helps.
// Their val MSE was within ~3% of the first guesses (radius 0.9, leak 0.5, bias 0.2, washout 20);
// a larger --hidden helps far more.
const RESERVOIR_OPTIONS = {
  radius: { default: 0.6, min: 0, help: 'spectral radius of the reservoir matrix W' },
  leak: { default: 0.7, above: 0, max: 1, help: 'a: leak rate, the share of the new tanh activity in h_t' },
  input_scale: { default: 0.5, min: 0, help: 'W_in is uniform in [−input_scale, input_scale]' },
  bias_scale: { default: 1, min: 0, help: 'the reservoir bias b is uniform in [−bias_scale, bias_scale]' },
  density: { default: 0.1, above: 0, max: 1, help: 'share of W’s entries that are connections (nonzero)' },
  washout: { default: 0, min: 0, integer: true, help: 'steps at the start of each segment that are not fitted' },
} as const satisfies Record<string, OptionSpec>;

export const ESN_OPTIONS = {
  ...RESERVOIR_OPTIONS,
  // Best of 1e-7 … 1e-2 at N = 128 and N = 512.
  ridge: { default: 1e-4, min: 0, help: 'λ: ridge penalty per training row on the readout weights (not its bias)' },
} as const satisfies Record<string, OptionSpec>;

export const ESN_RLS_OPTIONS = {
  ...RESERVOIR_OPTIONS,
  // δ = 1 is about esn's λ·n on the example (1e-4 × ~12,500 rows) and was the best of 0.01 … 100 after one pass.
  delta: { default: 1, above: 0, help: 'δ: P starts as I/δ, i.e. a ridge penalty δ on every readout coefficient' },
} as const satisfies Record<string, OptionSpec>;

type ReservoirOptions = OptionValues<typeof RESERVOIR_OPTIONS>;

// ---------------------------------------------------------------------------
// Sparse matrices and the spectral radius

/** A square matrix (N, N) in compressed sparse rows: row i's entries are index rowStart[i] … rowStart[i+1]−1. */
interface SparseRows {
  readonly rowStart: Int32Array; // (N + 1)
  readonly column: Int32Array; // (nnz)
  readonly value: Float64Array; // (nnz)
}

function sparseRows(M: ArrayLike<number>, N: number): SparseRows {
  let nnz = 0;
  for (let i = 0; i < N * N; i++) if (M[i] !== 0) nnz++;
  const rowStart = new Int32Array(N + 1);
  const column = new Int32Array(nnz);
  const value = new Float64Array(nnz);
  let p = 0;
  for (let i = 0; i < N; i++) {
    rowStart[i] = p;
    for (let j = 0; j < N; j++) {
      const m = M[i * N + j];
      if (m !== 0) {
        column[p] = j;
        value[p] = m;
        p++;
      }
    }
  }
  rowStart[N] = p;
  return { rowStart, column, value };
}

/** out (N) = M v. */
function sparseMatVec(out: Float64Array, M: SparseRows, v: Float64Array, N: number): void {
  const { rowStart, column, value } = M;
  for (let i = 0; i < N; i++) {
    let sum = 0;
    const end = rowStart[i + 1];
    for (let p = rowStart[i]; p < end; p++) sum += value[p] * v[column[p]];
    out[i] = sum;
  }
}

/** Share of nonzero weights above which W h runs as a dense product (see the step). */
const DENSE_ABOVE = 0.4;

/** Power iterations the spectral radius is estimated from. */
export const SPECTRAL_ITERATIONS = 4000;

/**
 * The spectral radius ρ(M) = max |λ| of a square matrix M (N, N), symmetric or
 * not, from the growth rate of ‖M^k v‖ for a random v: log ‖M^k v‖ ≈ k log ρ + c.
 * The slope is fitted by least squares over the second half of the
 * iterations, which cancels the constant c and averages out the oscillation
 * of a dominant complex pair (where ‖M^{k+1} v‖ / ‖M^k v‖ does not converge, so
 * the last ratio would be wrong). Eigenvalues just below ρ in modulus bias the
 * estimate low by at most about 1/(2e·k₀) relatively (k₀ = the first fitted
 * iteration): ~1e-4 here. The tests check it on matrices of known spectrum.
 * Returns 0 for a nilpotent M (M^k v reaches exactly 0).
 */
export function spectralRadius(M: ArrayLike<number>, N: number, rng: Rng, iterations = SPECTRAL_ITERATIONS): number {
  if (M.length < N * N) throw new RangeError(`spectral radius of a ${N}×${N} matrix, got ${M.length} values`);
  if (!(Number.isInteger(iterations) && iterations >= 4)) throw new RangeError(`iterations must be an integer ≥ 4, got ${iterations}`);
  const S = sparseRows(M, N);
  let v = new Float64Array(N);
  let w = new Float64Array(N);
  for (let i = 0; i < N; i++) v[i] = rng.normal();
  normalize(v);
  // Least-squares slope of logNorm(k) over k = first … iterations.
  const first = Math.floor(iterations / 2);
  let logNorm = 0;
  let sk = 0, sl = 0, skk = 0, skl = 0, m = 0;
  for (let k = 1; k <= iterations; k++) {
    sparseMatVec(w, S, v, N);
    const norm = normalize(w);
    if (norm === 0) return 0;
    logNorm += Math.log(norm);
    [v, w] = [w, v];
    if (k >= first) {
      sk += k;
      sl += logNorm;
      skk += k * k;
      skl += k * logNorm;
      m++;
    }
  }
  const slope = (m * skl - sk * sl) / (m * skk - sk * sk);
  return Math.exp(slope);
}

/** v ← v / ‖v‖ (unless 0); returns ‖v‖. */
function normalize(v: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return norm;
}

// ---------------------------------------------------------------------------
// The reservoir, shared by both readouts

/** A zeroed float64 array of n values in the backend's memory (its kernels take float32 buffers from alloc). */
function allocFloat64(be: Backend, n: number): Float64Array {
  const floats = be.alloc(2 * n);
  return new Float64Array(floats.buffer, floats.byteOffset, n);
}

interface Reservoir {
  readonly N: number;
  readonly F: number;
  /** Readout inputs: [h_t; x_t] (N + F), plus 1 for the bias in z. */
  readonly R: number;
  readonly layout: ParamLayout;
  readonly params: Float32Array;
  readonly Wout: Float32Array; // (F, N + F)
  readonly bout: Float32Array; // (F)
  /** Step t's z = [h_t; x_t; 1] (N + F + 1), the readout's input, kept for the last `horizon` steps (in the backend's memory); learn asks for each step once, in order. */
  stateAt(t: number): Float64Array;
  /** Forget h; rebuild the sparse copy of W and the nonzero counts from params. */
  reset(): void;
  /** Advance h by x, then the readout: returns ŷ (F, one buffer reused). */
  step(x: ArrayLike<number>): Float32Array;
  /** The readout's weights changed: recount its nonzeros before the next step. */
  readoutChanged(): void;
  cost(): UnitCost;
}

function createReservoir(unit: string, context: UnitContext, options: ReservoirOptions): Reservoir {
  const F = context.features;
  const N = context.hidden;
  if (!(Number.isInteger(N) && N >= 1)) throw new UsageError(`unit ${unit}: the reservoir size --hidden must be an integer ≥ 1, got ${N}`);
  const R = N + F;
  const { radius, leak: a } = options;

  const layout = layoutParams([
    { name: 'reservoir.weight', shape: [N, N] },
    { name: 'input.weight', shape: [N, F] },
    { name: 'reservoir.bias', shape: [N] },
    { name: 'readout.weight', shape: [F, R] },
    { name: 'readout.bias', shape: [F] },
  ]);
  const params = context.backend.alloc(layout.size);
  const views = paramViews(layout, params);
  const W = views['reservoir.weight']; // (N, N)
  const Win = views['input.weight']; // (N, F)
  const b = views['reservoir.bias']; // (N)
  const Wout = views['readout.weight']; // (F, N + F)
  const bout = views['readout.bias']; // (F)

  // W: a random sparse matrix scaled to spectral radius `radius`. Drawn and scaled in float64,
  // stored once in float32.
  const rng = context.rng;
  const raw = new Float64Array(N * N);
  for (let i = 0; i < N * N; i++) if (rng.nextFloat() < options.density) raw[i] = rng.uniform(-1, 1);
  if (radius > 0) {
    const rho = spectralRadius(raw, N, rng);
    if (!(rho > 1e-6)) {
      throw new UsageError(
        `unit ${unit}: the random reservoir has spectral radius ${rho.toPrecision(3)}, too sparse to rescale to ${radius} ` +
          `(${N} units at density ${options.density}); raise --opt density or --hidden`,
      );
    }
    for (let i = 0; i < N * N; i++) W[i] = (raw[i] * radius) / rho;
  }
  for (let i = 0; i < N * F; i++) Win[i] = rng.uniform(-options.input_scale, options.input_scale);
  for (let i = 0; i < N; i++) b[i] = rng.uniform(-options.bias_scale, options.bias_scale);

  const z = new Float64Array(R + 1); // (N + F + 1) [h_t; x_t; 1] of the last step
  z[R] = 1;
  const hNext = new Float64Array(N);
  const y = new Float32Array(F);
  const slots = new StepSlots(unit, context.horizon);
  const stride = Math.ceil((R + 1) / 8) * 8; // 64-byte aligned slots
  const kept = allocFloat64(context.backend, slots.horizon * stride); // (horizon, N + F + 1) z of the last steps
  const zOf = Array.from({ length: slots.horizon }, (_, i) => kept.subarray(i * stride, i * stride + R + 1));

  // W h runs over W's nonzeros (compressed rows) unless W is so dense that the plain loop is
  // faster: a sparse product costs about twice as much per weight as a dense one.
  let recurrent = sparseRows(W, N);
  let denseRecurrence = false;
  // Cost bookkeeping: nonzero weights per input column of each matrix, so a zero activation
  // skips exactly the multiplications it would feed.
  const reservoirColumn = new Int32Array(N);
  const inputColumn = new Int32Array(F);
  const readoutColumn = new Int32Array(R);
  let readoutStale = true;
  let measuredSteps = 0;
  let measuredMacs = 0;
  let zeroActivations = 0;

  function countFixed(): void {
    recurrent = sparseRows(W, N);
    denseRecurrence = recurrent.column.length > DENSE_ABOVE * N * N;
    reservoirColumn.fill(0);
    for (let p = 0; p < recurrent.column.length; p++) reservoirColumn[recurrent.column[p]]++;
    inputColumn.fill(0);
    for (let i = 0; i < N; i++) for (let f = 0; f < F; f++) if (Win[i * F + f] !== 0) inputColumn[f]++;
  }
  function countReadout(): void {
    readoutColumn.fill(0);
    for (let f = 0; f < F; f++) for (let j = 0; j < R; j++) if (Wout[f * R + j] !== 0) readoutColumn[j]++;
    readoutStale = false;
  }
  countFixed();

  return {
    N,
    F,
    R,
    layout,
    params,
    Wout,
    bout,

    reset() {
      z.fill(0, 0, R);
      countFixed();
      readoutStale = true;
      slots.reset();
    },

    step(x) {
      if (x.length < F) throw new RangeError(`${unit}: step needs ${F} features, got ${x.length}`);
      if (readoutStale) countReadout();
      let macs = 0;
      for (let j = 0; j < N; j++) if (z[j] !== 0) macs += reservoirColumn[j];
      for (let f = 0; f < F; f++) if (x[f] !== 0) macs += inputColumn[f];

      // h_t = (1 − a) h_{t−1} + a tanh(W_in x_t + W h_{t−1} + b), with h_{t−1} = z[0, N).
      const { rowStart, column, value } = recurrent;
      for (let i = 0; i < N; i++) {
        let sum = b[i];
        const row = i * F;
        for (let f = 0; f < F; f++) sum += Win[row + f] * x[f];
        if (denseRecurrence) {
          const wRow = i * N;
          for (let j = 0; j < N; j++) sum += W[wRow + j] * z[j];
        } else {
          const end = rowStart[i + 1];
          for (let p = rowStart[i]; p < end; p++) sum += value[p] * z[column[p]];
        }
        hNext[i] = (1 - a) * z[i] + a * Math.tanh(sum);
      }
      for (let i = 0; i < N; i++) {
        z[i] = hNext[i];
        if (hNext[i] === 0) zeroActivations++;
      }
      for (let f = 0; f < F; f++) z[N + f] = x[f];

      // ŷ = W_out [h_t; x_t] + b_out
      for (let f = 0; f < F; f++) {
        let sum = bout[f];
        const row = f * R;
        for (let j = 0; j < R; j++) sum += Wout[row + j] * z[j];
        y[f] = sum;
      }
      for (let j = 0; j < R; j++) if (z[j] !== 0) macs += readoutColumn[j];
      measuredMacs += macs;
      measuredSteps++;
      zOf[slots.next()].set(z);
      return y;
    },

    readoutChanged() {
      readoutStale = true;
    },

    stateAt(t) {
      return zOf[slots.of(t)];
    },

    cost(): UnitCost {
      // Dense: every weight of W, W_in and W_out once per frame (bias additions are not MACs).
      const cost: UnitCost = { macsPerFrame: N * N + N * F + F * R };
      if (measuredSteps > 0) {
        cost.effectiveMacsPerFrame = measuredMacs / measuredSteps;
        cost.activationSparsity = zeroActivations / (measuredSteps * N);
      }
      measuredSteps = 0;
      measuredMacs = 0;
      zeroActivations = 0;
      return cost;
    },
  };
}

/** The OnlineUnit fields both readouts share. */
function unitOf(name: string, reservoir: Reservoir) {
  return {
    kind: 'online' as const,
    name,
    features: reservoir.F,
    layout: reservoir.layout,
    params: reservoir.params,
    trainableCount: reservoir.F * reservoir.R + reservoir.F,
    stateSize: reservoir.N,
    reset: () => reservoir.reset(),
    step: (x: Float32Array) => reservoir.step(x),
    cost: () => reservoir.cost(),
  };
}

// ---------------------------------------------------------------------------
// esn: ridge readout

export function createEsn(context: UnitContext): OnlineUnit {
  const name = 'esn';
  const options = readOptions(name, context.options, ESN_OPTIONS);
  const reservoir = createReservoir(name, context, options);
  const { F, R, Wout, bout } = reservoir;
  const D = R + 1;
  const stats = createRidgeStats(D, F);
  const fit = new Float64Array(F * D); // (F, N + F + 1) [W_out b_out]

  return {
    ...unitOf(name, reservoir),
    passes: 1,

    learn(signal: LearnSignal) {
      const zt = reservoir.stateAt(signal.t);
      if (signal.t < options.washout) return;
      addRidgeRow(stats, zt, signal.target);
    },

    endPass() {
      if (stats.rows === 0) {
        throw new UsageError(`unit ${name}: no training steps past the washout (${options.washout}); lower --opt washout`);
      }
      try {
        solveRidge(fit, stats, options.ridge, R);
      } catch (e) {
        if (!(e instanceof SingularSystemError)) throw e;
        throw new UsageError(`unit ${name}: ${e.message}; set --opt ridge to a positive value (now ${options.ridge})`);
      }
      for (let f = 0; f < F; f++) {
        for (let j = 0; j < R; j++) Wout[f * R + j] = fit[f * D + j];
        bout[f] = fit[f * D + R];
      }
      clearRidgeStats(stats);
      reservoir.readoutChanged();
    },
  };
}

// ---------------------------------------------------------------------------
// esn-rls: recursive least squares readout

export function createEsnRls(context: UnitContext): OnlineUnit {
  const name = 'esn-rls';
  const options = readOptions(name, context.options, ESN_RLS_OPTIONS);
  const reservoir = createReservoir(name, context, options);
  const { F, R, Wout, bout } = reservoir;
  const D = R + 1;

  // P (D, D), the inverse of the penalised ZᵀZ so far; symmetric, so only its upper triangle
  // (j ≥ i) is stored and updated, which also keeps it exactly symmetric.
  const be = context.backend;
  const P = allocFloat64(be, D * D);
  for (let i = 0; i < D; i++) P[i * D + i] = 1 / options.delta;
  const u = allocFloat64(be, D); // P z
  const e = new Float32Array(F); // the a priori error, in float32 as the trainer forms errors

  return {
    ...unitOf(name, reservoir),

    learn(signal: LearnSignal) {
      const z = reservoir.stateAt(signal.t);
      if (signal.t < options.washout) return;
      be.rlsGain(u, P, z, D); // u = P z
      let c = 1;
      for (let i = 0; i < D; i++) c += z[i] * u[i];
      if (!(c >= 1 - 1e-9)) {
        // zᵀ P z ≥ 0 while P is positive definite; NaN or Inf in the rows breaks that.
        throw new Error(`${name}: P is no longer positive definite (1 + zᵀPz = ${c}); is there NaN or Inf in the input?`);
      }
      const g = 1 / c; // k = g·u

      // [W_out b_out] −= e kᵀ with the a priori error e = W_out z + b_out − y of the readout as it
      // is now, summed as step sums ŷ (with horizon 1 that is exactly signal.error).
      const y = signal.target;
      for (let f = 0; f < F; f++) {
        let sum = bout[f];
        const row = f * R;
        for (let j = 0; j < R; j++) sum += Wout[row + j] * z[j];
        e[f] = Math.fround(sum) - y[f];
      }
      for (let f = 0; f < F; f++) {
        const ef = e[f] * g;
        const row = f * R;
        for (let j = 0; j < R; j++) Wout[row + j] -= ef * u[j];
        bout[f] -= ef * u[R];
      }

      be.rlsDowndate(P, u, g, D); // P ← P − k (P z)ᵀ = P − g u uᵀ
      reservoir.readoutChanged();
    },

    // P is learning state outside params: a resumed run needs it to continue exactly.
    saveState() {
      return { P: P.slice() };
    },

    loadState(state) {
      const saved = state.P;
      if (!(saved instanceof Float64Array) || saved.length !== P.length) {
        throw new UsageError(`unit ${name}: the saved state has no ${D}×${D} float64 matrix P for this reservoir`);
      }
      P.set(saved);
    },
  };
}
