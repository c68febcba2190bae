/**
 * The comparison's report from a compare.json record: the figures' data
 * (means over seeds, flat lines for one-pass units), the page and the PNGs.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize, type Summary } from '../../src/compare/stats.js';
import { compareData, renderCompareReport, type CompareRecord } from '../../src/report/compare.js';
import { findFont } from '../../src/report/render.js';
import { assertCleanError, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-compare-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const curve = (vals: number[]) => vals.map((val, i) => ({ epoch: i + 1, train: val * 1.1, val }));

/** Two recordings; persistence (one pass), rnn (3 epochs, 2 seeds or 1), and gru that failed on one recording. */
function record(seedCount = 2): CompareRecord {
  const seeds = [1, 2].slice(0, seedCount);
  const runs: CompareRecord['runs'][number][] = [];
  const summaries: CompareRecord['summaries'][number][] = [];
  for (const audio of ['speech.flac', 'music.flac']) {
    const scale = audio === 'speech.flac' ? 1 : 0.5;
    const units: [string, number[][]][] = [
      ['persistence', [[0.2 * scale], [0.22 * scale]]],
      ['rnn', [[0.9 * scale, 0.5 * scale, 0.15 * scale], [0.8 * scale, 0.4 * scale, 0.13 * scale]]],
      ['gru', audio === 'music.flac' ? [] : [[0.7, 0.3, 0.1], [0.75, 0.35, 0.12]]],
    ];
    for (const [unit, all] of units) {
      const curves = all.slice(0, seedCount);
      curves.forEach((c, i) => runs.push({ audio, unit, seed: i + 1, status: 'ok', curve: curve(c) }));
      if (!curves.length) runs.push({ audio, unit, seed: 1, status: 'failed', curve: [] });
      const finals = curves.map((c) => c.at(-1)!);
      summaries.push({
        audio,
        unit,
        seeds,
        ok: curves.length,
        diverged: 0,
        failed: seedCount - curves.length,
        interrupted: 0,
        epochs: curves[0]?.length ?? null,
        final_val: finals.length ? summarize(finals) : null,
        best_val: finals.length ? summarize(finals) : null,
        final_train: finals.length ? summarize(finals) : null,
        improvement: null,
        seconds: summarize(seeds),
        cost: unit === 'persistence' ? { params: 0, trainable: 0, memoryBytes: 0, macsPerFrame: 0 } : { params: 19724, trainable: 19724, memoryBytes: 79408, macsPerFrame: 19456 },
      });
    }
  }
  return { audiopred: '0.1.0', created: '2026-01-01T00:00:00.000Z', seeds, config: { epochs: 3, segment: 100, horizon: 2 }, summaries, runs };
}

test('the curves are means over seeds, and one-pass units are flat lines across all epochs', () => {
  const data = compareData(record());
  assert.deepEqual(data.units, ['persistence', 'rnn', 'gru']);
  assert.deepEqual(data.recordings, ['speech.flac', 'music.flac']);
  const rnn = data.curves.filter((c) => c.unit === 'rnn' && c.recording === 'speech.flac');
  assert.deepEqual(rnn.map((c) => c.epoch), [1, 2, 3]);
  assert.ok(Math.abs(rnn[2].loss - 0.14) < 1e-12, `${rnn[2].loss}`);
  const persistence = data.curves.filter((c) => c.unit === 'persistence' && c.recording === 'music.flac');
  assert.deepEqual(persistence.map((c) => [c.epoch, c.kind]), [[1, 'one pass'], [3, 'one pass']]);
  assert.ok(Math.abs(persistence[0].loss - 0.105) < 1e-12);
  assert.deepEqual(data.missing, ['gru on music.flac']);
  const final = data.finals.find((f) => f.unit === 'rnn' && f.recording === 'music.flac')!;
  assert.ok(final.low !== null && final.high !== null && final.low < final.mean && final.mean < final.high);
});

