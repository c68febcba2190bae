import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128, type Rng } from '../../src/data/rng.js';
import { UsageError } from '../../src/errors.js';
import { createLinearAr } from '../../src/models/autoregressive.js';
import type { OnlineUnit } from '../../src/models/online.js';
import { paramViews } from '../../src/models/params.js';
import { assertClose, BACKENDS, summarize } from './check.js';
import { trainPass } from './online.js';

const plain = BACKENDS[0];

function context(F: number, horizon: number, options: Record<string, string> = {}) {
  return { features: F, hidden: 16, steps: 100, horizon, lr: 0, options, rng: Xoshiro128.fromSeed(1, 'linear'), backend: plain };
}


/** The unit's predictions for every frame of a segment, after a reset (step only). */
function predict(unit: OnlineUnit, seg: Float32Array, T: number, F: number): Float32Array {
  const out = new Float32Array(T * F);
  unit.reset();
  for (let t = 0; t < T; t++) out.set(Array.from(unit.step(seg.subarray(t * F, (t + 1) * F))), t * F);
  return out;
}

/** x_{t+1} = A1 x_t + A2 x_{t−1} + c (+ noise), from x_{−1} = 0 and a random x_0. A1, A2 (F, F). */
function ar2(A1: Float64Array, A2: Float64Array, c: Float64Array, F: number, T: number, noise: number, rng: Rng): Float32Array {
  const x = new Float64Array((T + 1) * F); // x[0] is x_{−1} = 0
  for (let f = 0; f < F; f++) x[F + f] = rng.normal();
  for (let t = 1; t < T; t++) {
    for (let f = 0; f < F; f++) {
      let sum = c[f] + noise * rng.normal();
      for (let g = 0; g < F; g++) sum += A1[f * F + g] * x[t * F + g] + A2[f * F + g] * x[(t - 1) * F + g];
      x[(t + 1) * F + f] = sum;
    }
  }
  return Float32Array.from(x.subarray(F));
}

function randomMatrix(n: number, scale: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: n }, () => scale * rng.normal());
}

test('on a noise-free AR(2) process, one pass with λ = 0 recovers the generating weights and bias (horizon 1)', () => {
  const rng = Xoshiro128.fromSeed(2, 'ar2');
  const F = 3, T = 60;
  const A1 = randomMatrix(F * F, 0.3, rng), A2 = randomMatrix(F * F, 0.3, rng), c = randomMatrix(F, 0.5, rng);
  // Each segment starts from x_{−1} = 0, as the unit's zero padding assumes; frames are float32,
  // so the recurrence holds to float32 rounding.
  const segments = Array.from({ length: 8 }, () => ar2(A1, A2, c, F, T, 0, rng));
  assert.ok(segments.every((s) => s.every((v) => Math.abs(v) < 50)), 'the process stays bounded');
  const unit = createLinearAr(context(F, 1, { order: '2', ridge: '0' }));
  assert.equal(unit.passes, 1);
  trainPass(unit, segments, T, F, 1);
  const { weight, bias } = paramViews(unit.layout, unit.params);
  const expected = new Float64Array(F * 2 * F); // (F, 2F) [A1 A2]
  for (let f = 0; f < F; f++) {
    for (let g = 0; g < F; g++) {
      expected[f * 2 * F + g] = A1[f * F + g];
      expected[f * 2 * F + F + g] = A2[f * F + g];
    }
  }
  console.log(summarize('weight', assertClose('weight [A1 A2]', weight, expected, { rtol: 0, atol: 1e-6 })));
  assertClose('bias c', bias, c, { rtol: 0, atol: 1e-6 });
});

/**
 * The ridge fit computed independently: least squares on the rows stacked
 * over √(λn)·I_reg, by modified Gram–Schmidt QR (no normal equations, no
 * Cholesky). Z (m, D) with the bias last, Y (m, F). Returns W (F, D).
 */
