/**
 * Runs with a test split: the final model is scored once on the test segments and the loss is
 * the saved checkpoint's, recorded in summary.json and the result; a default run records no test
 * loss and trains exactly as before; --split-seed keeps the segments across seeds while the
 * initialisation follows --seed; run folders from before the test split still resume.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type TrainConfig } from '../../src/config/settings.js';
import { cutSegments, packBatch } from '../../src/data/dataset.js';
import { loadFeatures } from '../../src/audio/features.js';
import { decodeSafetensors } from '../../src/formats/safetensors.js';
import { encodeWav16 } from '../../src/formats/wav.js';
import { getBackend } from '../../src/kernels/index.js';
import { buildUnit } from '../../src/runs/learner.js';
import { openRun } from '../../src/runs/open.js';
import { prepareRun } from '../../src/runs/prepare.js';
import { trainRun } from '../../src/runs/train-run.js';
import { shiftedMse } from '../../src/train/loss.js';
import { resolveUnit } from '../../src/units/load.js';
import { runCli } from '../helpers/cli.js';
import { testSignal } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-test-split-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const RATE = 16000;
const audio = join(dir, 'tone.wav');
writeFileSync(audio, encodeWav16([testSignal(12, RATE)], RATE));
/** 12 segments of 100 frames; the plain kernels on one thread, so an independent forward pass gives the same bits. */
const small = { segment: 100, hidden: 16, threads: 1, backend: 'plain', epochs: 2 } as const;

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** The loss of run `out`'s saved model.safetensors on `indices`, as the trainer defines it (mean per-batch shifted MSE), computed here. */
async function checkpointLoss(out: string, indices: number[]): Promise<number> {
  const { record } = openRun(out);
  const config: TrainConfig = record.config;
  const f = await loadFeatures(record.audio.path, config.normalize);
  const segments = cutSegments(f.data, f.frames, f.coefficients, config.segment, record.audio.path);
  const L = segments.length;
  const T = L - 1;
  const F = segments.features;
  const { unit } = buildUnit(await resolveUnit(config.model), config, F, T, getBackend('plain'));
  assert.equal(unit.kind, 'backprop');
  if (unit.kind !== 'backprop') throw new Error('unreachable');
  const { tensors } = decodeSafetensors(readFileSync(join(out, 'model.safetensors')));
  const params = new Float32Array(unit.layout.size);
  for (const e of unit.layout.entries) params.set(tensors[e.name].data, e.offset);

  const order = Int32Array.from(indices);
  const x = new Float32Array(config.batch * T * F);
  const seg = new Float32Array(config.batch * L * F);
  const y = new Float32Array(config.batch * T * F);
  let total = 0;
  let batches = 0;
  for (let start = 0; start < order.length; start += config.batch) {
    const B = packBatch(x, seg, segments, order, start, config.batch);
    unit.forward(y, unit.createCache(B, T), x, params, B, T);
    total += shiftedMse(y, seg, B, T, F, config.horizon);
    batches++;
  }
  return total / batches;
}

test('--split 0.5,0.25,0.25 scores the final model on the test segments: the loss of the saved checkpoint there', async () => {
  const out = join(dir, 'quarter');
  const result = await trainRun({ audio, config: resolveConfig({ ...small, model: 'rnn', split: '0.5,0.25,0.25' }), out, saveEvery: 0 });
  assert.equal(result.status, 'done', result.error);
  const summary = json(join(out, 'summary.json'));
  const record = json(join(out, 'config.json'));
  assert.deepEqual(record.config.split, [0.5, 0.25, 0.25]);
  assert.equal(record.config.split_seed, null);
  assert.equal(record.config.eval, 'frozen');
  assert.deepEqual([record.data.train.length, record.data.val.length, record.data.test.length], [6, 3, 3]);
  assert.deepEqual(summary.test_segments, record.data.test);
  assert.deepEqual(result.summary.test_segments, record.data.test);
  assert.deepEqual([...record.data.train, ...record.data.val, ...record.data.test].sort((a: number, b: number) => a - b), [...Array(12).keys()]);

  assert.equal(typeof summary.final_test_loss, 'number');
  assert.ok(summary.final_test_loss > 0);
  assert.equal(result.testLoss, summary.final_test_loss);
  assert.equal(result.summary.final_test_loss, summary.final_test_loss);
  assert.equal(openRun(out).summary?.final_test_loss, summary.final_test_loss);
  assert.equal(summary.final_test_loss, await checkpointLoss(out, record.data.test));
  assert.notEqual(summary.final_test_loss, summary.final_val_loss);

  // Resuming a finished run keeps its test loss.
  const again = await trainRun({ resume: out });
  assert.equal(again.status, 'done');
  assert.equal(again.testLoss, summary.final_test_loss);
  assert.equal(json(join(out, 'summary.json')).final_test_loss, summary.final_test_loss);
});

