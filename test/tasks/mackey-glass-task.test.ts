/**
 * The mackey-glass task: the bundled series is the generator's, bit for bit; a seed picks its
 * repeat's windows as NeuroBench does; the task's protocol is fixed and said; the free-running
 * test never hands a unit a true frame after the warm-up; and train and compare report sMAPE.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { resolveConfig } from '../../src/config/settings.js';
import { UsageError } from '../../src/errors.js';
import { decodeNpy, encodeNpy } from '../../src/formats/npy.js';
import { createPlainBackend } from '../../src/kernels/plain.js';
import type { SequenceModel } from '../../src/models/model.js';
import type { OnlineUnit } from '../../src/models/online.js';
import { layoutParams } from '../../src/models/params.js';
import { mackeyGlassSeries } from '../../src/tasks/mackey-glass.js';
import { EXAMPLE_MACKEY_GLASS, loadMackeyGlass, MACKEY_GLASS_FILE_POINTS } from '../../src/tasks/mackey-glass-data.js';
import { smape } from '../../src/tasks/smape.js';
import { freeRun } from '../../src/train/free-run.js';
import { assertCleanError, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-mg-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the bundled series is the generator’s, as float32, long enough for 30 repeats and their validation windows', () => {
  const { data, shape } = decodeNpy(readFileSync(EXAMPLE_MACKEY_GLASS), EXAMPLE_MACKEY_GLASS);
  assert.deepEqual(shape, [MACKEY_GLASS_FILE_POINTS]);
  assert.equal(MACKEY_GLASS_FILE_POINTS, 1087 + 1500 + 751);
  assert.deepEqual(data, Float32Array.from(mackeyGlassSeries(MACKEY_GLASS_FILE_POINTS)));
});

test('a seed picks repeat seed mod 30: its train, validation and test windows, warm-up and free-running targets', async () => {
  const x = decodeNpy(readFileSync(EXAMPLE_MACKEY_GLASS)).data;
  for (const [seed, repeat] of [[0, 0], [1, 1], [29, 29], [30, 0], [12345, 15]]) {
    const mg = await loadMackeyGlass(EXAMPLE_MACKEY_GLASS, seed);
    const o = Math.trunc(repeat * 37.5); // NeuroBench: int(k · 0.5 · 75)
    assert.equal(mg.repeat, repeat);
    assert.deepEqual([mg.segments.count, mg.segments.length, mg.segments.features], [3, 751, 1]);
    assert.deepEqual([...mg.split.train, ...mg.split.val, ...mg.split.test], [0, 1, 2]);
    assert.deepEqual(mg.segments.data.subarray(0, 751), x.subarray(o, o + 751), 'train: inputs x[o … o+749], targets up to x[o+750]');
    assert.deepEqual(mg.segments.data.subarray(751, 1502), x.subarray(o + 1500, o + 2251), 'validation: the 750 steps after the test window');
    assert.deepEqual(mg.segments.data.subarray(1502), x.subarray(o + 750, o + 1501), 'test: the next 750 steps');
    assert.deepEqual(mg.warmup, x.subarray(o, o + 751));
    assert.deepEqual(mg.targets, x.subarray(o + 751, o + 1501));
  }
});

test('a series of two features, or too short for the repeat, is refused naming the file and what it needs', async () => {
  const wide = join(dir, 'wide.npy');
  writeFileSync(wide, encodeNpy(new Float32Array(2 * 4000).fill(1), [4000, 2]));
  await assert.rejects(loadMackeyGlass(wide, 1), (e: Error) => e instanceof UsageError && /wide\.npy has 2 features; the mackey-glass task reads one series/.test(e.message));
  const short = join(dir, 'short.npy');
  writeFileSync(short, encodeNpy(Float32Array.from(mackeyGlassSeries(2300)), [2300]));
  await assert.rejects(loadMackeyGlass(short, 29), /short\.npy has 2300 points; repeat 29 \(--seed 29\) needs 3338/);
  await loadMackeyGlass(short, 1); // repeat 1 needs 37 + 2251 = 2288 points
});

test('the task fixes its protocol (segment, horizon, normalisation, split) and defaults the rest to NeuroBench’s LSTM', () => {
  const c = resolveConfig({ task: 'mackey-glass' });
  assert.deepEqual([c.segment, c.horizon, c.normalize, c.batch, c.epochs, c.lr, c.weightDecay], [751, 1, 'none', 1, 200, 0.005, 0.001]);
  assert.equal(resolveConfig({ task: 'mackey-glass', segment: '751', epochs: 50 }).epochs, 50, 'the fixed value given again, and a free one, are fine');
  assert.throws(() => resolveConfig({ task: 'mackey-glass', segment: 500 }), /--task mackey-glass fixes --segment \(751\): its protocol decides the data; drop --segment/);
  assert.throws(() => resolveConfig({ task: 'mackey-glass', split: '0.6,0.2,0.2' }), /fixes --split/);
  assert.throws(() => resolveConfig({ task: 'mackey-glass', normalize: 'coefficient' }), /fixes --normalize \(none\)/);
});

/** Inputs the unit was given, frame by frame, and what it answered. */
function spyOnline(): { unit: OnlineUnit; inputs: number[]; outputs: number[] } {
  const inputs: number[] = [];
  const outputs: number[] = [];
  const params = new Float32Array(1);
  const unit: OnlineUnit = {
    kind: 'online', name: 'spy', features: 1, layout: layoutParams([{ name: 'w', shape: [1] }]), params,
    reset() {},
    step(x) {
      inputs.push(x[0]);
      const y = 0.5 * x[0] + 0.25 + inputs.length * 1e-3; // never a value of the series
      outputs.push(y);
      return Float32Array.of(y);
    },
    learn() {
      throw new Error('free running must not learn');
    },
  };
  return { unit, inputs, outputs };
}

