import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarize, tQuantile975 } from '../../src/compare/stats.js';

test("t quantiles match scipy.stats.t.ppf(0.975, df) to 1e-5", () => {
  // scipy 1.10: [stats.t.ppf(0.975, d) for d in (1, 2, 3, 10, 30, 31, 50, 100, 1000)]
  const expected: [number, number][] = [
    [1, 12.706205], [2, 4.302653], [3, 3.182446], [10, 2.228139], [30, 2.042272],
    [31, 2.039513], [50, 2.008559], [100, 1.983972], [1000, 1.962339],
  ];
  for (const [df, t] of expected) assert.ok(Math.abs(tQuantile975(df) - t) < 1e-5, `df ${df}: ${tQuantile975(df)} vs ${t}`);
  assert.throws(() => tQuantile975(0), /degrees of freedom/);
});

test('summarize gives the sample std and a t interval', () => {
  const s = summarize([1, 2, 3]);
  assert.equal(s.mean, 2);
  assert.equal(s.std, 1); // n − 1 in the denominator
  const half = 4.302653 / Math.sqrt(3);
  assert.ok(s.ci95 && Math.abs(s.ci95[0] - (2 - half)) < 1e-5 && Math.abs(s.ci95[1] - (2 + half)) < 1e-5, JSON.stringify(s));
  assert.throws(() => summarize([]), /no values/);
});

test('one value has a mean but no std and no interval: null, not 0', () => {
  assert.deepEqual(summarize([0.5]), { n: 1, mean: 0.5, std: null, ci95: null });
  assert.equal(JSON.stringify(summarize([0.5])), '{"n":1,"mean":0.5,"std":null,"ci95":null}');
  // Two equal values do have a spread, and it is 0.
  assert.deepEqual(summarize([0.5, 0.5]), { n: 2, mean: 0.5, std: 0, ci95: [0.5, 0.5] });
});
