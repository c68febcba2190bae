import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobResult } from '../../src/compare/job.js';
import { summarizeResults } from '../../src/compare/summary.js';

function result(label: string, seed: number, finalVal: number, status: JobResult['status'] = 'ok'): JobResult {
  const ok = status === 'ok';
  return {
    job: { model: label, label, seed, audio: '/data/a.flac', args: [], options: [], threads: 1, out: '/runs/x' },
    status,
    ...(ok ? {} : { error: 'loss NaN at epoch 2' }),
    curve: ok ? [{ epoch: 1, train: 1, val: finalVal * 2 }, { epoch: 2, train: 0.5, val: finalVal }] : [],
    finalTrain: ok ? 0.5 : NaN,
    finalVal: ok ? finalVal : NaN,
    bestVal: ok ? finalVal : Infinity,
    seconds: 2,
    ...(ok ? { cost: { params: 10, trainable: 10, memoryBytes: 40, macsPerFrame: 10 } } : {}),
  };
}

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
  assert.ok(Math.abs(rnn.finalVal!.mean - 0.095) < 1e-12);
  assert.equal(rnn.bestVal!.mean, rnn.finalVal!.mean);
  assert.equal(rnn.epochs, 2);
  assert.equal(rnn.cost!.params, 10);
  const persistence = summaries.find((s) => s.unit === 'persistence')!;
  assert.equal(persistence.improvement!.mean, 0);
});
