/**
 * sMAPE as NeuroBench computes it (neurobench/metrics/workload/smape.py): hand-computed cases,
 * symmetry and the [0, 200] range, and their NaN rule — any NaN term (a NaN or infinite
 * prediction, or 0 against 0) makes the whole score 200. Hand-computed values agree to 1e-12.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smape } from '../../src/tasks/smape.js';
import { Xoshiro128 } from '../../src/data/rng.js';

const TOLERANCE = 1e-12;

function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= TOLERANCE, `${what}: ${actual}, expected ${expected} (diff ${Math.abs(actual - expected)})`);
}

test('hand-computed cases: 200 times the mean of |y − ŷ| / (|y| + |ŷ|)', () => {
  assertClose(smape([1, 2], [1, 1]), (200 * (0 + 1 / 3)) / 2, 'y [1, 2], ŷ [1, 1]'); // 33.33…
  assertClose(smape([3, -1, 0.5], [1, 1, 0.5]), (200 * (2 / 4 + 2 / 2 + 0)) / 3, 'y [3, −1, 0.5], ŷ [1, 1, 0.5]'); // 100
  assertClose(smape([10], [11]), (200 * 1) / 21, 'y 10, ŷ 11');
  assertClose(smape([-2, -4], [-1, -4]), (200 * (1 / 3)) / 2, 'negative values');
});

test('a perfect prediction scores 0 and one of the opposite sign at every point scores 200', () => {
  assert.equal(smape([0.5, -1.25, 3], [0.5, -1.25, 3]), 0);
  assert.equal(smape(new Float64Array([1, -2, 3]), new Float32Array([-1, 2, -0.5])), 200);
  assert.equal(smape([1, -2], [0, 0]), 200, 'predicting 0 for a non-zero target is the worst term too');
});

test('the score is symmetric in targets and predictions and lies in [0, 200]', () => {
  const rng = Xoshiro128.fromSeed(7, 'smape');
  for (const length of [1, 3, 17, 750]) {
    const y = Float64Array.from({ length }, () => rng.normal());
    const yHat = Float64Array.from({ length }, () => rng.normal());
    const score = smape(y, yHat);
    assert.ok(score >= 0 && score <= 200, `length ${length}: ${score}`);
    assert.equal(smape(yHat, y), score, `length ${length}: swapping the arguments`);
  }
});

test('one NaN or infinite prediction makes the whole score 200, as NeuroBench’s nan_to_num of the mean does', () => {
  // Per term this would be 200 · (0 + 0 + 0 + 1) / 4 = 50; NeuroBench gives 200.
  assert.equal(smape([1, 2, 3, 4], [1, 2, 3, NaN]), 200);
  assert.equal(smape([1, 2, 3, 4], [1, 2, 3, Infinity]), 200, '∞ / ∞');
  assert.equal(smape([1, 2, 3, 4], [1, 2, 3, -Infinity]), 200, '∞ / ∞');
  assert.equal(smape([NaN, 2], [1, 2]), 200, 'a NaN target');
});

test('0 predicted for a 0 target is 0/0, which makes the whole score 200 as in NeuroBench', () => {
  assert.equal(smape([0, 1, 2], [0, 1, 2]), 200);
  assert.equal(smape([0], [0]), 200);
  assert.equal(smape([0], [1e-300]), 200 * 1, '0 against a tiny non-zero value is an ordinary term of 1');
});

test('targets and predictions of different lengths, or none, are a RangeError', () => {
  assert.throws(() => smape([1, 2], [1]), RangeError);
  assert.throws(() => smape([], []), RangeError);
});