function leastSquaresQr(Z: number[][], Y: number[][], lambda: number, D: number, F: number): Float64Array {
  const n = Z.length;
  const A = Z.map((row) => [...row]);
  const B = Y.map((row) => [...row]);
  for (let i = 0; i < D - 1; i++) {
    const row = new Array<number>(D).fill(0);
    row[i] = Math.sqrt(lambda * n);
    A.push(row);
    B.push(new Array<number>(F).fill(0));
  }
  const m = A.length;
  const R = new Float64Array(D * D);
  const QtB = new Float64Array(D * F);
  for (let j = 0; j < D; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let r = 0; r < m; r++) dot += A[r][k] * A[r][j];
      R[k * D + j] = dot;
      for (let r = 0; r < m; r++) A[r][j] -= dot * A[r][k];
    }
    let norm = 0;
    for (let r = 0; r < m; r++) norm += A[r][j] ** 2;
    norm = Math.sqrt(norm);
    R[j * D + j] = norm;
    for (let r = 0; r < m; r++) A[r][j] /= norm;
    for (let f = 0; f < F; f++) {
      let dot = 0;
      for (let r = 0; r < m; r++) dot += A[r][j] * B[r][f];
      QtB[j * F + f] = dot;
      for (let r = 0; r < m; r++) B[r][f] -= dot * A[r][j];
    }
  }
  const W = new Float64Array(F * D);
  for (let f = 0; f < F; f++) {
    for (let i = D - 1; i >= 0; i--) {
      let sum = QtB[i * F + f];
      for (let k = i + 1; k < D; k++) sum -= R[i * D + k] * W[f * D + k];
      W[f * D + i] = sum / R[i * D + i];
    }
  }
  return W;
}

test('with horizon 2, its predictions equal an independent ridge least-squares fit (QR) of x_{t+2} on [x_t … x_{t−k+1}, 1]', () => {
  const rng = Xoshiro128.fromSeed(3, 'ar2');
  const F = 3, T = 50, k = 3, horizon = 2, lambda = 0.01;
  const A1 = randomMatrix(F * F, 0.3, rng), A2 = randomMatrix(F * F, 0.3, rng), c = randomMatrix(F, 0.5, rng);
  const segments = Array.from({ length: 6 }, () => ar2(A1, A2, c, F, T, 0.3, rng));
  const unit = createLinearAr(context(F, horizon, { order: String(k), ridge: String(lambda) }));
  trainPass(unit, segments, T, F, horizon);

  // The rows the trainer fed it, built here: history zero-padded at each segment's start.
  const D = k * F + 1;
  const rowOf = (seg: Float32Array, t: number) => {
    const z: number[] = [];
    for (let lag = 0; lag < k; lag++) for (let f = 0; f < F; f++) z.push(t - lag >= 0 ? seg[(t - lag) * F + f] : 0);
    z.push(1);
    return z;
  };
  const Z: number[][] = [];
  const Y: number[][] = [];
  for (const seg of segments) {
    for (let t = 0; t + horizon <= T - 1; t++) {
      Z.push(rowOf(seg, t));
      Y.push(Array.from(seg.subarray((t + horizon) * F, (t + horizon + 1) * F)));
    }
  }
  const W = leastSquaresQr(Z, Y, lambda, D, F);

  const fresh = ar2(A1, A2, c, F, T, 0.3, rng); // a segment it was not fitted on
  const got = predict(unit, fresh, T, F);
  const expected = new Float64Array(T * F);
  for (let t = 0; t < T; t++) {
    const z = rowOf(fresh, t);
    for (let f = 0; f < F; f++) expected[t * F + f] = z.reduce((sum, v, i) => sum + W[f * D + i] * v, 0);
  }
  console.log(summarize('predictions', assertClose('predictions against the QR fit', got, expected, { rtol: 1e-5, atol: 1e-5 })));
});

test('it predicts 0 before its first fit, step returns one reused F-length buffer, and step never changes its parameters', () => {
  const rng = Xoshiro128.fromSeed(4, 'ar2');
  const F = 2, T = 30;
  const segments = Array.from({ length: 3 }, () => Float32Array.from({ length: T * F }, () => rng.normal()));
  const unit = createLinearAr(context(F, 1));
  assert.ok(predict(unit, segments[0], T, F).every((v) => v === 0), 'nonzero prediction before the fit');
  const y = unit.step(segments[0].subarray(0, F));
  assert.equal(y.length, F);
  assert.equal(unit.step(segments[0].subarray(F, 2 * F)), y, 'one output buffer, reused');
  assert.ok(unit.params.every((v) => v === 0));
  trainPass(unit, segments, T, F, 1);
  assert.ok(unit.params.some((v) => v !== 0), 'the fit changed nothing');
  const before = unit.params.slice();
  for (const seg of segments) predict(unit, seg, T, F);
  assert.deepEqual(unit.params, before);
});

