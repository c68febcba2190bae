import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128, type Rng } from '../../src/data/rng.js';
import { UsageError } from '../../src/errors.js';
import { createEsn, createEsnRls, spectralRadius } from '../../src/models/esn.js';
import type { OnlineUnit } from '../../src/models/online.js';
import { paramViews } from '../../src/models/params.js';
import { addRidgeRow, createRidgeStats, solveRidge } from '../../src/models/ridge.js';
import type { UnitContext } from '../../src/models/unit.js';
import { assertClose, BACKENDS, summarize } from './check.js';
import { trainPass } from './online.js';

const plain = BACKENDS[0];

function context(F: number, N: number, options: Record<string, string> = {}, seed = 1, horizon = 1): UnitContext {
  return { features: F, hidden: N, steps: 100, horizon, lr: 0, options, rng: Xoshiro128.fromSeed(seed, 'esn'), backend: plain };
}


function randomSegments(count: number, T: number, F: number, rng: Rng): Float32Array[] {
  // A smooth-ish random signal (an AR(1) per feature), so the reservoir has something to remember.
  return Array.from({ length: count }, () => {
    const seg = new Float32Array(T * F);
    for (let f = 0; f < F; f++) seg[f] = rng.normal();
    for (let t = 1; t < T; t++) for (let f = 0; f < F; f++) seg[t * F + f] = 0.8 * seg[(t - 1) * F + f] + 0.6 * rng.normal();
    return seg;
  });
}

/**
 * The reservoir written out plainly from the unit's stored weights, dense and
 * in float64: the readout inputs z_t = [h_t; x_t; 1] (T, N + F + 1) of a segment.
 */
function reservoirRows(unit: OnlineUnit, seg: Float32Array, T: number, F: number, N: number, leak: number): Float64Array[] {
  const p = paramViews(unit.layout, unit.params);
  const W = p['reservoir.weight'], Win = p['input.weight'], b = p['reservoir.bias'];
  let h = new Float64Array(N);
  const rows: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const next = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let u = b[i];
      for (let f = 0; f < F; f++) u += Win[i * F + f] * seg[t * F + f];
      for (let j = 0; j < N; j++) u += W[i * N + j] * h[j];
      next[i] = (1 - leak) * h[i] + leak * Math.tanh(u);
    }
    h = next;
    rows.push(Float64Array.of(...h, ...seg.subarray(t * F, (t + 1) * F), 1));
  }
  return rows;
}

/** [W_out b_out] (F, N + F + 1) as the unit stores it. */
function readoutOf(unit: OnlineUnit, F: number, R: number): Float64Array {
  const p = paramViews(unit.layout, unit.params);
  const out = new Float64Array(F * (R + 1));
  for (let f = 0; f < F; f++) {
    for (let j = 0; j < R; j++) out[f * (R + 1) + j] = p['readout.weight'][f * R + j];
    out[f * (R + 1) + R] = p['readout.bias'][f];
  }
  return out;
}

// ---------------------------------------------------------------------------
// The spectral radius

/** A⁻¹ (n, n) by Gauss–Jordan elimination with partial pivoting. */
function inverse(A: Float64Array, n: number): Float64Array {
  const M = A.slice();
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c]) > Math.abs(M[pivot * n + c])) pivot = r;
    for (let k = 0; k < n; k++) {
      [M[c * n + k], M[pivot * n + k]] = [M[pivot * n + k], M[c * n + k]];
      [I[c * n + k], I[pivot * n + k]] = [I[pivot * n + k], I[c * n + k]];
    }
    const d = M[c * n + c];
    for (let k = 0; k < n; k++) {
      M[c * n + k] /= d;
      I[c * n + k] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const m = M[r * n + c];
      for (let k = 0; k < n; k++) {
        M[r * n + k] -= m * M[c * n + k];
        I[r * n + k] -= m * I[c * n + k];
      }
    }
  }
  return I;
}

function matmul(A: Float64Array, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) C[i * n + j] += A[i * n + k] * B[k * n + j];
  return C;
}

/**
 * S J S⁻¹ for a random S: a non-normal matrix whose eigenvalues are those of
 * the block-diagonal J, built from real eigenvalues, 2×2 blocks r·rotation(θ)
 * (the complex pair r·e^{±iθ}) and 2×2 Jordan blocks.
 */
