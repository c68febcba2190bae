/**
 * The comparison's tables: Markdown per recording, compare.csv and runs.csv,
 * and how each shows a statistic that does not exist ('—' and an empty cell,
 * never 0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobResult } from '../../src/jobs/job.js';
import { jobResult } from '../helpers/job-result.js';
import { summarizeResults } from '../../src/compare/summary.js';
import { formatTables, runsCsv, summariesCsv } from '../../src/compare/tables.js';

const result = (label: string, seed: number, finalVal: number, status: JobResult['status'] = 'ok') =>
  jobResult(label, seed, finalVal, status, { params: 19724, trainable: 19724, memoryBytes: 79408, macsPerFrame: 19456 });

/** The Markdown table's rows as cells, by unit. */
function rows(markdown: string): Map<string, string[]> {
  const lines = markdown.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| unit '));
  return new Map(lines.map((l) => l.slice(2, -2).split(' | ').map((c) => c.trim())).map((cells) => [cells[0], cells.slice(1)]));
}

/** compare.csv as objects keyed by its header. */
function csvRows(csv: string): Record<string, string>[] {
  const [header, ...lines] = csv.trim().split('\n').map((l) => l.split(','));
  return lines.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}

const heading = (file: string) => `${file}: test`;

test('with one seed the std, the CI and the improvement\'s std read "—" in the table and are empty in compare.csv', () => {
  const summaries = summarizeResults([result('persistence', 1, 0.2), result('rnn', 1, 0.1)]);
  const table = formatTables(summaries, heading);
  const rnn = rows(table).get('rnn')!;
  // final val (mean ± std), 95 % CI, best val, vs persistence, params, memory, MACs/frame, epochs, time/run
  assert.deepEqual(rnn.slice(0, 4), ['0.1000 ± —', '—', '0.1000 ± —', '+50.0 ± — %']);
  assert.doesNotMatch(table, /± 0\.0000|\[0\.1000, 0\.1000\]/);
  const csv = csvRows(summariesCsv(summaries)).find((r) => r.unit === 'rnn')!;
  assert.equal(csv.final_val_mean, '0.1');
  for (const column of ['final_val_std', 'final_val_ci_low', 'final_val_ci_high', 'best_val_std', 'improvement_pct_std']) assert.equal(csv[column], '', column);
  assert.equal(csv.improvement_pct_mean, '50');
});

test('with two seeds every statistic is a number', () => {
  const summaries = summarizeResults([result('persistence', 1, 0.2), result('persistence', 2, 0.1), result('rnn', 1, 0.1), result('rnn', 2, 0.09)]);
  const rnn = rows(formatTables(summaries, heading)).get('rnn')!;
  assert.match(rnn[0], /^0\.0950 ± 0\.0071$/);
  assert.match(rnn[1], /^\[-?\d\.\d{4}, \d\.\d{4}\]$/);
  assert.match(rnn[3], /^\+30\.0 ± 28\.3 %$/);
  const csv = csvRows(summariesCsv(summaries)).find((r) => r.unit === 'rnn')!;
  for (const column of ['final_val_std', 'final_val_ci_low', 'final_val_ci_high', 'best_val_std', 'improvement_pct_std']) assert.ok(Number.isFinite(Number(csv[column])) && csv[column] !== '', column);
});

test('without a persistence run to pair with, or with no finished run, cells read "—" and CSV cells are empty', () => {
  const summaries = summarizeResults([result('rnn', 1, 0.1), result('gru', 1, NaN, 'failed')]);
  const table = formatTables(summaries, heading);
  const [rnn, gru] = [rows(table).get('rnn')!, rows(table).get('gru')!];
  assert.equal(rnn[3], '—');
  assert.deepEqual(gru.slice(0, 8), ['—', '—', '—', '—', '—', '—', '—', '—']);
  assert.match(table, /gru: 1 of 1 runs did not finish \(0 diverged, 1 failed\): loss NaN at epoch 2/);
  const csv = csvRows(summariesCsv(summaries)).find((r) => r.unit === 'gru')!;
  for (const column of ['epochs', 'final_val_mean', 'final_val_std', 'best_val_mean', 'improvement_pct_mean', 'params']) assert.equal(csv[column], '', column);
  // runs.csv: a failed run's losses do not exist (not NaN, not Infinity).
  const runs = csvRows(runsCsv([result('gru', 1, NaN, 'failed')]))[0];
  assert.deepEqual([runs.status, runs.final_train, runs.final_val, runs.best_val, runs.error], ['failed', '', '', '', 'loss NaN at epoch 2']);
});
