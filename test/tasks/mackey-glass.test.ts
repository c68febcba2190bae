/**
 * The Mackey-Glass generator against solutions made without it, its order of accuracy, and the
 * task's layout (windows, repeats, range).
 *
 * The reference, test/fixtures/mackey-glass-reference.json, comes from
 * scripts/python/mackey_glass_reference.py (scipy 1.17.1, numpy 2.4.6): the method of steps,
 * solve_ivp DOP853 at rtol = atol = 1e-13 interval by interval of length τ, the delayed value
 * from the previous interval's dense output. Each sample carries refErr, the reference's own
 * error estimate (its difference from a 1e-12 solve), which grows from 5e-14 at t = 2.6 to
 * 4e-10 at t = 788, as errors do in a chaotic system (e-fold per Lyapunov time, 197, on top of
 * DOP853's ~1e-13 floor).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  MACKEY_GLASS,
  MACKEY_GLASS_SAMPLE_INTERVAL,
  mackeyGlassRepeat,
  mackeyGlassSeries,
} from '../../src/tasks/mackey-glass.js';
import { UsageError } from '../../src/errors.js';

interface ReferenceSample {
  k: number;
  t: number;
  x: number;
  refErr: number;
}

interface ReferenceFixture {
  provenance: string;
  samples: ReferenceSample[];
}

/** dist/test/tasks/ → three levels up is the repository. */
function readReference(): ReferenceFixture {
  const url = new URL('../../../test/fixtures/mackey-glass-reference.json', import.meta.url);
  return JSON.parse(fs.readFileSync(url, 'utf8')) as ReferenceFixture;
}

const LONG_SERIES_POINTS = MACKEY_GLASS.repeatOffset(MACKEY_GLASS.repeats - 1) + MACKEY_GLASS.windowPoints; // 2588

test('the first τ of the series is the closed-form solution to 1e-14', () => {
  // For 0 ≤ t ≤ τ the delayed value is the constant past c, so x' = −γx + g with
  // g = βc/(1 + cⁿ), solved by x(t) = g/γ + (c − g/γ)e^{−γt}. Samples 0…6 lie in [0, τ].
  const { beta, gamma, n, constantPast: c } = MACKEY_GLASS;
  const g = (beta * c) / (1 + c ** n);
  const series = mackeyGlassSeries(7);
  assert.equal(series[0], c, 'sample 0 is t = 0, where the solution starts from the constant past');
  for (let k = 0; k < 7; k++) {
    const t = k * MACKEY_GLASS_SAMPLE_INTERVAL;
    const exact = g / gamma + (c - g / gamma) * Math.exp(-gamma * t);
    assert.ok(Math.abs(series[k] - exact) <= 1e-14, `sample ${k} (t ${t}): ${series[k]} vs ${exact}`);
  }
});

test('the samples agree with the DOP853 reference to 1e-11 up to t = 200, 1e-10 up to t = 500 and 1e-9 at t = 788', () => {
  // The tolerance is set by the reference, not by RK4: quartering h = 0.01 moves our samples by
  // at most 2e-13 up to t = 200 and 8e-12 up to t = 788. It lies above the reference's own error
  // estimate (checked below) and far below what a slip to 2nd order would cost: reading the
  // midpoint delay as the average of its two grid points is already 5e-8 off at t = 26.
  const tolerance = (t: number) => (t <= 200 ? 1e-11 : t <= 500 ? 1e-10 : 1e-9);
  const reference = readReference();
  const series = mackeyGlassSeries(Math.max(...reference.samples.map((s) => s.k)) + 1);
  let worst = { k: -1, difference: 0, ratio: 0 };
  for (const s of reference.samples) {
    assert.equal(s.t, s.k * MACKEY_GLASS_SAMPLE_INTERVAL, `fixture sample ${s.k} is at t = kΔ`);
    assert.ok(s.refErr < tolerance(s.t), `fixture sample ${s.k}: the reference's error estimate ${s.refErr} is above the tolerance`);
    const difference = Math.abs(series[s.k] - s.x);
    if (difference / tolerance(s.t) > worst.ratio) worst = { k: s.k, difference, ratio: difference / tolerance(s.t) };
  }
  const at = reference.samples.find((s) => s.k === worst.k);
  assert.ok(worst.ratio <= 1, `largest difference ${worst.difference.toExponential(2)} at sample ${worst.k} (t ${at?.t}), tolerance ${at && tolerance(at.t)}`);
});

test('halving the step divides the change in the samples by 16 at early times: the scheme is 4th order', () => {
  // Steps h = 0.1, 0.05, 0.025 (170, 340, 680 per τ), samples 10 and 20 (t ≈ 26 and 53).
  // d(h) = x_h − x_{h/2} ≈ C h⁴ (1 − 2⁻⁴), so d(h)/d(h/2) → 16; measured 15.8 … 16.2. The
  // ratio is checked in [15, 17]: a 3rd-order scheme would give 8, a 5th-order one 32. At later
  // times the error's sign changes make single-sample ratios noisy, hence early samples.
  const runs = [170, 340, 680].map((stepsPerTau) => mackeyGlassSeries(21, { stepsPerTau }));
  for (const k of [10, 20]) {
    const coarse = runs[0][k] - runs[1][k];
    const fine = runs[1][k] - runs[2][k];
    const ratio = coarse / fine;
    assert.ok(ratio >= 15 && ratio <= 17, `sample ${k}: changes ${coarse.toExponential(2)}, ${fine.toExponential(2)}, ratio ${ratio}`);
  }
});

