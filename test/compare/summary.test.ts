import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobResult } from '../../src/jobs/job.js';
import { jobResult } from '../helpers/job-result.js';
import { readUnitSummaries, summarizeResults } from '../../src/compare/summary.js';

const result = (label: string, seed: number, finalVal: number, status: JobResult['status'] = 'ok') =>
  jobResult(label, seed, finalVal, status, { params: 10, trainable: 10, memoryBytes: 40, macsPerFrame: 10 });

test('improvement over persistence is paired by seed, and runs that did not finish are counted, not averaged', () => {
  const summaries = summarizeResults([
    result('persistence', 1, 0.2),
    result('persistence', 2, 0.1),
    result('rnn', 1, 0.1), // 50 % better than persistence on seed 1
    result('rnn', 2, 0.09), // 10 % better on seed 2
    result('rnn', 3, NaN, 'diverged'),
  ]);
  const rnn = summaries.find((s) => s.unit === 'rnn')!;
  assert.equal(rnn.audio, 'a.flac');
  assert.deepEqual([rnn.ok, rnn.diverged, rnn.failed], [2, 1, 0]);
  assert.match(rnn.error!, /NaN/);
  assert.ok(Math.abs(rnn.improvement!.mean - 30) < 1e-9, String(rnn.improvement!.mean));
  assert.ok(Math.abs(rnn.final_val!.mean - 0.095) < 1e-12);
  assert.equal(rnn.best_val!.mean, rnn.final_val!.mean);
  assert.equal(rnn.epochs, 2);
  assert.equal(rnn.cost!.params, 10);
  const persistence = summaries.find((s) => s.unit === 'persistence')!;
  assert.equal(persistence.improvement!.mean, 0);
});

test('a unit with no finished run has null summaries and null epochs; no persistence run means no improvement', () => {
  const summaries = summarizeResults([result('rnn', 1, 0.1), result('gru', 1, NaN, 'failed')]);
  const rnn = summaries.find((s) => s.unit === 'rnn')!;
  assert.equal(rnn.improvement, null);
  assert.deepEqual(rnn.final_val, { n: 1, mean: 0.1, std: null, ci95: null });
  const gru = summaries.find((s) => s.unit === 'gru')!;
  assert.deepEqual([gru.final_val, gru.best_val, gru.final_train, gru.improvement, gru.epochs, gru.cost], [null, null, null, null, null, null]);
});

test('every key of a summary, as compare.json holds it, is snake_case', () => {
  const summaries = summarizeResults([result('persistence', 1, 0.2), result('persistence', 2, 0.1), result('rnn', 1, 0.1), result('rnn', 2, 0.09)]);
  const keys = (v: unknown, path: string): string[] =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.entries(v).flatMap(([k, x]) => [`${path}${k}`, ...(path === '' && k === 'cost' ? [] : keys(x, `${path}${k}.`))]) // cost: CostReport, renamed separately
      : [];
  const camel = summaries.flatMap((s) => keys(s, '')).filter((k) => /[A-Z]/.test(k));
  assert.deepEqual(camel, []);
});

test('readUnitSummaries reads both this form and the camelCase form of older comparisons', () => {
  const now = summarizeResults([result('persistence', 1, 0.2), result('rnn', 1, 0.1), result('rnn', 2, 0.09)]);
  const back = readUnitSummaries(JSON.parse(JSON.stringify(now)));
  assert.deepEqual(back, now);
  const old = {
    audio: 'a.flac', unit: 'rnn', seeds: [1], ok: 1, diverged: 0, failed: 0, epochs: 2,
    finalVal: { n: 1, mean: 0.1, std: 0, ciLow: 0.1, ciHigh: 0.1 },
    bestVal: { n: 2, mean: 0.1, std: 0.01, ciLow: 0.01, ciHigh: 0.19 },
    finalTrain: null, improvement: null, seconds: { n: 1, mean: 2, std: 0, ciLow: 2, ciHigh: 2 }, cost: null,
  };
  const [u] = readUnitSummaries([old]);
  assert.deepEqual(u.final_val, { n: 1, mean: 0.1, std: null, ci95: null });
  assert.deepEqual(u.best_val, { n: 2, mean: 0.1, std: 0.01, ci95: [0.01, 0.19] });
  assert.equal(u.final_train, null);
  assert.equal('finalVal' in u, false);
});
