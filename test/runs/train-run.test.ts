/**
 * trainRun, the run lifecycle as a library call (no CLI): the typed result and the files it
 * leaves, the onStart/onEpoch hooks, stopping on an AbortSignal and resuming bit for bit,
 * refusing to shorten a run or to overwrite one, and snake_case keys in every record.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/settings.js';
import { UsageError } from '../../src/errors.js';
import { decodeSafetensors } from '../../src/formats/safetensors.js';
import { encodeWav16 } from '../../src/formats/wav.js';
import { trainRun, type EpochReport, type RunStart } from '../../src/runs/train-run.js';
import { testSignal } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-train-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const RATE = 16000;
const audio = join(dir, 'tone.wav');
writeFileSync(audio, encodeWav16([testSignal(12, RATE)], RATE));
/** 12 segments of 100 frames, a hidden size of 8, one thread: a few milliseconds an epoch. */
const small = { segment: 100, hidden: 8, threads: 1 };

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const metricsOf = (run: string) => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

/** The parameters of a run's model.safetensors, by tensor name. */
function params(run: string): Record<string, number[]> {
  const { tensors } = decodeSafetensors(readFileSync(join(run, 'model.safetensors')));
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, [...t.data]]));
}

test('trainRun returns a typed result and leaves config, metrics, summary and the model in the run folder', async () => {
  const out = join(dir, 'done');
  const starts: RunStart[] = [];
  const epochs: EpochReport[] = [];
  const result = await trainRun({
    audio,
    config: resolveConfig({ ...small, epochs: 3 }),
    out,
    saveEvery: 2,
    onStart: (s) => starts.push(s),
    onEpoch: (e) => epochs.push(e),
  });
  assert.equal(result.status, 'done');
  assert.equal(result.dir, out);
  assert.equal(result.config.epochs, 3);
  assert.equal(result.learntAll, false);
  assert.equal(result.checkpointEpoch, 3);
  assert.equal(result.sessionEpochs, 3);
  assert.equal(result.error, undefined);
  for (const f of ['config.json', 'metrics.jsonl', 'summary.json', 'model.safetensors']) assert.ok(existsSync(join(out, f)), `${f} is missing`);

  const metrics = metricsOf(out);
  assert.deepEqual(metrics.map((m) => m.epoch), [1, 2, 3]);
  assert.equal(result.summary.status, 'done');
  assert.equal(result.summary.epochs, 3);
  assert.equal(result.summary.final_val_loss, metrics[2].val_loss);
  assert.equal(result.summary.final_train_loss, metrics[2].train_loss);
  assert.deepEqual(json(join(out, 'summary.json')).final_val_loss, metrics[2].val_loss);
  assert.ok(result.cost && result.cost.params > 0, 'a cost report');

  assert.equal(starts.length, 1, 'onStart is called once');
  assert.equal(starts[0].dir, out);
  assert.equal(starts[0].unit.name, 'rnn');
  assert.deepEqual(starts[0].split, { train: 9, val: 3, test: 0 });
  assert.equal(starts[0].resumedAt, undefined);
  assert.deepEqual(epochs.map((e) => e.epoch), [1, 2, 3]);
  assert.deepEqual(epochs.map((e) => e.valLoss), metrics.map((m) => m.val_loss));
  assert.ok(epochs.every((e) => e.seconds > 0 && e.epochsPerSecond > 0));
});

test('an abort from onEpoch at epoch 2 stops with a checkpoint there; resuming ends bit-identical to an uninterrupted run', async () => {
  const N = 4;
  const whole = join(dir, 'whole');
  const stopped = join(dir, 'stopped');
  const config = resolveConfig({ ...small, epochs: N });
  const uninterrupted = await trainRun({ audio, config, out: whole, saveEvery: 0 });
  assert.equal(uninterrupted.status, 'done');

  const controller = new AbortController();
  const first = await trainRun({
    audio,
    config,
    out: stopped,
    saveEvery: 0,
    signal: controller.signal,
    onEpoch: (e) => {
      if (e.epoch === 2) controller.abort();
    },
  });
  assert.equal(first.status, 'interrupted');
  assert.equal(first.summary.status, 'interrupted');
  assert.equal(first.summary.epochs, 2);
  assert.equal(first.checkpointEpoch, 2);
  assert.equal(json(join(stopped, 'summary.json')).status, 'interrupted');
  assert.equal(decodeSafetensors(readFileSync(join(stopped, 'training-state.safetensors'))).metadata.epoch, '2');
  assert.equal(decodeSafetensors(readFileSync(join(stopped, 'model.safetensors'))).metadata.epoch, '2');
  assert.deepEqual(metricsOf(stopped).map((m) => m.epoch), [1, 2]);

  const resumedEpochs: number[] = [];
  let resumedAt: number | undefined;
  const resumed = await trainRun({
    resume: stopped,
    epochs: N,
    onStart: (s) => (resumedAt = s.resumedAt),
    onEpoch: (e) => resumedEpochs.push(e.epoch),
  });
  assert.equal(resumed.status, 'done');
  assert.equal(resumedAt, 2);
  assert.deepEqual(resumedEpochs, [3, 4]);
  assert.equal(resumed.sessionEpochs, 2);
  assert.deepEqual(params(stopped), params(whole));
  assert.deepEqual(metricsOf(stopped).map((m) => [m.epoch, m.train_loss, m.val_loss]), metricsOf(whole).map((m) => [m.epoch, m.train_loss, m.val_loss]));
  assert.equal(resumed.summary.final_val_loss, uninterrupted.summary.final_val_loss);
});

