/**
 * Run folders through the CLI: what a run leaves, resuming bit for bit,
 * Ctrl-C, a diverging loss and a kill in the middle of a checkpoint write.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { decodeSafetensors } from '../../src/formats/safetensors.js';
import { encodeWav16 } from '../../src/formats/wav.js';
import { BIN, CLI_CWD, assertCleanError, runCli } from '../helpers/cli.js';
import { testSignal } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-runs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const RATE = 16000;
const audio = join(dir, 'tone.wav');
writeFileSync(audio, encodeWav16([testSignal(12, RATE)], RATE));
const small = ['--segment', '100', '--hidden', '8'];

/** The parameter bytes of a run's model.safetensors, by tensor name. */
function params(run: string): Record<string, number[]> {
  const { tensors } = decodeSafetensors(readFileSync(join(run, 'model.safetensors')));
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, [...t.data]]));
}

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

test('a run leaves config, metrics, summary and a checkpoint with PyTorch names and shapes', () => {
  const out = join(dir, 'a');
  const r = runCli(['train', audio, ...small, '--epochs', '3', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`Run saved in ${out}`));
  const config = json(join(out, 'config.json'));
  assert.equal(config.config.epochs, 3);
  assert.equal(config.audio.name, 'tone.wav');
  assert.equal(config.audio.sha256, createHash('sha256').update(readFileSync(audio)).digest('hex'));
  assert.equal(config.machine.node, process.version);
  const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(metrics.map((m) => m.epoch), [1, 2, 3]);
  for (const m of metrics) assert.ok(m.train_loss > 0 && m.val_loss > 0 && m.seconds > 0 && m.epochs_per_second > 0);
  const summary = json(join(out, 'summary.json'));
  assert.equal(summary.status, 'done');
  assert.equal(summary.final_val_loss, metrics[2].val_loss);
  assert.equal(summary.best_val_loss, Math.min(...metrics.map((m) => m.val_loss)));
  assert.deepEqual(summary.val_segments, config.data.val);
  assert.equal(summary.val_segments.length, 3);
  assert.ok(summary.cost.params > 0 && summary.cost.macs_per_frame > 0);
  const { tensors, metadata } = decodeSafetensors(readFileSync(join(out, 'model.safetensors')));
  assert.deepEqual(
    Object.entries(tensors).map(([k, t]) => [k, t.shape]),
    [['rnn.weight_ih_l0', [8, 12]], ['rnn.weight_hh_l0', [8, 8]], ['rnn.bias_ih_l0', [8]], ['rnn.bias_hh_l0', [8]], ['fc.weight', [12, 8]], ['fc.bias', [12]]],
  );
  assert.equal(metadata.format, 'pt');
  assert.equal(metadata.epoch, '3');
  assert.equal(JSON.parse(metadata.config).hidden, 8);
});

test('runs started at the same moment get folders of their own under runs/', async () => {
  const cwd = mkdtempSync(join(dir, 'cwd-'));
  const start = () =>
    new Promise<number | null>((resolve) =>
      spawn(process.execPath, [BIN, 'train', audio, ...small, '--epochs', '1', '--seed', '4'], { cwd, stdio: 'ignore' }).on('close', resolve),
    );
  assert.deepEqual(await Promise.all([start(), start(), start()]), [0, 0, 0]);
  const folders = readdirSync(join(cwd, 'runs'));
  assert.equal(folders.length, 3, folders.join(', '));
  for (const f of folders) assert.match(f, /^\d{8}-\d{6}-rnn-s4(-\d)?$/);
});