test('the task layout: 750 + 750 + 1 points per window, Δ = 197/75, repeats half a Lyapunov time apart', () => {
  const { trainPoints, testPoints, windowPoints, lyapunovTime, pointsPerLyapunov, repeats, repeatOffset } = MACKEY_GLASS;
  assert.equal(trainPoints, 10 * pointsPerLyapunov);
  assert.equal(testPoints, 10 * pointsPerLyapunov);
  assert.equal(windowPoints, trainPoints + testPoints + 1);
  assert.equal(MACKEY_GLASS_SAMPLE_INTERVAL, lyapunovTime / pointsPerLyapunov);
  // NeuroBench: int(torch.arange(0., 15, 0.5)[k] * 75) for k = 0…29.
  const offsets = Array.from({ length: repeats }, (_, k) => repeatOffset(k));
  assert.deepEqual(offsets.slice(0, 6), [0, 37, 75, 112, 150, 187]);
  assert.equal(offsets[29], 1087);
  offsets.forEach((offset, k) => assert.equal(offset, Math.floor(37.5 * k)));
  assert.equal(LONG_SERIES_POINTS, 2588);
});

test('repeat k is the long series from int(37.5·k), 1501 points, bit for bit', () => {
  const long = mackeyGlassSeries(LONG_SERIES_POINTS);
  for (let k = 0; k < MACKEY_GLASS.repeats; k++) {
    const window = mackeyGlassRepeat(k);
    const start = Math.floor(37.5 * k);
    assert.equal(window.length, 1501);
    assert.deepEqual(window, long.slice(start, start + 1501), `repeat ${k}`);
  }
  // Two repeats apart is one Lyapunov time, 75 points.
  assert.equal(mackeyGlassRepeat(2)[0], mackeyGlassRepeat(0)[75]);
  // A shorter series is the start of a longer one: sampling does not change the integration.
  assert.deepEqual(mackeyGlassSeries(100), long.slice(0, 100));
});

test('a repeat is a copy: changing it does not change the next call', () => {
  const first = mackeyGlassRepeat(3);
  const value = first[10];
  first[10] = 99;
  assert.equal(mackeyGlassRepeat(3)[10], value);
});

test('the series stays on the attractor: every value in [0.2, 1.4], spanning most of it', () => {
  // The τ = 17 attractor spans about 0.4 … 1.32 (this series: 0.417 … 1.318).
  const long = mackeyGlassSeries(LONG_SERIES_POINTS);
  let min = Infinity;
  let max = -Infinity;
  for (const x of long) {
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  assert.ok(min >= 0.2 && max <= 1.4, `range ${min} … ${max}`);
  assert.ok(min < 0.5 && max > 1.2, `range ${min} … ${max} is too narrow for the chaotic attractor`);
});

test('the series is the same bits on every run: values pinned from this generator', () => {
  // Only + − × ÷ are used, so these hold on any machine. A change to the integrator or the
  // sampling moves them (chaos amplifies any change by the later repeats); if the change is
  // meant, write the new values down here.
  assert.equal(mackeyGlassRepeat(0)[1000], 0.5093865299266854);
  assert.equal(mackeyGlassRepeat(29)[1500], 0.9477858832682396);
});

test('the 30 repeats’ series (2588 points, 680k RK4 steps) is generated in well under a second', () => {
  // Measured 25–40 ms on a 2-core machine (≈ 100 ms for the first call, before the JIT warms
  // up); the bound only catches a slowdown by an order of magnitude (an allocation per step).
  const start = performance.now();
  mackeyGlassSeries(LONG_SERIES_POINTS);
  const ms = performance.now() - start;
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});

test('bad lengths, step counts and repeat numbers are a one-line UsageError naming the allowed values', () => {
  for (const points of [0, -1, 1.5, NaN]) {
    assert.throws(() => mackeyGlassSeries(points), (e: unknown) => e instanceof UsageError && /whole number of points ≥ 1/.test(e.message));
  }
  for (const stepsPerTau of [0, 2.5]) {
    assert.throws(() => mackeyGlassSeries(10, { stepsPerTau }), (e: unknown) => e instanceof UsageError && /stepsPerTau must be a whole number ≥ 1/.test(e.message));
  }
  for (const k of [-1, 30, 0.5]) {
    assert.throws(() => mackeyGlassRepeat(k), (e: unknown) => e instanceof UsageError && /from 0 to 29/.test(e.message) && !e.message.includes('\n'));
  }
});
