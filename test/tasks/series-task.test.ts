/**
 * `--task series` end to end: train, compare and report read a .csv or .npy series through the
 * same runs as audio; the series task's defaults (per-feature standardisation, next frame) apply
 * unless given and are said; bad series files and a missing input are one-line errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeNpy } from '../../src/formats/npy.js';
import { assertCleanError, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-series-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Two features, 1200 frames: a slow and a fast oscillation, so a predictor has something to learn. */
const T = 1200;
const values = Float32Array.from({ length: 2 * T }, (_, i) => (i % 2 === 0 ? Math.sin(Math.floor(i / 2) / 9) : 5 + 3 * Math.cos(Math.floor(i / 2) / 4)));
const csv = join(dir, 'waves.csv');
writeFileSync(csv, 'slow,fast\n' + Array.from({ length: T }, (_, t) => `${values[2 * t]},${values[2 * t + 1]}`).join('\n') + '\n');
const npy = join(dir, 'waves.npy');
writeFileSync(npy, encodeNpy(values, [T, 2]));

const runConfig = (run: string) => JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { config: Record<string, unknown>; data: { segments: number; features: number } };
const summary = (run: string) => JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as Record<string, unknown>;

test('train --task series learns from a .csv with its defaults said, and the .npy of the same numbers gives the same run', () => {
  const fromCsv = join(dir, 'csv-run');
  const r = runCli(['train', '--task', 'series', csv, '--model', 'linear', '--segment', '100', '--out', fromCsv]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^task series: --normalize coefficient, --horizon 1 \(the task's defaults; give the flag to change one\)$/m);
  assert.match(r.stdout, /Dataset shape: \(12, 100, 2\)/);
  const record = runConfig(fromCsv);
  assert.equal(record.config.task, 'series');
  assert.equal(record.config.normalize, 'coefficient');
  assert.equal(record.config.horizon, 1);
  assert.deepEqual([record.data.segments, record.data.features], [12, 2]);
  const persistenceBeaten = summary(fromCsv).final_val_loss as number;
  assert.ok(persistenceBeaten < 0.05, `a linear predictor of two sinusoids learns them (val ${persistenceBeaten})`);

  const fromNpy = join(dir, 'npy-run');
  assert.equal(runCli(['train', '--task', 'series', npy, '--model', 'linear', '--segment', '100', '--out', fromNpy]).code, 0);
  assert.equal(summary(fromNpy).final_val_loss, summary(fromCsv).final_val_loss);

  // What the user gives wins over the task's defaults, and the note names only what was not given.
  const given = runCli(['train', '--task', 'series', npy, '--model', 'persistence', '--segment', '100', '--horizon', '2', '--out', join(dir, 'given')]);
  assert.equal(given.code, 0, given.stderr);
  assert.match(given.stdout, /^task series: --normalize coefficient \(the task's defaults/m);
  assert.equal(runConfig(join(dir, 'given')).config.horizon, 2);
});

test('compare and report run on series files as on recordings', () => {
  // Run folders are named by file name: two inputs called waves are refused, not overwritten.
  assertCleanError(runCli(['compare', '--task', 'series', csv, npy, '--models', 'linear', '-o', join(dir, 'same-name')]), /two inputs are called waves \(waves\.csv, waves\.npy\); run folders are named by file name, so rename one/);
  const other = join(dir, 'other.npy');
  writeFileSync(other, encodeNpy(values.map((v) => -v), [T, 2]));
  const out = join(dir, 'compare');
  const r = runCli(['compare', '--task', 'series', csv, other, '--models', 'linear,rnn', '--hidden', '8', '--epochs', '2', '--segment', '100', '--seeds', '1', '--json', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const study = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as { runs: { status: string }[]; files: { segments: number }[] };
  assert.equal(study.runs.length, 6);
  assert.ok(study.runs.every((x) => x.status === 'ok'));
  assert.deepEqual(study.files.map((f) => f.segments), [12, 12]);
  const report = runCli(['report', join(out, 'runs', 'waves-rnn-s1'), '-o', join(dir, 'report.html')]);
  assert.equal(report.code, 0, report.stderr);
  assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /time in the segment \(frames\)/);
});

test('a series task without its file, or with a broken one, is a one-line error', () => {
  assertCleanError(runCli(['train', '--task', 'series']), /--task series needs its input file: a \.npy file of shape \(frames, features\)/);
  assertCleanError(runCli(['compare', '--task', 'series', '--models', 'linear']), /--task series needs input files/);
  const ragged = join(dir, 'ragged.csv');
  writeFileSync(ragged, '1,2\n3,4\n5\n6,7\n');
  assertCleanError(runCli(['train', '--task', 'series', ragged, '--segment', '2']), /ragged\.csv line 3 has 1 values?, line 1 has 2: every row needs the same number of columns/);
  assertCleanError(runCli(['train', '--task', 'mfcc']), /--task/);
  const tasks = runCli(['tasks']);
  assert.equal(tasks.code, 0);
  assert.match(tasks.stdout, /^audio \(default\)$/m);
  assert.match(tasks.stdout, /^series$/m);
});
