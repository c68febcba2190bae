/**
 * The seeded train/validation/test split: the default is the original's (a quarter of the
 * permutation for validation, no test), the test segments are drawn first so they depend only on
 * the seed and the test fraction, the parts are disjoint and cover every segment, and too few
 * segments for a part is a one-line error naming the recording and the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSplit, DEFAULT_SPLIT, splitSegments, type Split, type SplitFractions } from '../../src/data/dataset.js';
import { permutation, Xoshiro128 } from '../../src/data/rng.js';
import { UsageError } from '../../src/errors.js';

const rng = (seed: number) => Xoshiro128.fromSeed(seed, 'split');
const split = (count: number, seed: number, fractions?: SplitFractions) => splitSegments(count, rng(seed), 'song.wav', fractions);
const parts = (s: Split) => ({ train: [...s.train], val: [...s.val], test: [...s.test] });

test('the default split is the one before test splits existed: the first floor(n/4) of the permutation validate, the rest train', () => {
  // Written down from the split before --split existed.
  assert.deepEqual(parts(split(12, 12345)), { val: [4, 3, 8], train: [5, 11, 7, 6, 2, 0, 10, 9, 1], test: [] });
  assert.deepEqual(parts(split(20, 7)).val, [10, 3, 17, 16, 11]);
  assert.deepEqual(DEFAULT_SPLIT, [0.75, 0.25, 0]);
  for (let n = 4; n <= 60; n++) {
    for (const seed of [0, 1, 12345]) {
      const perm = [...permutation(n, rng(seed))];
      const quarter = Math.floor(n / 4);
      assert.deepEqual(parts(split(n, seed)), { val: perm.slice(0, quarter), train: perm.slice(quarter), test: [] }, `n ${n}, seed ${seed}`);
    }
  }
});

test('the parts are disjoint, cover every segment and have floor(n·test), floor(n·val) and the rest', () => {
  for (const fractions of [[0.6, 0.2, 0.2], [0.5, 0.25, 0.25], [0.7, 0.2, 0.1], [0.34, 0.33, 0.33], [0.6, 0.11, 0.29]] as SplitFractions[]) {
    for (const n of [10, 37, 100, 101]) {
      const s = split(n, 3, fractions);
      const all = [...s.train, ...s.val, ...s.test].sort((a, b) => a - b);
      assert.deepEqual(all, Array.from({ length: n }, (_, i) => i), `${fractions} of ${n}: every segment once`);
      const test = Math.floor(n * fractions[2] + 1e-9);
      const val = Math.floor(n * fractions[1] + 1e-9);
      assert.deepEqual([s.test.length, s.val.length, s.train.length], [test, val, n - test - val], `${fractions} of ${n}`);
    }
  }
  // 0.29 · 100 is 28.999999999999996 in floating point; the count is still 29.
  assert.equal(split(100, 3, [0.6, 0.11, 0.29]).test.length, 29);
});

test('the test segments depend only on the seed and the test fraction, not on how the rest is divided', () => {
  for (const n of [20, 64, 101]) {
    const a = split(n, 9, [0.5, 0.25, 0.25]);
    const b = split(n, 9, [0.7, 0.05, 0.25]);
    const c = split(n, 9, [0.05, 0.7, 0.25]);
    assert.deepEqual([...a.test], [...b.test]);
    assert.deepEqual([...a.test], [...c.test]);
    assert.notDeepEqual([...split(n, 10, [0.5, 0.25, 0.25]).test], [...a.test], 'another seed, other test segments');
  }
  // They are the first floor(n·test) of the seed's permutation.
  assert.deepEqual([...split(40, 9, [0.6, 0.2, 0.2]).test], [...permutation(40, rng(9))].slice(0, 8));
});

/** A one-line UsageError (exit code 2) naming the recording and matching `pattern`. */
function refused(count: number, fractions: SplitFractions, pattern: RegExp): void {
  assert.throws(
    () => checkSplit(count, fractions, 'song.wav'),
    (err: unknown) => {
      assert.ok(err instanceof UsageError, String(err));
      assert.equal(err.exitCode, 2);
      assert.ok(!err.message.includes('\n'), err.message);
      assert.match(err.message, /^song\.wav: /);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

test('too few segments for a part is an error that names the recording and the fix', () => {
  refused(3, DEFAULT_SPLIT, /only 3 segments, too few for a validation split of 0\.25 \(need at least 4\); .*smaller --segment/);
  refused(9, [0.6, 0.3, 0.1], /too few for a test split of 0\.1 \(need at least 10\); .*--split/);
  // floor(n·val) + floor(n·test) ≤ n·(val + test) < n, so only a vanishing training fraction leaves it empty.
  refused(2, [1e-10, 0.5 - 5e-11, 0.5 - 5e-11], /leaves none for training.*training fraction/);
  assert.throws(() => split(3, 1), /validation split/);
  assert.deepEqual(checkSplit(10, [0.6, 0.3, 0.1], 'song.wav'), { train: 6, val: 3, test: 1 });
  assert.deepEqual(checkSplit(4, DEFAULT_SPLIT, 'song.wav'), { train: 3, val: 1, test: 0 });
});
