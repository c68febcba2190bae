import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128, type Rng } from '../../src/data/rng.js';
import {
  addRidgeRow,
  clearRidgeStats,
  createRidgeStats,
  ridgeGram,
  SingularSystemError,
  solveRidge,
  type RidgeStats,
} from '../../src/models/ridge.js';
import { assertClose, summarize } from './check.js';

/** n random rows z (D) whose last column is the constant 1 (the bias), and targets y (F). */
function randomRows(n: number, D: number, F: number, rng: Rng) {
  const Z = new Float64Array(n * D); // (n, D)
  const Y = new Float64Array(n * F); // (n, F)
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < D - 1; i++) Z[r * D + i] = rng.normal();
    Z[r * D + D - 1] = 1;
    for (let f = 0; f < F; f++) Y[r * F + f] = rng.normal();
  }
  return { Z, Y };
}

function statsOf(Z: Float64Array, Y: Float64Array, n: number, D: number, F: number): RidgeStats {
  const s = createRidgeStats(D, F);
  for (let r = 0; r < n; r++) addRidgeRow(s, Z.subarray(r * D, (r + 1) * D), Y.subarray(r * F, (r + 1) * F));
  return s;
}

/** ZᵀZ (D, D) and ZᵀY (D, F), summed naively. */
function naiveGram(Z: Float64Array, Y: Float64Array, n: number, D: number, F: number) {
  const G = new Float64Array(D * D);
  const C = new Float64Array(D * F);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < D; j++) G[i * D + j] += Z[r * D + i] * Z[r * D + j];
      for (let f = 0; f < F; f++) C[i * F + f] += Z[r * D + i] * Y[r * F + f];
    }
  }
  return { G, C };
}

/** Largest |(G + λ·n·I_reg) wᵀ − C| over all entries, relative to the largest |C|; W is (F, D). */
function normalResidual(
  G: Float64Array,
  C: Float64Array,
  W: Float64Array,
  lambda: number,
  n: number,
  D: number,
  F: number,
  bias: number,
): number {
  let worst = 0, scale = 0;
  for (let i = 0; i < D; i++) {
    for (let f = 0; f < F; f++) {
      let sum = -C[i * F + f];
      for (let j = 0; j < D; j++) sum += (G[i * D + j] + (i === j && i !== bias ? lambda * n : 0)) * W[f * D + j];
      worst = Math.max(worst, Math.abs(sum));
      scale = Math.max(scale, Math.abs(C[i * F + f]));
    }
  }
  return worst / scale;
}

test('the statistics equal ZᵀZ and ZᵀY summed naively, and the fit solves (ZᵀZ + λ·n·I_reg) W = ZᵀY to 1e-9, at awkward sizes', () => {
  // Sizes that are not multiples of 4 (the Gram kernel's width) or of its 32-row block.
  const rng = Xoshiro128.fromSeed(1, 'ridge');
  for (const [D, F, n] of [[1, 1, 3], [2, 1, 31], [5, 3, 37], [23, 7, 101], [66, 12, 300]]) {
    for (const lambda of [1e-3, 0.5]) {
      const { Z, Y } = randomRows(n, D, F, rng);
      const s = statsOf(Z, Y, n, D, F);
      const { G, C } = naiveGram(Z, Y, n, D, F);
      const got = ridgeGram(s);
      assertClose(`ZᵀZ (D=${D}, n=${n})`, got.gram, G, { rtol: 1e-12, atol: 1e-12 });
      assertClose(`ZᵀY (D=${D}, n=${n})`, got.cross, C, { rtol: 1e-12, atol: 1e-12 });
      assert.equal(s.rows, n);
      const W = new Float64Array(F * D);
      solveRidge(W, s, lambda, D - 1);
      const residual = normalResidual(G, C, W, lambda, n, D, F, D - 1);
      assert.ok(residual < 1e-9, `D=${D}, F=${F}, n=${n}, λ=${lambda}: relative residual ${residual.toExponential(2)}`);
    }
  }
});

test('with λ = 0, rows that are exactly linear give back the true weights and bias (to 1e-10)', () => {
  const rng = Xoshiro128.fromSeed(2, 'ridge');
  const D = 9, F = 4, n = 50;
  const { Z } = randomRows(n, D, F, rng);
  const truth = new Float64Array(F * D); // (F, D), the bias last
  for (let i = 0; i < truth.length; i++) truth[i] = rng.normal();
  const Y = new Float64Array(n * F);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < F; f++) {
      let sum = 0;
      for (let i = 0; i < D; i++) sum += truth[f * D + i] * Z[r * D + i];
      Y[r * F + f] = sum;
    }
  }
  const W = new Float64Array(F * D);
  solveRidge(W, statsOf(Z, Y, n, D, F), 0, D - 1);
  console.log(summarize('recovered weights', assertClose('recovered weights', W, truth, { rtol: 0, atol: 1e-10 })));
});