test('resuming in the middle ends with the same parameters, bit for bit, as an uninterrupted run', () => {
  for (const model of ['rnn', 'gru', 'eprop', 'esn-rls']) {
    const whole = join(dir, `whole-${model}`);
    const split = join(dir, `split-${model}`);
    const flags = [audio, ...small, '--model', model, '--threads', '2', ...(model === 'esn-rls' ? ['--opt', 'density=0.5'] : [])];
    assert.equal(runCli(['train', ...flags, '--epochs', '4', '--out', whole]).code, 0);
    assert.equal(runCli(['train', ...flags, '--epochs', '2', '--out', split]).code, 0);
    const resumed = runCli(['train', '--resume', split, '--epochs', '4']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /Resuming .* at epoch 2 of 4/);
    assert.deepEqual(params(split), params(whole), model);
    const lines = readFileSync(join(split, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const wholeLines = readFileSync(join(whole, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.epoch, l.val_loss]), wholeLines.map((l) => [l.epoch, l.val_loss]));
  }
});

test('Ctrl-C finishes the epoch, saves a checkpoint, says how to resume and exits 130; resuming completes the run exactly', async () => {
  const out = join(dir, 'interrupted');
  const whole = join(dir, 'uninterrupted');
  const flags = [audio, ...small, '--threads', '1', '--epochs', '400', '--save-every', '0'];
  const child = spawn(process.execPath, [BIN, 'train', ...flags, '--out', out, '--json'], { cwd: CLI_CWD });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const lines = createInterface({ input: child.stdout });
  let sent = false;
  lines.on('line', (line) => {
    if (!sent && line.includes('"epoch":3,')) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted at epoch \d+ of 400; checkpoint saved in .*; continue with: audiopred train --resume /);
  assert.equal(json(join(out, 'summary.json')).status, 'interrupted');
  const stoppedAt = Number(decodeSafetensors(readFileSync(join(out, 'training-state.safetensors'))).metadata.epoch);
  assert.ok(stoppedAt >= 3 && stoppedAt < 400, String(stoppedAt));
  // The run stops wherever the signal lands (epoch 3 or a few later on a busy machine), so the
  // total is set from there: resume for two more epochs, and train the uninterrupted run to the same total.
  const total = String(stoppedAt + 2);
  const resumed = runCli(['train', '--resume', out, '--epochs', total]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`Resuming .* at epoch ${stoppedAt} of ${total}`));
  assert.equal(runCli(['train', ...flags.slice(0, -4), '--epochs', total, '--out', whole]).code, 0);
  assert.deepEqual(params(out), params(whole));
});

test('a diverging loss stops with exit code 3, names the epoch and keeps the last good checkpoint', () => {
  // A per-frame linear map whose output turns NaN in its third epoch (9 training segments, batch 16: one step per epoch).
  const unit = join(dir, 'goes-nan.ts');
  writeFileSync(
    unit,
    `import { layoutParams, type SequenceModel, type UnitContext } from 'audiopred';
     export default function (ctx: UnitContext): SequenceModel<null> {
       const F = ctx.features;
       // Forward runs twice an epoch: one training batch, one validation batch. Calls are counted from
       // the first backward, so the causality probe's calls before training do not count.
       let calls = 0, training = false;
       return {
         kind: 'backprop', name: 'goes-nan', features: F, layout: layoutParams([{ name: 'gain', shape: [F] }]),
         init(p) { p.fill(0.5); },
         createCache: () => null,
         forward(out, _cache, x, p, B, T) {
           if (training) calls++;
           for (let i = 0; i < B * T * F; i++) out[i] = calls >= 4 ? NaN : p[i % F] * x[i];
         },
         backward(g, dout, _c, _p, B, T) { training = true; for (let i = 0; i < B * T * F; i++) g[i % F] += dout[i]; },
       };
     }`,
  );
  const out = join(dir, 'nan');
  const r = runCli(['train', audio, ...small, '--model', unit, '--threads', '1', '--epochs', '10', '--save-every', '1', '--out', out]);
  assertCleanError(r, /goes-nan\.ts: training loss NaN at epoch 3; training diverged: try a lower --lr .*; the last good checkpoint \(epoch 2\) is in /, 3);
  assert.equal(decodeSafetensors(readFileSync(join(out, 'model.safetensors'))).metadata.epoch, '2');
  const summary = json(join(out, 'summary.json'));
  assert.equal(summary.status, 'diverged');
  assert.equal(summary.epochs, 2);
});

test('a run killed while writing a checkpoint leaves the previous one whole, and resumes from it', () => {
  const out = join(dir, 'killed');
  // Writes per epoch with --save-every 1: metrics, training state, model; config.json is write 1.
  const env = { ...process.env, AUDIOPRED_TEST_KILL_AT_WRITE: String(1 + 3 * 2 + 3) }; // the model file of epoch 3
  const r = runCli(['train', audio, ...small, '--threads', '1', '--epochs', '6', '--save-every', '1', '--out', out], CLI_CWD, env);
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(readdirSync(out).some((f) => f.endsWith('.tmp')), 'the torn temporary file is left beside the checkpoint');
  const state = decodeSafetensors(readFileSync(join(out, 'training-state.safetensors')));
  assert.equal(state.metadata.epoch, '3');
  assert.equal(decodeSafetensors(readFileSync(join(out, 'model.safetensors'))).metadata.epoch, '2');
  const resumed = runCli(['train', '--resume', out]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const whole = join(dir, 'not-killed');
  assert.equal(runCli(['train', audio, ...small, '--threads', '1', '--epochs', '6', '--out', whole]).code, 0);
  assert.deepEqual(params(out), params(whole));
});

test('--resume refuses what it cannot continue', () => {
  assertCleanError(runCli(['train', '--resume', join(dir, 'nothing-here')]), /is not a run folder/);
  const out = join(dir, 'a');
  assertCleanError(runCli(['train', '--resume', out, '--lr', '0.1']), /only --epochs and --save-every may change \(drop --lr\)/);
  assertCleanError(runCli(['train', audio, '--resume', out]), /drop .*tone\.wav/);
  assertCleanError(runCli(['train', audio, ...small, '--epochs', '1', '--save-every', 'x']), /--save-every must be an integer/);
  assert.ok(existsSync(join(out, 'training-state.safetensors')));
});
