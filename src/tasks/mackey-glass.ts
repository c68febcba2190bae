/**
 * The Mackey-Glass series of NeuroBench's chaotic-function-prediction task (their τ = 17
 * series; neurobench/datasets/mackey_glass.py and examples/mackey_glass/esn_benchmark.py),
 * generated here instead of downloaded.
 *
 *   dx/dt = β x(t−τ) / (1 + x(t−τ)^n) − γ x(t),   β 0.2, γ 0.1, n 10, τ 17,
 *   x(t) = 0.7206597 for t ≤ 0 (the constant past).
 *
 * Sampling: 75 points per Lyapunov time (197 time units), so sample k is x(k·Δ) with
 * Δ = 197/75. Sample 0 is t = 0, the first point after the constant past (x(0) = 0.7206597).
 *
 * The task: a window of 1501 points; the first 750 are inputs for training (each predicts the
 * next), the next 750 are the autoregressive test, the last point is the final target
 * (their maxtime_pts = train + test + 1). Their 30 repeats each move the window by half a
 * Lyapunov time, int(k · 37.5) points for k = 0…29, so all repeats are windows of one long
 * series of 1087 + 1501 = 2588 points (≈ 6800 time units, 35 Lyapunov times).
 *
 * The integrator: classical RK4 with a fixed step h = τ/1700 = 0.01, with the past kept on the
 * step grid (x and x' at every grid point, over the last τ).
 * - h divides τ, so the delayed times t−τ, t−τ+h of a step are grid points, read exactly
 *   from the stored values. The RK4 midpoint stages need x(t−τ+h/2): the cubic Hermite
 *   interpolant of the two stored grid points and their derivatives gives it with error
 *   h⁴/384·|x''''|, which adds O(h⁵) per step, so the scheme stays 4th order overall (an
 *   order-2 guess like the average of the two points would make it 2nd order).
 * - The solution has derivative jumps at 0, τ, 2τ, … (x' jumps at 0 where the constant past
 *   meets the dynamics, x'' at τ, x''' at 2τ, …). They are all grid points, so no RK4 step
 *   and no Hermite interval ever straddles one, and the 4th order holds from the start.
 * - Samples fall between grid points (Δ/h = 788/3); each is the cubic Hermite interpolant of
 *   the two grid points around it, with derivatives from the DDE: 4th-order accurate too.
 * - Only + − × ÷ (x^n by repeated squaring, not Math.pow), so the series is bit-identical on
 *   every machine and Node version. That matters for a chaotic series: an error grows e-fold
 *   per Lyapunov time, so a one-ulp difference would be O(1) by the later repeats.
 * Checked against an independent DOP853 solution (scripts/python/mackey_glass_reference.py)
 * in test/tasks/mackey-glass.test.ts.
 *
 * How this differs from NeuroBench's data. They publish precomputed series (mg_17.npy on
 * huggingface.co/datasets/NeuroBench/mackey_glass) and ask users to download them rather than
 * regenerate, because the solver's results vary by platform. They were made with jitcdde:
 * adaptive Bogacki–Shampine 3(2) with its default tolerances (atol 1e-10, rtol 1e-5, steps up
 * to 10 time units) after `step_on_discontinuities`, which integrates to t = τ before the first
 * sample, so their generate_data's sample 0 is x(17), not x(0) (17/Δ ≈ 6.47 samples, so no
 * whole shift lines the two up). Their generate_data also spaces its 1501 points by
 * maxtime/1500 = Δ·1501/1500 rather than Δ; how the published file was spaced we could not
 * check. And whatever the integrator, a chaotic series parts from any other one: a difference
 * of 1e-5 grows e-fold every 197 time units and is O(1) after about 12 Lyapunov times. So this
 * series agrees with NeuroBench's statistically (a trajectory on the same attractor, with the
 * same range and the same difficulty for a predictor), not point by point, and sMAPE scores on
 * it compare with theirs as averages over repeats, not repeat by repeat. The same holds for our
 * own series against the exact solution: within 1e-9 up to t = 788 (tested), and beyond a few
 * thousand time units a reproducible trajectory on the attractor, which is what the task needs.
 */
import { UsageError } from '../errors.js';

export const MACKEY_GLASS = {
  beta: 0.2,
  gamma: 0.1,
  n: 10,
  tau: 17,
  /** x(t) for t ≤ 0. */
  constantPast: 0.7206597,
  /** Time units per Lyapunov time (1 / the largest Lyapunov exponent). */
  lyapunovTime: 197,
  pointsPerLyapunov: 75,
  /** 10 Lyapunov times of inputs with known targets. */
  trainPoints: 750,
  /** The next 10 Lyapunov times, predicted autoregressively. */
  testPoints: 750,
  /** train + test + the final target: one repeat's window. */
  windowPoints: 1501,
  repeats: 30,
  /** The first point of repeat k's window in the long series: half a Lyapunov time per repeat,
   * truncated as NeuroBench's int(start_offset) does (0, 37, 75, 112, …, 1087). */
  repeatOffset(k: number): number {
    return Math.trunc(k * 0.5 * MACKEY_GLASS.pointsPerLyapunov);
  },
} as const;

