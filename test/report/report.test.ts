/**
 * `audiopred report` through the CLI, on two small runs of a generated
 * recording: the page, its self-containedness, the PNGs, and bad input.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav16 } from '../../src/formats/wav.js';
import { findFont } from '../../src/report/render.js';
import { assertCleanError, runCli } from '../helpers/cli.js';
import { testSignal } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const RATE = 16000; // hop 160 → frames of 10 ms
const audio = join(dir, 'tone.wav');
writeFileSync(audio, encodeWav16([testSignal(12, RATE)], RATE));
const small = ['--segment', '100', '--hidden', '8', '--epochs', '3'];
const rA = join(dir, 'rA');
const rB = join(dir, 'rB');
const noFont = findFont() === null ? 'no TrueType or OpenType font on this machine' : false;

before(() => {
  for (const [out, model] of [[rA, 'rnn'], [rB, 'mlp']]) {
    const r = runCli(['train', audio, ...small, '--model', model, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
  }
});

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(path: string): { width: number; height: number } {
  const b = readFileSync(path);
  assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${path} has no PNG signature`);
  assert.equal(b.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

test('report writes one page with both runs, their table and the three figures as inline SVG', () => {
  const out = join(dir, 'page', 'report.html');
  mkdirSync(join(dir, 'page'));
  const r = runCli(['report', rA, rB, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Wrote ${out}\n`);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<title>audiopred report: rA \(rnn\), rB \(mlp\)<\/title>/);
  for (const name of ['rA (rnn)', 'rB (mlp)']) assert.ok(html.split(name).length > 3, `${name} in the legends and the table`);
  // The figures: loss (linear and log), heatmap, error (linear and log).
  assert.equal(html.match(/<svg[\s>]/g)?.length, 5);
  for (const title of ['Loss per epoch', 'Target and predicted MFCC frames', 'Squared error over time']) {
    assert.match(html, new RegExp(`<svg[^]*?${title}[^]*?</svg>`), title);
  }
  assert.match(html, /predicted by rA \(rnn\)/);
  assert.match(html, /time in the segment \(frames of 10\.0 ms\)/);
  // The table has the config and the results.
  for (const row of ['seed', 'learning rate', 'hidden', 'horizon', 'normalize', 'final val loss', 'best val loss (epoch)', 'parameters', 'MACs / frame']) {
    assert.match(html, new RegExp(`<th>${row.replace(/[()]/g, '\\$&')}</th>`), row);
  }
  assert.match(html, /<tr class="differs"><th>unit<\/th><td>rnn \(backprop\)<\/td><td>mlp \(backprop\)<\/td><\/tr>/);
});

test('runs on recordings of different sample rates are drawn in seconds, each at its own frame length', () => {
  // At 8 kHz a hop of 160 samples is 20 ms: 100 frames are 2 s, where rA's 100 frames are 1 s.
  const audio8k = join(dir, 'tone-8k.wav');
  writeFileSync(audio8k, encodeWav16([testSignal(12, 8000)], 8000));
  const r8k = join(dir, 'r8k');
  const train = runCli(['train', audio8k, ...small, '--model', 'mlp', '--out', r8k]);
  assert.equal(train.code, 0, train.stderr);
  const out = join(dir, 'rates.html');
  const r = runCli(['report', rA, r8k, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const html = readFileSync(out, 'utf8');
  assert.ok(!html.includes('time in the segment (frames of'), 'no time axis in one run\'s frames');
  assert.match(html, /predicted by rA \(rnn\) \(frames of 10\.0 ms\)/);
  assert.match(html, /predicted by r8k \(mlp\) \(frames of 20\.0 ms\)/);
  // Both segment figures (the heatmaps, and the error on each scale) run to the 8 kHz segment's end at 2 s.
  const axes = html.match(/X-axis titled 'time in the segment \(s; each run at its own frame length\)' for a linear scale with values from [\d.]+ to [\d.]+/g) ?? [];
  assert.equal(axes.length, 3, axes.join('\n'));
  for (const axis of axes) assert.match(axis, / to 2\.0$/);
  // The caption places each segment in its recording by that recording's rate: 1 s long at 16 kHz, 2 s at 8 kHz.
  for (const [run, file, seconds] of [['rA \\(rnn\\)', 'tone\\.wav', 1], ['r8k \\(mlp\\)', 'tone-8k\\.wav', 2]] as const) {
    const m = html.match(new RegExp(`${run}: validation segment \\d+ of ${file} \\(([\\d.]+)–([\\d.]+) s\\)`));
    assert.ok(m, `${run}'s segment in the caption`);
    assert.equal(Number(m[2]) - Number(m[1]), seconds);
  }
});

test('the page is self-contained: no scripts, no stylesheets or images from elsewhere, no clashing ids', () => {
  const out = join(dir, 'self.html');
  assert.equal(runCli(['report', rA, rB, '-o', out]).code, 0);
  const html = readFileSync(out, 'utf8');
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<link/i);
  assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
  assert.doesNotMatch(html, /url\(\s*["']?(https?:)?\/\//i);
  // The heatmap cells are images inside the SVG, as data URLs.
  assert.match(html, /<image[^>]*href="data:image\/png;base64,/);
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(ids.length > 0);
  assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.filter((id, i) => ids.indexOf(id) !== i).join(', ')}`);
});

test('--png writes each figure as a PNG beside the page', { skip: noFont }, () => {
  const out = join(dir, 'png', 'runs.html');
  mkdirSync(join(dir, 'png'));
  const r = runCli(['report', rA, rB, '-o', out, '--png', '--log']);
  assert.equal(r.code, 0, r.stderr);
  const pngs = ['loss', 'heatmap', 'error'].map((n) => join(dir, 'png', `runs-${n}.png`));
  assert.equal(r.stdout, `Wrote ${out} and ${pngs.join(', ')}\n`);
  for (const png of pngs) {
    const { width, height } = pngSize(png);
    // Twice the SVG's size: ~700 px of plot plus axes and legend, wide enough to read.
    assert.ok(width >= 1400 && width <= 2400, `${png}: ${width} px wide`);
    assert.ok(height >= 400 && height <= 2400, `${png}: ${height} px high`);
  }
  assert.match(readFileSync(out, 'utf8'), /id="loss-scale-log" checked/);
});

test('a run folder without a saved unit is reported without its prediction', () => {
  const partial = join(dir, 'partial');
  cpSync(rB, partial, { recursive: true });
  rmSync(join(partial, 'model.safetensors'));
  const out = join(dir, 'partial.html');
  const r = runCli(['report', rA, partial, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /partial \(mlp\): no saved unit \(model\.safetensors\) yet/);
  assert.match(html, /predicted by rA \(rnn\)/);
  assert.doesNotMatch(html, /predicted by partial/);
});

test('a folder that is not a run is a one-line error', () => {
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  assertCleanError(runCli(['report', rA, empty, '-o', join(dir, 'never', 'x.html')]), /empty is not a run folder \(no readable config\.json\)/);
  assert.ok(!existsSync(join(dir, 'never')), 'no output folder for a refused report');
  assertCleanError(runCli(['report']), /missing required argument 'runs'/);
  assertCleanError(runCli(['report', rA, '--val-segment', '-1']), /--val-segment must be an integer ≥ 0/);
  assertCleanError(runCli(['report', rA, '--val-segment', '3', '-o', join(dir, 'x.html')]), /--val-segment 3: .*rA has 3 validation segments \(0…2\)/);
});

test('report -o into a missing folder makes the folder, as compare -o does', () => {
  const out = join(dir, 'new', 'nested', 'folder', 'r.html');
  const r = runCli(['report', rA, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Wrote ${out}\n`);
  assert.match(readFileSync(out, 'utf8'), /^<!doctype html>/);
});

test('an output path that cannot be written is a one-line error', () => {
  writeFileSync(join(dir, 'a-file'), '');
  assertCleanError(runCli(['report', rA, '-o', join(dir, 'a-file', 'sub', 'r.html')]), /cannot create .*a-file.*: a file is in the way/);
  mkdirSync(join(dir, 'taken.html'));
  assertCleanError(runCli(['report', rA, '-o', join(dir, 'taken.html')]), /cannot write .*taken\.html: it is a directory/);
});

test('--png with no font to draw text is a one-line error saying what to install', () => {
  const none = join(dir, 'no-fonts');
  mkdirSync(none);
  const r = runCli(['report', rA, '-o', join(dir, 'nofont.html'), '--png'], undefined, { ...process.env, AUDIOPRED_FONT_DIRS: none });
  assertCleanError(r, /--png needs a TrueType or OpenType font .*fonts-dejavu-core/);
  assert.ok(!existsSync(join(dir, 'nofont.html')));
});