type Block = { real: number } | { modulus: number; angle: number } | { jordan: number };

function withSpectrum(blocks: Block[], rng: Rng): { M: Float64Array; n: number } {
  const n = blocks.reduce((size, b) => size + ('real' in b ? 1 : 2), 0);
  const J = new Float64Array(n * n);
  let i = 0;
  for (const b of blocks) {
    if ('real' in b) {
      J[i * n + i] = b.real;
      i += 1;
    } else if ('modulus' in b) {
      const c = b.modulus * Math.cos(b.angle), s = b.modulus * Math.sin(b.angle);
      J[i * n + i] = c;
      J[i * n + i + 1] = -s;
      J[(i + 1) * n + i] = s;
      J[(i + 1) * n + i + 1] = c;
      i += 2;
    } else {
      J[i * n + i] = b.jordan;
      J[i * n + i + 1] = 1;
      J[(i + 1) * n + i + 1] = b.jordan;
      i += 2;
    }
  }
  const S = Float64Array.from({ length: n * n }, () => rng.normal());
  return { M: matmul(matmul(S, J, n), inverse(S, n), n), n };
}

test('the spectral-radius estimate finds max |λ| of non-normal matrices of known spectrum: to 1e-4, or 1e-3 if defective', () => {
  // Complex dominant pairs, near-ties and equal moduli included.
  const rng = Xoshiro128.fromSeed(2, 'spectrum');
  // A Jordan block's ‖J^k v‖ grows like k·ρ^k, whose log-slope is log ρ + 1/k: a bias of ~1/k.
  const cases: [string, Block[], number, number][] = [
    ['a dominant real eigenvalue', [{ real: 0.9 }, { real: 0.5 }, { real: -0.3 }, { modulus: 0.6, angle: 1 }, { real: 0.1 }], 0.9, 1e-4],
    ['a dominant negative eigenvalue', [{ real: -0.95 }, { real: 0.7 }, { modulus: 0.5, angle: 2 }, { real: 0.2 }], 0.95, 1e-4],
    ['a dominant complex pair', [{ modulus: 0.8, angle: 1 }, { real: 0.7 }, { real: -0.6 }, { modulus: 0.4, angle: 0.3 }], 0.8, 1e-4],
    ['near-ties of real and complex', [{ modulus: 0.9, angle: 0.3 }, { real: 0.899 }, { modulus: 0.898, angle: 2 }, { real: -0.897 }], 0.9, 1e-4],
    ['two complex pairs of equal modulus', [{ modulus: 1.3, angle: 0.5 }, { modulus: 1.3, angle: 2.1 }, { real: 0.2 }], 1.3, 1e-4],
    ['a defective (Jordan) eigenvalue', [{ jordan: 0.7 }, { real: 0.5 }, { modulus: 0.6, angle: 1.5 }], 0.7, 1e-3],
  ];
  for (const [name, blocks, rho, rtol] of cases) {
    const { M, n } = withSpectrum(blocks, rng);
    const estimate = spectralRadius(M, n, rng);
    console.log(`${name}: relative error ${(Math.abs(estimate - rho) / rho).toExponential(2)}`);
    assert.ok(Math.abs(estimate - rho) <= rtol * rho, `${name}: estimate ${estimate}, true ${rho}`);
  }
  // A cyclic shift: all N eigenvalues are the N-th roots of unity, |λ| = 1 for every one.
  const N = 17;
  const shift = new Float64Array(N * N);
  for (let i = 0; i < N; i++) shift[i * N + ((i + 1) % N)] = 1;
  assert.ok(Math.abs(spectralRadius(shift, N, rng) - 1) <= 1e-4);
  // Nilpotent (strictly upper triangular): every eigenvalue is 0.
  const upper = Float64Array.from({ length: 36 }, (_, k) => (k % 6 > Math.floor(k / 6) ? 1 : 0));
  assert.equal(spectralRadius(upper, 6, rng), 0);
});

/**
 * Gelfand's formula, independently: ρ(M) = lim ‖M^k‖^{1/k}, with k = 2^40 by
 * squaring 40 times (normalising each time and keeping the logarithm of the
 * scale). The error factor is (cond)^{1/k}: ~1 + 1e-11 here.
 */