test('an online unit is scored on the test segments too', async () => {
  const out = join(dir, 'linear');
  const result = await trainRun({ audio, config: resolveConfig({ ...small, model: 'linear', split: '0.5,0.25,0.25' }), out, saveEvery: 0 });
  assert.equal(result.status, 'done', result.error);
  assert.ok(typeof result.testLoss === 'number' && Number.isFinite(result.testLoss) && result.testLoss > 0);
  assert.equal(json(join(out, 'summary.json')).final_test_loss, result.testLoss);
});

test('a unit that throws while scored on the test segments ends the run as diverged, its last checkpoint kept', async () => {
  // Persistence that throws on its tenth segment: 6 training and 3 validation segments pass, the first test segment does not.
  const unit = join(dir, 'tenth.ts');
  writeFileSync(
    unit,
    `import type { OnlineUnit, UnitContext } from 'audiopred';
     export default function (ctx: UnitContext): OnlineUnit {
       let segments = 0;
       return {
         kind: 'online', name: 'tenth', features: ctx.features,
         layout: { entries: [], size: 0 }, params: new Float32Array(0),
         reset() { segments++; },
         step(x) { if (segments > 9) throw new Error('no tenth segment'); return x; },
         learn() {},
       };
     }`,
  );
  const out = join(dir, 'tenth');
  const result = await trainRun({ audio, config: resolveConfig({ ...small, epochs: 1, model: unit, split: '0.5,0.25,0.25' }), out, saveEvery: 0 });
  assert.equal(result.status, 'diverged');
  assert.match(result.error ?? '', /no tenth segment.*while scoring the test segments/);
  assert.equal(result.checkpointEpoch, 1);
  assert.equal(result.testLoss, null);
  const summary = json(join(out, 'summary.json'));
  assert.equal(summary.status, 'diverged');
  assert.equal(summary.final_test_loss, null);
  assert.equal(summary.epochs, 1);
});

test('a run stopped before its last epoch has no test loss; finishing it gives the uninterrupted run\'s', async () => {
  const config = resolveConfig({ ...small, model: 'rnn', split: '0.6,0.2,0.2' });
  const whole = await trainRun({ audio, config, out: join(dir, 'whole'), saveEvery: 0 });
  const out = join(dir, 'stopped');
  const controller = new AbortController();
  const first = await trainRun({ audio, config, out, saveEvery: 0, signal: controller.signal, onEpoch: () => controller.abort() });
  assert.equal(first.status, 'interrupted');
  assert.equal(first.testLoss, null);
  assert.equal(json(join(out, 'summary.json')).final_test_loss, null);
  assert.deepEqual(json(join(out, 'summary.json')).test_segments, json(join(dir, 'whole', 'config.json')).data.test);
  const resumed = await trainRun({ resume: out });
  assert.equal(resumed.status, 'done');
  assert.equal(typeof whole.testLoss, 'number');
  assert.equal(resumed.testLoss, whole.testLoss);
});

test('a default run records no test segments and a null test loss, and trains as before', async () => {
  const out = join(dir, 'default');
  const result = await trainRun({ audio, config: resolveConfig({ ...small, model: 'rnn' }), out, saveEvery: 0 });
  assert.equal(result.status, 'done');
  assert.equal(result.testLoss, null);
  const summary = json(join(out, 'summary.json'));
  assert.equal(summary.final_test_loss, null);
  assert.deepEqual(summary.test_segments, []);
  assert.deepEqual(json(join(out, 'config.json')).data.test, []);
  assert.deepEqual([summary.val_segments.length, summary.train_segments.length], [3, 9]);
});