test('renderCompareReport writes compare.html with both figures and the numbers, and PNGs when asked', { skip: findFont() === null ? 'no font' : false }, async () => {
  const out = join(dir, 'cmp');
  mkdirSync(out);
  const files = await renderCompareReport(record(), { dir: out, png: true });
  assert.equal(files.html, join(out, 'compare.html'));
  assert.deepEqual(files.pngs, [join(out, 'compare-final.png'), join(out, 'compare-curves.png')]);
  const html = readFileSync(files.html, 'utf8');
  assert.equal(html.match(/<svg[\s>]/g)?.length, 4); // each figure on a linear and a log scale
  assert.match(html, /Final validation loss per unit/);
  assert.match(html, /Validation loss per epoch/);
  assert.match(html, /No finished run: gru on music\.flac/);
  assert.match(html, /<th>rnn<\/th><td class="num">0\.1400 ± /);
  assert.doesNotMatch(html, /<script|<link/i);
  for (const png of files.pngs) {
    const b = readFileSync(png);
    assert.equal(b.subarray(1, 4).toString('latin1'), 'PNG');
    assert.ok(b.readUInt32BE(16) >= 1400, `${png} is ${b.readUInt32BE(16)} px wide`);
  }
});

/** The CI bars of the final-loss figure: the lines in its rule mark (not the axes' grid or ticks). */
const ciBars = (svg: string) => (svg.match(/<g class="mark-rule role-mark[^>]*>([^]*?)<\/g>/)?.[1].match(/<line/g) ?? []).length;

test('with one seed there is no interval: no CI bar in the figure, "—" in the table', async () => {
  const data = compareData(record(1));
  assert.ok(data.finals.length > 0 && data.finals.every((f) => f.low === null && f.high === null && f.seeds === 1));
  const out = join(dir, 'one-seed');
  mkdirSync(out);
  const html = readFileSync((await renderCompareReport(record(1), { dir: out, png: false })).html, 'utf8');
  assert.match(html, /<th>rnn<\/th><td class="num">0\.1500 ± —<\/td><td>—<\/td>/);
  assert.doesNotMatch(html, /± 0\.0000/);
  const svgs = html.match(/<svg[^]*?<\/svg>/g)!;
  assert.equal(ciBars(svgs[0]), 0);
  // With two seeds, every finished unit on every recording has its bar: persistence and rnn on both, gru on one.
  const two = join(dir, 'two-seeds');
  mkdirSync(two);
  const html2 = readFileSync((await renderCompareReport(record(2), { dir: two, png: false })).html, 'utf8');
  assert.equal(ciBars(html2.match(/<svg[^]*?<\/svg>/)![0]), 5);
  assert.match(html2, /<th>rnn<\/th><td class="num">0\.1400 ± 0\.0141<\/td><td class="num">0\.\d{4} … 0\.\d{4}<\/td>/);
});

test('audiopred report on a comparison folder writes the comparison report', () => {
  const folder = join(dir, 'folder');
  mkdirSync(folder);
  writeFileSync(join(folder, 'compare.json'), JSON.stringify(record()));
  const out = join(dir, 'from-cli.html');
  const r = runCli(['report', folder, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(out, 'utf8'), /<title>audiopred compare: persistence, rnn, gru<\/title>/);
  assertCleanError(runCli(['report', folder, folder]), /is a comparison \(compare\.json\); report on it alone/);
});

test('a compare.json from before the snake_case keys (finalVal, ciLow, std 0 for one seed) still reports', () => {
  const folder = join(dir, 'old');
  mkdirSync(folder);
  const old = (v: Summary | null) => v && { n: v.n, mean: v.mean, std: v.std ?? 0, ciLow: v.ci95?.[0] ?? v.mean, ciHigh: v.ci95?.[1] ?? v.mean };
  const r = record(1);
  const summaries = r.summaries.map(({ final_val, best_val, final_train, interrupted, ...u }) => ({
    ...u, epochs: u.epochs ?? 0, finalVal: old(final_val), bestVal: old(best_val), finalTrain: old(final_train), seconds: old(u.seconds),
  }));
  writeFileSync(join(folder, 'compare.json'), JSON.stringify({ ...r, summaries }));
  const out = join(dir, 'old.html');
  const cli = runCli(['report', folder, '-o', out]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(readFileSync(out, 'utf8'), /<th>rnn<\/th><td class="num">0\.1500 ± —<\/td><td>—<\/td>/);
});