function gelfandRadius(M: ArrayLike<number>, n: number): number {
  let B: Float64Array = Float64Array.from(M);
  let log = 0; // log ‖M^(2^j)‖ = log of the scale taken out so far
  const frobenius = (A: Float64Array) => Math.sqrt(A.reduce((s, v) => s + v * v, 0));
  const first = frobenius(B);
  if (first === 0) return 0;
  B = B.map((v) => v / first);
  log = Math.log(first);
  let k = 1;
  for (let j = 0; j < 40; j++) {
    B = matmul(B, B, n);
    const norm = frobenius(B);
    if (norm === 0) return 0;
    B = B.map((v) => v / norm);
    log = 2 * log + Math.log(norm);
    k *= 2;
  }
  return Math.exp(log / k);
}

test('the reservoir’s spectral radius is `radius` to 1e-4, checked independently by Gelfand’s formula', () => {
  for (const [N, density, radius] of [[40, 0.1, 0.6], [64, 0.3, 0.95], [64, 1, 1.2], [97, 0.05, 0.9]]) {
    const unit = createEsn(context(3, N, { density: String(density), radius: String(radius) }, N));
    const W = paramViews(unit.layout, unit.params)['reservoir.weight'];
    const rho = gelfandRadius(W, N);
    console.log(`N=${N}, density ${density}: Gelfand ρ − radius = ${(rho - radius).toExponential(2)}`);
    assert.ok(Math.abs(rho - radius) <= 1e-4, `N=${N}, density ${density}: ρ = ${rho}, wanted ${radius}`);
  }
});

test('one seed gives one reservoir, another seed another; the readout starts at 0', () => {
  const a = createEsn(context(4, 30, {}, 7));
  const b = createEsn(context(4, 30, {}, 7));
  const c = createEsn(context(4, 30, {}, 8));
  const rls = createEsnRls(context(4, 30, {}, 7));
  assert.deepEqual(a.params, b.params);
  assert.deepEqual(rls.params, a.params, 'esn and esn-rls build the same reservoir from the same stream');
  assert.notDeepEqual(a.params, c.params);
  const p = paramViews(a.layout, a.params);
  assert.ok(p['readout.weight'].every((v) => v === 0) && p['readout.bias'].every((v) => v === 0));
  assert.deepEqual(
    a.layout.entries.map((e) => [e.name, e.shape]),
    [['reservoir.weight', [30, 30]], ['input.weight', [30, 4]], ['reservoir.bias', [30]], ['readout.weight', [4, 34]], ['readout.bias', [4]]],
  );
  assert.equal(a.trainableCount, 4 * 34 + 4);
  assert.equal(a.stateSize, 30);
  assert.equal(a.passes, 1);
  assert.equal(rls.passes, undefined, 'esn-rls keeps learning every pass');
});

// ---------------------------------------------------------------------------
// One step by hand

test('one step follows h = (1 − a)·h + a·tanh(W_in x + W h + b) and ŷ = W_out [h; x] + b_out (computed by hand)', () => {
  const a = 0.3;
  const unit = createEsn(context(2, 2, { leak: String(a), density: '1' }));
  const p = paramViews(unit.layout, unit.params);
  p['reservoir.weight'].set([0.5, -0.25, 0.125, 0.75]); // (2, 2)
  p['input.weight'].set([1, -0.5, 0.25, 2]); // (2, 2)
  p['reservoir.bias'].set([0.1, -0.2]);
  p['readout.weight'].set([1, 0, 0, 0, 0, 1, 0, 0]); // (2, 4): ŷ = h
  p['readout.bias'].set([0, 0]);
  unit.reset(); // picks up the new reservoir
  const y0 = Array.from(unit.step(Float32Array.of(1, 2)));
  // h_0 = a·tanh(W_in x_0 + b) from h = 0: W_in x_0 = (1 − 1, 0.25 + 4) = (0, 4.25)
  const h0 = [a * Math.tanh(0 + 0.1), a * Math.tanh(4.25 - 0.2)];
  // h_1 with x_1 = (−1, 0.5): W_in x_1 = (−1.25, 0.75), W h_0 = (0.5 h0₀ − 0.25 h0₁, 0.125 h0₀ + 0.75 h0₁)
  p['readout.weight'].set([0, 0, 1, 0, 0, 0, 0, 1]); // ŷ = x, now
  p['readout.bias'].set([0.5, -0.5]);
  const y1 = Array.from(unit.step(Float32Array.of(-1, 0.5)));
  p['readout.weight'].set([1, 0, 0, 0, 0, 1, 0, 0]);
  p['readout.bias'].set([0, 0]);
  const h1 = [
    (1 - a) * h0[0] + a * Math.tanh(-1.25 + 0.5 * h0[0] - 0.25 * h0[1] + 0.1),
    (1 - a) * h0[1] + a * Math.tanh(0.75 + 0.125 * h0[0] + 0.75 * h0[1] - 0.2),
  ];
  const h2 = [
    (1 - a) * h1[0] + a * Math.tanh(0 + 0.5 * h1[0] - 0.25 * h1[1] + 0.1),
    (1 - a) * h1[1] + a * Math.tanh(0 + 0.125 * h1[0] + 0.75 * h1[1] - 0.2),
  ];
  const y2 = Array.from(unit.step(Float32Array.of(0, 0)));
  assertClose('ŷ_0 = h_0', y0, h0, { rtol: 1e-6, atol: 1e-7 });
  assertClose('ŷ_1 = x_1 + b_out', y1, [-1 + 0.5, 0.5 - 0.5], { rtol: 1e-6, atol: 1e-7 });
  assertClose('ŷ_2 = h_2', y2, h2, { rtol: 1e-6, atol: 1e-7 });
});