test('--split-seed keeps the segments across --seed values, while the initialisation follows --seed', async () => {
  const run = async (settings: Record<string, unknown>) => {
    const { split, trainer } = await prepareRun(audio, resolveConfig({ ...small, model: 'rnn', split: '0.5,0.25,0.25', ...settings }));
    try {
      return { data: [split.train, split.val, split.test].map((part) => [...part]), params: [...trainer.params] };
    } finally {
      await trainer.close();
    }
  };
  const a = await run({ seed: 1, splitSeed: 5 });
  const b = await run({ seed: 2, splitSeed: 5 });
  const c = await run({ seed: 5 });
  const d = await run({ seed: 2 });
  assert.deepEqual(a.data, b.data, 'the same split seed, the same segments');
  assert.deepEqual(a.data, c.data, 'without --split-seed the split follows --seed');
  assert.notDeepEqual(b.data, d.data);
  assert.notDeepEqual(a.params, b.params, 'the initialisation follows --seed');
  assert.deepEqual(b.params, d.params, '--split-seed changes the split, not the initialisation');
});

test('a run folder from before the test split resumes: its config.json and summary.json lack the new keys', async () => {
  const out = join(dir, 'old');
  const controller = new AbortController();
  const first = await trainRun({ audio, config: resolveConfig({ ...small, model: 'rnn' }), out, saveEvery: 0, signal: controller.signal, onEpoch: () => controller.abort() });
  assert.equal(first.status, 'interrupted');
  const record = json(join(out, 'config.json'));
  delete record.config.split;
  delete record.config.split_seed;
  delete record.config.eval;
  delete record.data.test;
  writeFileSync(join(out, 'config.json'), JSON.stringify(record, null, 2));
  const summary = json(join(out, 'summary.json'));
  delete summary.final_test_loss;
  delete summary.test_segments;
  writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2));
  const opened = openRun(out);
  assert.deepEqual(opened.record.data.test, []);
  assert.equal(opened.summary?.final_test_loss, null);
  assert.deepEqual(opened.summary?.test_segments, []);

  const resumed = await trainRun({ resume: out });
  assert.equal(resumed.status, 'done');
  assert.deepEqual(resumed.config.split, [0.75, 0.25, 0]);
  assert.equal(resumed.testLoss, null);
});

test('`audiopred train --split` shows the test segments in its header and the test loss in its closing line', () => {
  const out = join(dir, 'cli');
  const r = runCli(['train', audio, '--segment', '100', '--hidden', '8', '--epochs', '1', '--split', '0.5,0.25,0.25', '--split-seed', '3', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /6 train \/ 3 validation \/ 3 test segments, seed 12345 \(split seed 3\)/);
  const loss = json(join(out, 'summary.json')).final_test_loss;
  assert.match(r.stdout, new RegExp(`^Final Epoch 1/1, Train Loss: [\\d.]+, Val Loss: [\\d.]+, Test Loss: ${loss.toFixed(6)}$`, 'm'));
  assert.deepEqual(json(join(out, 'config.json')).command.slice(-4), ['--split', '0.5,0.25,0.25', '--split-seed', '3']);

  const lines = runCli(['train', audio, '--segment', '100', '--hidden', '8', '--epochs', '1', '--split', '0.5,0.25,0.25', '--json', '--out', join(dir, 'cli-json')]);
  assert.equal(lines.code, 0, lines.stderr);
  const [header, done] = [lines.stdout.trim().split('\n')[0], lines.stdout.trim().split('\n').at(-1)!].map((l) => JSON.parse(l));
  assert.deepEqual([header.train, header.val, header.test], [6, 3, 3]);
  assert.equal(done.final_test_loss, json(join(dir, 'cli-json', 'summary.json')).final_test_loss);

  const plain = runCli(['train', audio, '--segment', '100', '--hidden', '8', '--epochs', '1', '--out', join(dir, 'cli-default')]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stdout, /Test Loss|test segments/);

  const bad = runCli(['train', audio, '--split', '0.5,0.5,0.5']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr.trim(), /^[^\n]*--split .*sum to 1.*e\.g\. --split 0\.6,0\.2,0\.2[^\n]*$/);
});