test('the bias is not penalised: shifting the targets by c moves only the bias, by c; a huge λ leaves the bias at the targets’ mean', () => {
  const rng = Xoshiro128.fromSeed(3, 'ridge');
  const D = 6, F = 2, n = 80, lambda = 0.3;
  const { Z, Y } = randomRows(n, D, F, rng);
  const c = [2.5, -7];
  const shifted = Y.map((y, k) => y + c[k % F]);
  const W = new Float64Array(F * D);
  const Wshifted = new Float64Array(F * D);
  solveRidge(W, statsOf(Z, Y, n, D, F), lambda, D - 1);
  solveRidge(Wshifted, statsOf(Z, shifted, n, D, F), lambda, D - 1);
  for (let f = 0; f < F; f++) {
    for (let i = 0; i < D - 1; i++) assert.ok(Math.abs(Wshifted[f * D + i] - W[f * D + i]) < 1e-12, `weight [${f}, ${i}] moved`);
    const moved = Wshifted[f * D + D - 1] - W[f * D + D - 1];
    assert.ok(Math.abs(moved - c[f]) < 1e-12, `bias ${f} moved by ${moved}, not ${c[f]}`);
  }
  solveRidge(W, statsOf(Z, shifted, n, D, F), 1e9, D - 1);
  for (let f = 0; f < F; f++) {
    let mean = 0;
    for (let r = 0; r < n; r++) mean += shifted[r * F + f] / n;
    for (let i = 0; i < D - 1; i++) assert.ok(Math.abs(W[f * D + i]) < 1e-8, `weight [${f}, ${i}] = ${W[f * D + i]} not shrunk to 0`);
    assert.ok(Math.abs(W[f * D + D - 1] - mean) < 1e-6, `bias ${f} = ${W[f * D + D - 1]}, mean ${mean}`);
  }
});

test('a system that is not positive definite, or only to rounding, is refused with a clear error, and a penalty λ > 0 makes it solvable', () => {
  const rng = Xoshiro128.fromSeed(4, 'ridge');
  const D = 5, F = 2, n = 40;
  const { Z, Y } = randomRows(n, D, F, rng);
  for (let r = 0; r < n; r++) Z[r * D + 2] = Z[r * D + 0] - Z[r * D + 1] + 1e-9 * rng.normal(); // column 2 depends on columns 0 and 1, to 1e-9
  const W = new Float64Array(F * D);
  assert.throws(
    () => solveRidge(W, statsOf(Z, Y, n, D, F), 0, D - 1),
    (e: unknown) => e instanceof SingularSystemError && /not positive definite.*λ > 0/.test(e.message),
  );
  const constant = randomRows(n, D, F, rng);
  for (let r = 0; r < n; r++) constant.Z[r * D + 3] = 0; // a column that is always 0
  assert.throws(
    () => solveRidge(W, statsOf(constant.Z, constant.Y, n, D, F), 0, D - 1),
    (e: unknown) => e instanceof SingularSystemError && e.column === 3,
  );
  solveRidge(W, statsOf(Z, Y, n, D, F), 1e-6, D - 1);
  assert.ok(W.every(Number.isFinite));
  assert.throws(() => solveRidge(W, createRidgeStats(D, F), 1, D - 1), /no rows/);
  assert.throws(() => solveRidge(W, statsOf(Z, Y, n, D, F), -1, D - 1), /λ/);
});

test('clearing the statistics forgets every row', () => {
  const rng = Xoshiro128.fromSeed(5, 'ridge');
  const D = 7, F = 3;
  const a = randomRows(45, D, F, rng);
  const b = randomRows(38, D, F, rng);
  const s = statsOf(a.Z, a.Y, 45, D, F);
  clearRidgeStats(s);
  for (let r = 0; r < 38; r++) addRidgeRow(s, b.Z.subarray(r * D, (r + 1) * D), b.Y.subarray(r * F, (r + 1) * F));
  const W = new Float64Array(F * D);
  const fresh = new Float64Array(F * D);
  solveRidge(W, s, 0.01, D - 1);
  solveRidge(fresh, statsOf(b.Z, b.Y, 38, D, F), 0.01, D - 1);
  assert.deepEqual(W, fresh);
});