// ---------------------------------------------------------------------------
// The readouts

/** The rows z_t (t ≥ washout, while x_{t+horizon} exists) and targets, from the test's own reservoir. */
function fittedRows(unit: OnlineUnit, segments: Float32Array[], T: number, F: number, N: number, leak: number, horizon: number, washout: number) {
  const Z: Float64Array[] = [];
  const Y: Float32Array[] = [];
  for (const seg of segments) {
    const rows = reservoirRows(unit, seg, T, F, N, leak);
    for (let t = washout; t + horizon <= T - 1; t++) {
      Z.push(rows[t]);
      Y.push(seg.subarray((t + horizon) * F, (t + horizon + 1) * F));
    }
  }
  return { Z, Y };
}

/** Largest |(ZᵀZ + penalty) wᵀ − ZᵀY| relative to the largest |ZᵀY|; `penalty` (D) is the diagonal added. W (F, D). */
function normalResidual(Z: Float64Array[], Y: Float32Array[], W: Float64Array, penalty: Float64Array, D: number, F: number): number {
  const G = new Float64Array(D * D), C = new Float64Array(D * F);
  Z.forEach((z, r) => {
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < D; j++) G[i * D + j] += z[i] * z[j];
      for (let f = 0; f < F; f++) C[i * F + f] += z[i] * Y[r][f];
    }
  });
  let worst = 0, scale = 0;
  for (let i = 0; i < D; i++) {
    for (let f = 0; f < F; f++) {
      let sum = penalty[i] * W[f * D + i] - C[i * F + f];
      for (let j = 0; j < D; j++) sum += G[i * D + j] * W[f * D + j];
      worst = Math.max(worst, Math.abs(sum));
      scale = Math.max(scale, Math.abs(C[i * F + f]));
    }
  }
  return worst / scale;
}

test('the ridge readout satisfies its normal equations on reservoir states the test computes itself, and the washout steps are left out', () => {
  const rng = Xoshiro128.fromSeed(3, 'esn');
  const F = 3, N = 20, T = 40, horizon = 2, leak = 0.6, lambda = 1e-3, washout = 5;
  const segments = randomSegments(5, T, F, rng);
  // Sparse W (its nonzeros in compressed rows) and dense W (the plain product) take different paths.
  for (const density of ['0.1', '1']) {
    const unit = createEsn(context(F, N, { leak: String(leak), ridge: String(lambda), washout: String(washout), density }, 1, horizon));
    assert.ok(unit.params.every((v, i) => i < unit.params.length - F * (N + F + 1) || v === 0));
    trainPass(unit, segments, T, F, horizon);
    const D = N + F + 1;
    const W = readoutOf(unit, F, N + F);
    const { Z, Y } = fittedRows(unit, segments, T, F, N, leak, horizon, washout);
    const penalty = new Float64Array(D).fill(lambda * Z.length);
    penalty[D - 1] = 0; // the bias is not penalised
    // The readout is stored in float32, so the equations hold to float32 rounding of W.
    const residual = normalResidual(Z, Y, W, penalty, D, F);
    assert.ok(residual < 1e-5, `relative residual ${residual.toExponential(2)} on the rows t ≥ washout`);
    const all = fittedRows(unit, segments, T, F, N, leak, horizon, 0);
    penalty.fill(lambda * all.Z.length);
    penalty[D - 1] = 0;
    const withWashout = normalResidual(all.Z, all.Y, W, penalty, D, F);
    assert.ok(withWashout > 1e-3, `the fit also solves the equations with the washout rows in (residual ${withWashout.toExponential(2)})`);
    console.log(`ridge readout, density ${density}: relative residual ${residual.toExponential(2)} without the washout rows, ${withWashout.toExponential(2)} with them`);
  }
});

