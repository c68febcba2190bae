import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNpy } from '../../src/formats/npy.js';
import { assertCleanError, runCli } from '../helpers/cli.js';
import { encodeWav16 } from '../../src/formats/wav.js';
import { modelNames } from '../../src/models/registry.js';
import { testSignal } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const RATE = 16000; // 100 MFCC frames per second at hop 160

function wavFile(name: string, seconds: number): string {
  const path = join(dir, name);
  writeFileSync(path, encodeWav16([testSignal(seconds, RATE)], RATE));
  return path;
}

/** 12 s → 1201 frames → 12 segments of 100 frames: 9 train, 3 validation. */
const audio = wavFile('tone.wav', 12);
const quick = ['--segment', '100', '--hidden', '8', '--epochs', '2'];

test('train prints the dataset shape, and the final line with six decimals', () => {
  const r = runCli(['train', audio, ...quick]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'Dataset shape: (12, 100, 12)');
  assert.match(lines.at(-3)!, /^Final Epoch 2\/2, Train Loss: \d+\.\d{6}, Val Loss: \d+\.\d{6}$/);
  assert.match(lines.at(-2)!, /^Cost: 284 parameters, memory 1.1 KiB, 256 MACs\/frame, activation sparsity 0.0%$/);
  assert.match(lines.at(-1)!, /^Run saved in runs\/\d{8}-\d{6}-rnn-s12345 \(model\.safetensors, metrics\.jsonl, summary\.json\)$/);
});

test('a non-terminal gets a plain line every 100 epochs', () => {
  const r = runCli(['train', audio, '--segment', '100', '--hidden', '4', '--epochs', '200', '--model', 'mlp']);
  assert.equal(r.code, 0, r.stderr);
  const epochLines = r.stdout.split('\n').filter((l) => l.startsWith('Epoch '));
  assert.equal(epochLines.length, 2);
  assert.match(epochLines[0], /^Epoch 100\/200, Train Loss: \d+\.\d{6}, Val Loss: \d+\.\d{6} \(\d+\.\d\d epochs\/s\)$/);
});

test('every built-in model trains from the command line and lowers or holds its loss', () => {
  for (const model of modelNames) {
    // An 8-unit reservoir at the default density 0.1 has ~6 connections: often nilpotent (no echo), a refused size.
    const options = model.startsWith('esn') ? ['--opt', 'density=0.5'] : [];
    const r = runCli(['train', audio, '--model', model, '--segment', '100', '--hidden', '8', '--epochs', '3', '--json', ...options]);
    assert.equal(r.code, 0, `${model}: ${r.stderr}`);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const epochs = lines.filter((o) => o.epoch !== undefined);
    const done = lines.at(-1);
    // Units with nothing (more) to learn stop early: baselines and closed-form fits after one pass.
    assert.equal(done.epochs, epochs.length, model);
    assert.ok(epochs.length === 3 || epochs.length === 1, `${model}: ${epochs.length} epochs`);
    for (const e of epochs) assert.ok(Number.isFinite(e.val_loss) && e.val_loss > 0, `${model}: ${JSON.stringify(e)}`);
    const last = epochs.at(-1);
    assert.ok(last.train_loss <= epochs[0].train_loss * 1.0001, `${model}: train loss ${epochs[0].train_loss} → ${last.train_loss}`);
    assert.ok(done.cost.macs_per_frame >= 0 && done.cost.params >= 0, `${model}: ${JSON.stringify(done.cost)}`);
  }
});

