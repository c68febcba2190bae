import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeWav16 } from '../../src/formats/wav.js';
import { assertCleanError, runCli } from '../helpers/cli.js';
import { testSignal } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-compare-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const RATE = 16000;
const audio = join(dir, 'tone.wav');
writeFileSync(audio, encodeWav16([testSignal(12, RATE)], RATE));
const EXAMPLE_UNIT = fileURLToPath(new URL('../../../examples/units/delta-rule.ts', import.meta.url));
const small = ['--segment', '100', '--hidden', '8', '--epochs', '2'];

test('compare runs every unit × seed, prints a table per recording and writes JSON and CSV', () => {
  const out = join(dir, 'cmp');
  const r = runCli(['compare', audio, '--models', `rnn,${EXAMPLE_UNIT}`, '--seeds', '2', ...small, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /tone\.wav: 12 segments of 100 frames, horizon 2, 2 epochs, seeds 1, 2/);
  for (const unit of ['persistence', 'rnn', 'delta-rule']) assert.match(r.stdout, new RegExp(`\\| ${unit.replace('.', '\\.')} +\\| \\d\\.\\d{4} ± \\d\\.\\d{4}`));
  assert.match(r.stdout, /\| persistence +\|.*\| reference +\|/);
  const record = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
  assert.deepEqual(record.seeds, [1, 2]);
  assert.deepEqual(record.models, ['persistence', 'rnn', EXAMPLE_UNIT]); // persistence joins as the reference
  assert.equal(record.runs.length, 6);
  assert.ok(record.runs.every((run: { status: string }) => run.status === 'ok'));
  const csv = readFileSync(join(out, 'compare.csv'), 'utf8').trim().split('\n');
  assert.match(csv[0], /^audio,unit,runs,ok,diverged,failed,epochs,final_val_mean,final_val_std,final_val_ci_low/);
  assert.equal(csv.length, 4);
  assert.ok(existsSync(join(out, 'runs.csv')) && existsSync(join(out, 'table.md')) && existsSync(join(out, 'compare.html')));

  // Reproducible from the seed list: a run equals `train` with the same seed (and threads).
  const rnn1 = record.runs.find((run: { unit: string; seed: number }) => run.unit === 'rnn' && run.seed === 1);
  const train = runCli(['train', audio, '--model', 'rnn', '--seed', '1', '--threads', String(record.threads_per_run), ...small, '--json']);
  assert.equal(JSON.parse(train.stdout.trim().split('\n').at(-1)!).final_val_loss, rnn1.final_val);
});

test('compare refuses bad lists and broken units before running anything', () => {
  const base = ['compare', audio, ...small, '-o', join(dir, 'never')];
  assertCleanError(runCli([...base, '--seeds', '0']), /--seeds must be at least 1/);
  assertCleanError(runCli([...base, '--seeds', '1,x']), /--seeds takes a count/);
  assertCleanError(runCli([...base, '--models', 'rnn,rnn']), /--models lists a unit twice/);
  assertCleanError(runCli([...base, '--models', 'rnn,cnn']), /--model must be one of/);
  assertCleanError(runCli([...base, '--models', 'rnn,gru', '--opt', 'leak=1']), /say which one/);
  assertCleanError(runCli([...base, '--models', 'rnn', '--opt', 'rnn.leak=1']), /unit rnn takes no options/);
  const broken = join(dir, 'broken.ts');
  writeFileSync(broken, 'export default () => ({ kind: "online" });');
  assertCleanError(runCli([...base, '--models', `rnn,${broken}`]), /broken\.ts: name must be/);
  assertCleanError(runCli(['compare', join(dir, 'missing.flac'), ...small]), /missing\.flac/);
  assert.equal(existsSync(join(dir, 'never')), false, 'no output folder for a refused comparison');
});