test('esn-rls after one pass from P₀ = I/δ equals ridge on the same rows with penalty δ on every coefficient (RLS identity), to 1e-4, at horizons 1, 2 and 3', () => {
  const F = 3, N = 25, T = 60, leak = 0.5, delta = 0.5;
  // With horizon h > 1, step t's target arrives after the readout has learnt from the h − 1 targets that came since
  // step t; its a priori error is that of the readout as it is then, so the identity holds at every horizon.
  for (const horizon of [1, 2, 3]) {
    const rng = Xoshiro128.fromSeed(4, 'esn');
    const segments = randomSegments(6, T, F, rng);
    const unit = createEsnRls(context(F, N, { leak: String(leak), delta: String(delta), washout: '0' }, 1, horizon));
    trainPass(unit, segments, T, F, horizon);
    const D = N + F + 1;
    const { Z, Y } = fittedRows(unit, segments, T, F, N, leak, horizon, 0);
    const stats = createRidgeStats(D, F);
    Z.forEach((z, r) => addRidgeRow(stats, z, Y[r]));
    assert.equal(stats.rows, segments.length * (T - horizon));
    const ridge = new Float64Array(F * D);
    solveRidge(ridge, stats, delta / stats.rows, -1); // λ·n = δ, the bias penalised too: P₀⁻¹ = δ·I
    const rls = readoutOf(unit, F, N + F);
    console.log(summarize(`RLS against ridge, horizon ${horizon}`, assertClose(`[W_out b_out] of RLS against ridge, horizon ${horizon}`, rls, ridge, { rtol: 1e-4, atol: 1e-5 })));
    // And a second pass keeps learning (no passes cap): the weights move on.
    trainPass(unit, segments, T, F, horizon);
    assert.ok(readoutOf(unit, F, N + F).some((v, i) => Math.abs(v - rls[i]) > 1e-6));
  }
});

test('step never learns: stepping leaves both units’ parameters unchanged; both predict 0 before learning, into one reused buffer', () => {
  const rng = Xoshiro128.fromSeed(5, 'esn');
  const F = 2, N = 12, T = 30;
  const segments = randomSegments(3, T, F, rng);
  for (const create of [createEsn, createEsnRls]) {
    const unit = create(context(F, N));
    unit.reset();
    const first = unit.step(segments[0].subarray(0, F));
    assert.equal(first.length, F);
    for (let t = 1; t < T; t++) {
      const y = unit.step(segments[0].subarray(t * F, (t + 1) * F));
      assert.equal(y, first, 'one output buffer, reused');
      assert.ok(Array.from(y).every((v) => v === 0));
    }
    trainPass(unit, segments, T, F, 1);
    const before = unit.params.slice();
    for (const seg of segments) {
      unit.reset();
      for (let t = 0; t < T; t++) unit.step(seg.subarray(t * F, (t + 1) * F));
    }
    assert.deepEqual(unit.params, before, unit.name);
  }
});