test('train --json prints a header, one object per epoch and a closing object', () => {
  const r = runCli(['train', audio, ...quick, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const objects = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(objects[0].dataset_shape, [12, 100, 12]);
  assert.equal(objects[0].train, 9);
  assert.equal(objects[0].val, 3);
  assert.deepEqual(objects.slice(1, 3).map((o) => o.epoch), [1, 2]);
  for (const o of objects.slice(1, 3)) assert.ok(o.train_loss > 0 && o.val_loss > 0);
  assert.equal(objects[3].done, true);
  assert.equal(objects[3].final_val_loss, objects[2].val_loss);
});

test('the same seed gives the same losses, another seed different ones', () => {
  const a = runCli(['train', audio, ...quick, '--seed', '5', '--json']).stdout;
  const b = runCli(['train', audio, ...quick, '--seed', '5', '--json']).stdout;
  const c = runCli(['train', audio, ...quick, '--seed', '6', '--json']).stdout;
  const losses = (s: string) => s.split('\n').filter((l) => l.includes('"epoch"')).map((l) => JSON.parse(l).val_loss);
  assert.deepEqual(losses(a), losses(b));
  assert.notDeepEqual(losses(a), losses(c));
});

test('the original flag spellings are accepted', () => {
  const r = runCli(['train', '--file_path', audio, '--segment_length', '100', '--hidden_size', '8', '--batch_size', '4', '--epochs', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n')[0], 'Dataset shape: (12, 100, 12)');
});

test('features writes a float32 .npy of shape (frames, 12)', () => {
  const out = join(dir, 'tone.npy');
  const r = runCli(['features', audio, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const { data, shape } = decodeNpy(new Uint8Array(readFileSync(out)));
  assert.deepEqual(shape, [1201, 12]);
  // Per-frame standardisation: every frame has mean 0 and unit variance.
  let mean = 0;
  let sq = 0;
  for (let f = 0; f < 12; f++) {
    mean += data[600 * 12 + f] / 12;
    sq += data[600 * 12 + f] ** 2 / 12;
  }
  assert.ok(Math.abs(mean) < 1e-5 && Math.abs(sq - 1) < 1e-4, `mean ${mean}, mean square ${sq}`);
  const raw = join(dir, 'tone-mfcc.npy');
  assert.equal(runCli(['features', audio, '-o', raw, '--stage', 'mfcc']).code, 0);
  const mfcc = decodeNpy(new Uint8Array(readFileSync(raw)));
  assert.ok(Math.abs(mfcc.data[600 * 12]) > 10, 'raw MFCC c0 is in dB-like units, not standardised');
});

test('a missing audio file is a one-line error with exit code 2', () => {
  assertCleanError(runCli(['train', join(dir, 'nope.flac')]), /nope\.flac/);
});

test('a directory given as audio is a one-line error', () => {
  const sub = join(dir, 'folder.wav');
  mkdirSync(sub, { recursive: true });
  assertCleanError(runCli(['train', sub]), /folder\.wav/);
});

test('random bytes with an audio extension are a one-line error', () => {
  const path = join(dir, 'noise.flac');
  writeFileSync(path, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)));
  assertCleanError(runCli(['train', path]), /noise\.flac/);
});

test('an unsupported format is a one-line error', () => {
  const path = join(dir, 'notes.txt');
  writeFileSync(path, 'these are not audio samples\n'.repeat(100));
  assertCleanError(runCli(['train', path]), /notes\.txt/);
});

test('audio too short for one segment says so and suggests a fix', () => {
  assertCleanError(runCli(['train', wavFile('short.wav', 2)]), /short\.wav.*too short.*--segment/);
});

test('too few segments for a validation split is a clean error, not a division by zero', () => {
  // 3.5 s → 351 frames → 3 segments of 100: floor(3/4) = 0 validation segments.
  assertCleanError(runCli(['train', wavFile('three.wav', 3.5), '--segment', '100']), /three\.wav.*validation/);
});

test('invalid flag values name the flag', () => {
  assertCleanError(runCli(['train', audio, '--epochs', '0']), /--epochs/);
  assertCleanError(runCli(['train', audio, '--epochs', 'ten']), /--epochs/);
  assertCleanError(runCli(['train', audio, '--lr', '-1']), /--lr/);
  assertCleanError(runCli(['train', audio, '--model', 'cnn']), /--model/);
  assertCleanError(runCli(['train', audio, '--normalize', 'max']), /--normalize/);
  assertCleanError(runCli(['train', audio, '--horizon', '100', '--segment', '100']), /--horizon/);
  assertCleanError(runCli(['train', audio, '--segment', '1']), /--segment/);
  assertCleanError(runCli(['train', audio, '--bogus']), /--bogus/);
  assertCleanError(runCli(['train', audio, '--threads', '-1']), /--threads/);
  assertCleanError(runCli(['train', audio, '--model', 'transformer', '--hidden', '10']), /--hidden 10 .*multiple of 4/);
  assertCleanError(runCli(['train', audio, '--backend', 'plain', '--threads', '2']), /--threads/);
  assertCleanError(runCli(['features', audio, '-o', join(dir, 'x.npy'), '--stage', 'raw']), /--stage/);
});

test('an output path that cannot be written is a one-line error', () => {
  assertCleanError(runCli(['features', audio, '-o', join(dir, 'no-such-dir', 'x.npy')]), /no-such-dir/);
});

test('units lists every built-in and the options each really reads', async () => {
  const r = runCli(['units']);
  assert.equal(r.code, 0, r.stderr);
  const { BUILTIN_INFO, createModel } = await import('../../src/models/registry.js');
  const { getBackend } = await import('../../src/kernels/index.js');
  const { Xoshiro128 } = await import('../../src/data/rng.js');
  for (const name of modelNames) {
    assert.match(r.stdout, new RegExp(`^${name} +(backprop|online) `, 'm'));
    const options = Object.fromEntries(Object.entries(BUILTIN_INFO[name].options ?? {}).map(([k, spec]) => [k, String(spec.default)]));
    for (const key of Object.keys(options)) assert.ok(r.stdout.includes(`--opt ${name}.${key}=`), `${name}.${key}`);
    // Every listed option is accepted (readOptions refuses unknown keys), and the kind is right.
    const context = { features: 12, hidden: 16, steps: 20, horizon: 2, lr: 1e-3, options, rng: Xoshiro128.fromSeed(1, 'unit'), backend: getBackend('plain') };
    assert.equal(createModel(name, context).kind, BUILTIN_INFO[name].kind, name);
  }
});