/** Time between samples, Δ = 197/75 ≈ 2.627 time units. */
export const MACKEY_GLASS_SAMPLE_INTERVAL = MACKEY_GLASS.lyapunovTime / MACKEY_GLASS.pointsPerLyapunov;

export interface MackeyGlassOptions {
  /** RK4 steps per delay τ; the step is h = τ / stepsPerTau. 1700 gives h = 0.01. */
  stepsPerTau?: number;
}

const DEFAULT_STEPS_PER_TAU = 1700;

/** xⁿ for a whole n ≥ 0 by repeated squaring: only multiplications, so exact-same bits everywhere. */
function integerPower(x: number, n: number): number {
  let result = 1;
  let square = x;
  for (let e = n; e > 0; e >>= 1) {
    if (e & 1) result *= square;
    square *= square;
  }
  return result;
}

/** The delayed term β x(t−τ) / (1 + x(t−τ)^n), a function of the past value alone. */
function feedback(delayed: number): number {
  return (MACKEY_GLASS.beta * delayed) / (1 + integerPower(delayed, MACKEY_GLASS.n));
}

/** x(t_k) for t_k = k·Δ, k = 0 … points−1 (t_0 = 0, so the first value is the constant past). */
export function mackeyGlassSeries(points: number, options: MackeyGlassOptions = {}): Float64Array {
  const stepsPerTau = options.stepsPerTau ?? DEFAULT_STEPS_PER_TAU;
  if (!Number.isSafeInteger(points) || points < 1) {
    throw new UsageError(`Mackey-Glass series length must be a whole number of points ≥ 1, got ${points}`);
  }
  if (!Number.isSafeInteger(stepsPerTau) || stepsPerTau < 1) {
    throw new UsageError(`Mackey-Glass stepsPerTau must be a whole number ≥ 1 (1700 gives h = 0.01), got ${stepsPerTau}`);
  }
  const { gamma, constantPast } = MACKEY_GLASS;
  const h = MACKEY_GLASS.tau / stepsPerTau;
  const out = new Float64Array(points); // (points,)

  // The last τ of the solution on the step grid, grid point i in slot i % slots. Step i reads
  // points i−N and i−N+1 (N = stepsPerTau) and then writes i+1 into the slot i−N had.
  const slots = stepsPerTau + 1;
  const xs = new Float64Array(slots); // x(t_i)
  // x'(t_i) from the right: at t_0 = 0 the derivative jumps (0 in the past, the DDE's after),
  // and only the interval [0, h] reads it.
  const dxs = new Float64Array(slots);
  const pastFeedback = feedback(constantPast);
  xs[0] = constantPast;
  dxs[0] = -gamma * constantPast + pastFeedback;

  let sample = 0;
  let samplePosition = 0; // sample's time in steps, t / h
  for (let i = 0; sample < points; i++) {
    const now = i % slots;
    const x = xs[now];
    const dx = dxs[now];

    // The delayed term at the step's start, middle and end.
    let midFeedback = pastFeedback;
    let endFeedback = pastFeedback;
    if (i >= stepsPerTau) {
      const a = (i - stepsPerTau) % slots;
      const b = (a + 1) % slots;
      const delayedMid = 0.5 * (xs[a] + xs[b]) + 0.125 * h * (dxs[a] - dxs[b]); // cubic Hermite at θ = ½
      midFeedback = feedback(delayedMid);
      endFeedback = feedback(xs[b]);
    }
    const k1 = dx;
    const k2 = -gamma * (x + 0.5 * h * k1) + midFeedback;
    const k3 = -gamma * (x + 0.5 * h * k2) + midFeedback;
    const k4 = -gamma * (x + h * k3) + endFeedback;
    const xNext = x + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    const dxNext = -gamma * xNext + endFeedback;

    // Samples in (t_i, t_{i+1}] (and t_0 itself): cubic Hermite on this step.
    while (sample < points && samplePosition <= i + 1) {
      const theta = samplePosition - i;
      const theta2 = theta * theta;
      const theta3 = theta2 * theta;
      out[sample] =
        (2 * theta3 - 3 * theta2 + 1) * x +
        (theta3 - 2 * theta2 + theta) * h * dx +
        (-2 * theta3 + 3 * theta2) * xNext +
        (theta3 - theta2) * h * dxNext;
      sample++;
      samplePosition = (sample * MACKEY_GLASS_SAMPLE_INTERVAL) / h;
    }

    const next = (i + 1) % slots;
    xs[next] = xNext;
    dxs[next] = dxNext;
  }
  return out;
}

/** The long series every repeat is a window of, made once on first use. */
let repeatSource: Float64Array | null = null;

/** Repeat k's window (k = 0…29): windowPoints values from repeatOffset(k) of one long series. */
export function mackeyGlassRepeat(k: number): Float64Array {
  const { repeats, windowPoints, repeatOffset } = MACKEY_GLASS;
  if (!Number.isSafeInteger(k) || k < 0 || k >= repeats) {
    throw new UsageError(`Mackey-Glass repeat must be a whole number from 0 to ${repeats - 1}, got ${k}`);
  }
  repeatSource ??= mackeyGlassSeries(repeatOffset(repeats - 1) + windowPoints);
  const start = repeatOffset(k);
  return repeatSource.slice(start, start + windowPoints); // a copy: callers cannot change the cache
}