test('bad options are UsageErrors that name the unit', () => {
  const bad: [typeof createEsn, Record<string, string>][] = [
    [createEsn, { radius: '-0.1' }],
    [createEsn, { leak: '0' }],
    [createEsn, { leak: '1.5' }],
    [createEsn, { density: '0' }],
    [createEsn, { density: '2' }],
    [createEsn, { washout: '2.5' }],
    [createEsn, { ridge: '-1' }],
    [createEsn, { delta: '1' }], // esn-rls's option
    [createEsnRls, { delta: '0' }],
    [createEsnRls, { ridge: '0.1' }], // esn's option
    [createEsnRls, { input_scale: 'x' }],
  ];
  for (const [create, options] of bad) {
    const name = create === createEsn ? 'esn' : 'esn-rls';
    assert.throws(
      () => create(context(2, 8, options)),
      (e: unknown) => e instanceof UsageError && e.message.includes(`unit ${name}`),
      `${name} ${JSON.stringify(options)}`,
    );
  }
  // One unit, no connections at all: nothing to rescale to a spectral radius.
  assert.throws(
    () => createEsn(context(2, 1, { density: '1e-9' })),
    (e: unknown) => e instanceof UsageError && /unit esn: .*spectral radius/.test(e.message),
  );
  const zeros = new Float32Array(2);
  const signal = { input: zeros, prediction: zeros, target: zeros, error: zeros, t: 0 };
  assert.throws(() => createEsn(context(2, 8, { density: '1' })).learn(signal), /before any step/);
});

test('cost: every weight once per frame dense; measured, zero weights and exactly-zero activations are skipped (a tiny unit by hand)', () => {
  const a = 0.5;
  const unit = createEsn(context(2, 2, { leak: String(a), density: '1' }));
  const p = paramViews(unit.layout, unit.params);
  // Unit 1 gets no input, no recurrence and no bias, so its activity stays exactly 0.
  p['reservoir.weight'].set([0.5, 0.7, 0, 0]); // nonzeros per column: 1, 1
  p['input.weight'].set([1, 0.5, 0, 0]); // per column: 1, 1
  p['reservoir.bias'].set([0.1, 0]);
  p['readout.weight'].set([1, 0, 0, 1, 0, 0, 1, 0]); // (2, 4) [W_h | W_x]: per column 1, 0, 1, 1
  unit.reset();
  unit.cost?.(); // start measuring here
  for (const x of [[1, 0], [0, 0], [2, 1]]) unit.step(Float32Array.from(x));
  // z = [h₀ h₁ | x₀ x₁], h₁ = 0 always, h₀ ≠ 0 from the first step on:
  //   t=0  W·h: h = 0 → 0;  W_in·x: x₀ → 1;        readout [h₀, 0 | 1, 0] → 1 + 1 = 2;  total 3
  //   t=1  W·h: h₀ → 1;     W_in·x: x = 0 → 0;     readout [h₀, 0 | 0, 0] → 1;          total 2
  //   t=2  W·h: h₀ → 1;     W_in·x: x₀, x₁ → 2;    readout [h₀, 0 | 2, 1] → 1 + 1 + 1;  total 6
  const cost = unit.cost?.();
  assert.deepEqual(cost, {
    macsPerFrame: 2 * 2 + 2 * 2 + 2 * (2 + 2), // W (N, N), W_in (N, F), W_out (F, N + F)
    effectiveMacsPerFrame: (3 + 2 + 6) / 3,
    activationSparsity: 3 / 6, // h₁ at every step
  });
  assert.deepEqual(unit.cost?.(), { macsPerFrame: 16 }, 'no steps since the last call: nothing measured');
});

test('esn-rls refuses to go on learning once P has lost positive definiteness (NaN in the input)', () => {
  const F = 2;
  const unit = createEsnRls(context(F, 6, { density: '1' }));
  unit.reset();
  const x = Float32Array.of(NaN, 0);
  const p = unit.step(x);
  const target = Float32Array.of(0, 0);
  const signal = { input: x, prediction: Float32Array.from(p), target, error: Float32Array.from(p), t: 0 };
  assert.throws(() => unit.learn(signal), /esn-rls: P is no longer positive definite/);
});

test('esn-rls saves and restores P, so a resumed run continues exactly', () => {
  const rng = Xoshiro128.fromSeed(6, 'esn');
  const F = 2, N = 10, T = 30;
  const segments = randomSegments(4, T, F, rng);
  const first = createEsnRls(context(F, N));
  trainPass(first, segments, T, F, 1);
  const params = first.params.slice();
  const state = first.saveState?.();
  assert.ok(state && state.P instanceof Float64Array);
  trainPass(first, segments, T, F, 1);

  const resumed = createEsnRls(context(F, N));
  resumed.params.set(params);
  resumed.loadState?.(state);
  trainPass(resumed, segments, T, F, 1);
  assert.deepEqual(resumed.params, first.params);
  assert.throws(() => resumed.loadState?.({ P: new Float64Array(3) }), (e: unknown) => e instanceof UsageError && /unit esn-rls/.test(e.message));
});
