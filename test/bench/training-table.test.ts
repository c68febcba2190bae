import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AudiopredRun } from '../../bench/training-runs.js';
import { bestTorch, flopPerEpoch, trainingTable, type UnitResult } from '../../bench/training-table.js';

const workload = { segments: 33, length: 500, features: 12, train: 25, val: 8, hidden: 128, batch: 16, horizon: 2 };

function run(epochs: number, epochsPerSecond: number, macsPerFrame: number, threads = 1): AudiopredRun {
  return { epochs, seconds: epochs / epochsPerSecond, epochsPerSecond, peakRssMb: 100, runs: 1, backend: 'wasm-simd', threads, macsPerFrame, workload };
}

test('a backprop epoch counts training frames three times (forward and a backward of twice its cost) and validation once', () => {
  const r = run(30, 10, 1000);
  const result: UnitResult = { unit: 'rnn', kind: 'backprop', epochs: 30, rows: [{ threads: 1, after: r }] };
  assert.equal(flopPerEpoch(result, r), 2 * 1000 * 499 * (3 * 25 + 8));
});

test('an online unit learning step by step counts every frame once; a closed-form fit that stopped early counts the training frames twice', () => {
  const stepwise = run(5, 1, 1000);
  assert.equal(flopPerEpoch({ unit: 'eprop', kind: 'online', epochs: 5, rows: [] }, stepwise), 2 * 1000 * 499 * (25 + 8));
  const fit = run(1, 8, 1000);
  assert.equal(flopPerEpoch({ unit: 'linear', kind: 'online', epochs: 300, rows: [] }, fit), 2 * 1000 * 499 * (2 * 25 + 8));
});

test('the best PyTorch run is the fastest of its thread counts, and there is none when PyTorch did not run', () => {
  const torch = { runs: [{ ...run(30, 11, 0), threads: 1 }, { ...run(30, 6, 0), threads: 2 }] };
  assert.equal(bestTorch(torch)?.threads, 1);
  assert.equal(bestTorch({ none: 'no PyTorch twin' }), undefined);
  assert.equal(bestTorch(undefined), undefined);
});

test('the table gives speed-up against before and the ratio against PyTorch best, and dashes where a side is missing', () => {
  const results: UnitResult[] = [
    {
      unit: 'rnn', kind: 'backprop', epochs: 30,
      rows: [{ threads: 1, after: run(30, 20, 19456), before: run(30, 10, 19456) }],
      torch: { runs: [{ ...run(30, 8, 0), threads: 1 }, { ...run(30, 10, 0), threads: 2 }] },
    },
    { unit: 'zero', kind: 'backprop', epochs: 300, rows: [{ threads: 1, after: run(1, 40, 0), before: new Error('exit 1') }], torch: { none: 'no PyTorch twin' } },
  ];
  const lines = trainingTable(results, true, true).split('\n');
  assert.equal(lines.length, 4);
  const cells = (line: string) => line.split('|').slice(1, -1).map((c) => c.trim());
  const header = cells(lines[0]);
  const rnn = Object.fromEntries(header.map((h, i) => [h, cells(lines[2])[i]]));
  assert.equal(rnn['audiopred epochs/s'], '20.0');
  assert.equal(rnn['speed-up'], '2.00×');
  assert.equal(rnn['PyTorch best epochs/s (threads)'], '10.0 (2)');
  assert.equal(rnn['× PyTorch'], '2.00×');
  const zero = Object.fromEntries(header.map((h, i) => [h, cells(lines[3])[i]]));
  assert.equal(zero['speed-up'], '—');
  assert.equal(zero['× PyTorch'], '—');
  assert.equal(zero['GFLOP/s'], '—');
  assert.match(zero.notes, /before failed: exit 1/);
  assert.match(zero.notes, /no PyTorch twin/);
});

test('without --before and PyTorch the table has neither side’s columns', () => {
  const header = trainingTable([{ unit: 'rnn', kind: 'backprop', epochs: 30, rows: [{ threads: 1, after: run(30, 20, 1) }] }], false, false).split('\n')[0];
  assert.doesNotMatch(header, /before|PyTorch/);
});
