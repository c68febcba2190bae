/**
 * The tune table's footnotes: a unit whose trials all scored the same is named (its search space
 * varies nothing it reads), and a unit whose trials differ is not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrialRecordJson, TuneRecord, UnitRecordJson } from '../../src/tune/record.js';
import { formatTuneTable } from '../../src/tune/table.js';

const trial = (i: number, score: number): TrialRecordJson => ({
  trial: i, config: { lr: 0.001 * (i + 1) }, status: 'completed', epochs: 3,
  scores: [{ rung: 0, epochs: 1, score, val_loss: { 'a.flac': score } }], best_val: null,
});

const unit = (name: string, scores: number[]): UnitRecordJson => ({
  unit: name, key: name, model: name, kind: 'online', eval: 'frozen', closed_form: false, rungs: [1, 3], space: { lr: { log: [1e-4, 1e-2] } },
  trials_run: scores.length, trials_stopped: 0, trials_diverged: 0, epochs_spent: 3 * scores.length, best_trial: 0, best_score: scores[0],
  best_config: { lr: 0.001 }, trials: scores.map((s, i) => trial(i, s)), retrain: { epochs: 3, seeds: [1], runs: [] }, test_loss: null, vs_persistence: null,
});

const record = (units: UnitRecordJson[]): TuneRecord => ({
  audiopred: 'test', created: '2026-12-06T00:00:00Z', status: 'done', wall_seconds: 1,
  settings: { trials: 4, epochs: 3, seeds: [1], seed: 1, split: [0.6, 0.2, 0.2], split_seed: 1, eval: 'frozen', reduction: 3, rungs: [1, 3], jobs: 1 },
  config: {} as TuneRecord['config'], files: [{ path: '/x/a.flac', segments: 10 }], units,
});

test('a unit whose trials all scored the same is named under the table, one that varied is not', () => {
  const table = formatTuneTable(record([unit('deaf', [0.91, 0.91, 0.91, 0.91]), unit('keen', [0.91, 0.85, 0.97, 0.91])]));
  assert.match(table, /deaf: its 4 trials scored the same at their first rung/);
  assert.doesNotMatch(table, /keen: its/);
});

test('two trials are too few to call alike, and diverged trials are left out of the comparison', () => {
  const two = formatTuneTable(record([unit('pair', [0.5, 0.5])]));
  assert.doesNotMatch(two, /scored the same/);
  const withNull = unit('mixed', [0.5, 0.5, 0.5]);
  withNull.trials.push({ ...trial(3, 0), scores: [{ rung: 0, epochs: 1, score: null, val_loss: { 'a.flac': null } }] });
  assert.match(formatTuneTable(record([withNull])), /mixed: its 3 trials scored the same/);
});