test('free running: after the warm-up an online unit reads only its own predictions, never a true frame', () => {
  const warmup = Float32Array.from({ length: 20 }, (_, i) => Math.sin(i));
  const { unit, inputs, outputs } = spyOnline();
  const predictions = freeRun(unit, unit.params, createPlainBackend(), warmup, 15, 10);
  assert.deepEqual(inputs.slice(0, 20), [...warmup]);
  assert.equal(inputs.length, 20 + 14, 'the last prediction is not fed back');
  for (let i = 1; i < 15; i++) assert.equal(inputs[19 + i], Math.fround(outputs[18 + i]), `input ${19 + i} is prediction ${i - 1}`);
  assert.deepEqual([...predictions], outputs.slice(19).map(Math.fround));
});

test('free running: a backprop unit sees the last T frames, the true warm-up then its own predictions, never a frame ahead', () => {
  const T = 8;
  const calls: Float32Array[] = [];
  const unit: SequenceModel = {
    kind: 'backprop', name: 'spy', features: 1, layout: layoutParams([{ name: 'w', shape: [1] }]),
    init() {},
    createCache: () => ({}),
    forward(out, _cache, x, _params, B, length) {
      assert.equal(B, 1);
      assert.ok(length <= T, `a sequence of ${length} frames, longer than T = ${T}`);
      calls.push(x.slice(0, length));
      for (let t = 0; t < length; t++) out[t] = x[t] + 100; // causal: output t reads x[t] only
    },
    backward() {},
  };
  const warmup = Float32Array.from({ length: 5 }, (_, i) => i);
  const predictions = freeRun(unit, new Float32Array(1), createPlainBackend(), warmup, 6, T);
  // Each call: every frame known so far (at most T), ending with the previous prediction.
  const known = [...warmup];
  calls.forEach((x, i) => {
    assert.deepEqual([...x], known.slice(-T));
    known.push(x[x.length - 1] + 100);
    assert.equal(predictions[i], known[known.length - 1]);
  });
  assert.deepEqual([...predictions], [104, 204, 304, 404, 504, 604]);
});

test('train reports the free-running sMAPE, which compare tabulates over seeds (repeats)', () => {
  const run = join(dir, 'linear');
  const r = runCli(['train', '--task', 'mackey-glass', '--model', 'linear', '--seed', '2', '--out', run]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^task mackey-glass: --segment 751, --horizon 1, --normalize none, --batch 1, --epochs 200, --lr 0\.005, --weight-decay 0\.001 .*; repeat 2 \(--seed mod 30\)/m);
  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as { free_run_smape: number; final_test_loss: number; neurobench: Record<string, unknown> };
  assert.ok(summary.free_run_smape > 0 && summary.free_run_smape < 200);
  assert.match(r.stdout, new RegExp(`Free-running test: sMAPE ${summary.free_run_smape.toFixed(2)} over 750 points`));
  assert.deepEqual(Object.keys(summary.neurobench), ['footprint', 'connection_sparsity', 'activation_sparsity', 'synaptic_operations']);
  // Persistence free-running repeats the warm-up's last true value: its sMAPE is computable by hand.
  const mg = join(dir, 'persistence');
  assert.equal(runCli(['train', '--task', 'mackey-glass', '--model', 'persistence', '--seed', '2', '--out', mg]).code, 0);
  const x = decodeNpy(readFileSync(EXAMPLE_MACKEY_GLASS)).data;
  const o = Math.trunc(2 * 37.5);
  const expected = smape(x.subarray(o + 751, o + 1501), new Float32Array(750).fill(x[o + 750]));
  const got = (JSON.parse(readFileSync(join(mg, 'summary.json'), 'utf8')) as { free_run_smape: number }).free_run_smape;
  assert.ok(Math.abs(got - expected) < 1e-9, `persistence sMAPE ${got} vs ${expected} by hand`);

  const out = join(dir, 'compare');
  const c = runCli(['compare', '--task', 'mackey-glass', '--models', 'linear', '--seeds', '3', '-o', out]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /\| unit +\| sMAPE free run \(mean ± std\) \| sMAPE 95 % CI/);
  const study = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as { summaries: { unit: string; smape: { n: number; mean: number } }[]; runs: { free_run_smape: number }[] };
  assert.equal(study.summaries.find((u) => u.unit === 'linear')!.smape.n, 3);
  assert.equal(study.runs.length, 6);
  assertCleanError(runCli(['train', '--task', 'mackey-glass', '--segment', '100']), /fixes --segment/);
});