test('resuming with fewer epochs than were run is a UsageError naming both numbers, and leaves the run as it was', async () => {
  const out = join(dir, 'two');
  assert.equal((await trainRun({ audio, config: resolveConfig({ ...small, epochs: 2 }), out, saveEvery: 0 })).status, 'done');
  const before = readFileSync(join(out, 'metrics.jsonl'));
  await assert.rejects(trainRun({ resume: out, epochs: 1 }), (err: unknown) => {
    assert.ok(err instanceof UsageError, String(err));
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /\b2 epochs\b/);
    assert.match(err.message, /--epochs 1\b/);
    return true;
  });
  assert.deepEqual(readFileSync(join(out, 'metrics.jsonl')), before);
  assert.equal(json(join(out, 'summary.json')).status, 'done');
});

test('a run resumed at its last epoch (a queued run retried after it finished) reports the cost the run reported', async () => {
  const out = join(dir, 'ended');
  await trainRun({ audio, config: resolveConfig({ ...small, epochs: 2 }), out, saveEvery: 0 });
  const cost = json(join(out, 'summary.json')).cost;
  assert.equal(typeof cost.activation_sparsity, 'number');
  assert.equal(typeof cost.macs_per_frame, 'number');
  const again = await trainRun({ resume: out });
  assert.equal(again.sessionEpochs, 0);
  assert.deepEqual(json(join(out, 'summary.json')).cost, cost);
});

test('a new run into a folder that holds a run is refused, pointing to --resume', async () => {
  const out = join(dir, 'taken');
  await trainRun({ audio, config: resolveConfig({ ...small, epochs: 1 }), out, saveEvery: 0 });
  const before = readFileSync(join(out, 'model.safetensors'));
  await assert.rejects(trainRun({ audio, config: resolveConfig({ ...small, epochs: 2 }), out, saveEvery: 0 }), (err: unknown) => {
    assert.ok(err instanceof UsageError, String(err));
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /already holds a run/);
    assert.match(err.message, new RegExp(`--resume ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    return true;
  });
  assert.deepEqual(readFileSync(join(out, 'model.safetensors')), before);
  assert.equal(json(join(out, 'config.json')).config.epochs, 1);
});

/** Every key path under `value` that is not snake_case, skipping `config.options` (unit option names are the user's). */
function badKeys(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => badKeys(v, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  const bad: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const at = `${path}.${k}`;
    if (!/^[a-z0-9_]+$/.test(k)) bad.push(at);
    if (at === 'config.json.config.options') {
      assert.equal(typeof v, 'object'); // the values are checked, not the user's keys
      for (const x of Object.values(v as object)) assert.equal(typeof x, 'string');
      continue;
    }
    bad.push(...badKeys(v, at));
  }
  return bad;
}

test('every key in config.json, summary.json (cost included) and metrics.jsonl is snake_case, except the unit\'s own option names', async () => {
  // A user unit with a camelCase option: its name is kept as the user spelt it.
  const unit = join(dir, 'gain-unit.ts');
  writeFileSync(
    unit,
    `import { readOptions, type OnlineUnit, type UnitContext } from 'audiopred';
     export default function (ctx: UnitContext): OnlineUnit {
       const { stepGain } = readOptions('gain-unit', ctx.options, { stepGain: { default: 1, help: 'output gain' } });
       const y = new Float32Array(ctx.features);
       return {
         kind: 'online', name: 'gain-unit', features: ctx.features,
         layout: { entries: [], size: 0 }, params: new Float32Array(0),
         reset() {},
         step(x) { for (let f = 0; f < ctx.features; f++) y[f] = stepGain * x[f]; return y; },
         learn() {},
       };
     }`,
  );
  const runs = [
    { name: 'snake-rnn', config: resolveConfig({ ...small, epochs: 2, weightDecay: 0.02 }) },
    { name: 'snake-unit', config: resolveConfig({ ...small, epochs: 1, model: unit, options: { stepGain: '0.9' } }) },
  ];
  for (const { name, config } of runs) {
    const out = join(dir, name);
    const result = await trainRun({ audio, config, out, saveEvery: 0 });
    assert.equal(result.status, 'done', result.error);
    const record = json(join(out, 'config.json'));
    const summary = json(join(out, 'summary.json'));
    assert.ok(summary.cost && typeof summary.cost === 'object', 'summary.json has the cost');
    const bad = [
      ...badKeys(record, 'config.json'),
      ...badKeys(summary, 'summary.json'),
      ...metricsOf(out).flatMap((m, i) => badKeys(m, `metrics.jsonl[${i}]`)),
    ];
    assert.deepEqual(bad, [], `${name}: keys not in snake_case`);
    assert.ok('weight_decay' in record.config, 'config.json spells weight_decay');
  }
  assert.deepEqual(json(join(dir, 'snake-unit', 'config.json')).config.options, { stepGain: '0.9' });
});