test('reset clears the history: after it, the frames before the segment’s start count as 0', () => {
  const rng = Xoshiro128.fromSeed(5, 'ar2');
  const F = 2, T = 20, k = 3;
  const segments = Array.from({ length: 3 }, () => Float32Array.from({ length: T * F }, () => rng.normal()));
  const unit = createLinearAr(context(F, 1, { order: String(k) }));
  trainPass(unit, segments, T, F, 1);
  const { weight, bias } = paramViews(unit.layout, unit.params);
  for (let t = 0; t < 5; t++) unit.step(segments[1].subarray(t * F, (t + 1) * F)); // some history to forget
  unit.reset();
  const x0 = Float32Array.of(0.7, -1.3);
  const y = unit.step(x0);
  for (let f = 0; f < F; f++) {
    const expected = bias[f] + weight[f * k * F] * x0[0] + weight[f * k * F + 1] * x0[1]; // older lags see zeros
    assert.ok(Math.abs(y[f] - expected) < 1e-6, `output ${f}: ${y[f]} ≠ ${expected}`);
  }
});

test('bad options are UsageErrors that name the unit, and so is a fit that needs a penalty', () => {
  for (const options of <Record<string, string>[]>[{ order: '0' }, { order: '1.5' }, { order: 'four' }, { ridge: '-1' }, { lambda: '0.1' }]) {
    assert.throws(
      () => createLinearAr(context(2, 1, options)),
      (e: unknown) => e instanceof UsageError && /\bunit linear\b/.test(e.message),
      JSON.stringify(options),
    );
  }
  // Feature 1 always equals feature 0: with λ = 0 the system is singular.
  const rng = Xoshiro128.fromSeed(6, 'ar2');
  const F = 2, T = 20;
  const seg = new Float32Array(T * F);
  for (let t = 0; t < T; t++) seg[t * F] = seg[t * F + 1] = rng.normal();
  const unit = createLinearAr(context(F, 1, { order: '1', ridge: '0' }));
  assert.throws(() => trainPass(unit, [seg], T, F, 1), (e: unknown) => e instanceof UsageError && /unit linear.*ridge/.test(e.message));
  assert.throws(() => createLinearAr(context(F, 1)).learn({ input: seg, prediction: seg, target: seg, error: seg, t: 0 }), /before any step/);
});

test('cost: every weight once per frame dense; measured, zero weights and zero history values are skipped (computed by hand)', () => {
  const F = 2, k = 3;
  const unit = createLinearAr(context(F, 1, { order: String(k) }));
  const { weight, bias } = paramViews(unit.layout, unit.params);
  // W (2, 6) with zeros at [0,1], [1,1] and [0,4]: nonzeros per column 2, 0, 2, 2, 1, 2.
  weight.set([1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1]);
  bias.set([0.5, 0.5]);
  unit.reset();
  unit.cost?.(); // start measuring here
  for (const x of [[1, 0], [2, 3], [0, 0], [1, 1]]) unit.step(Float32Array.from(x));
  // Histories [x_t; x_{t−1}; x_{t−2}] and the columns their nonzeros feed:
  //   t=0 [1,0 | 0,0 | 0,0] → col 0: 2        t=1 [2,3 | 1,0 | 0,0] → cols 0,1,2: 2+0+2 = 4
  //   t=2 [0,0 | 2,3 | 1,0] → cols 2,3,4: 5  t=3 [1,1 | 0,0 | 2,3] → cols 0,1,4,5: 2+0+1+2 = 5
  const cost = unit.cost?.();
  assert.deepEqual(cost, { macsPerFrame: F * k * F, activationSparsity: 0, effectiveMacsPerFrame: (2 + 4 + 5 + 5) / 4 });
  assert.equal(unit.cost?.().effectiveMacsPerFrame, undefined, 'no steps since the last call: nothing measured');
});
