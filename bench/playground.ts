/**
 * `npm run bench:playground`: epochs per second of training in a browser tab (the playground in
 * Debian's chromium, headless, its Web Worker and training threads) against the same runs in Node
 * (trainRun, the CLI's library call), in the same script, alternating Node and tab per unit.
 * Both count from the first epoch to the last (metrics.jsonl's epochs_per_second at the end).
 * A benchmark, not a test: numbers depend on the machine and its load.
 *
 *   node dist/bench/playground.js [--epochs 100] [--units rnn,gru,lstm,transformer,esn-rls]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { strFromU8, unzipSync } from 'fflate';
import { resolveConfig } from '../src/config/settings.js';
import { markdownTable } from '../src/format.js';
import { trainRun } from '../src/runs/train-run.js';
import type { MetricsLine } from '../src/runs/record.js';
import { startPlayground, waitForStatus } from '../test/helpers/browser.js';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '100' }, units: { type: 'string', default: 'rnn,gru,lstm,transformer,esn-rls' } } });
const epochs = Number(values.epochs);
const units = values.units.split(',');
const dir = mkdtempSync(join(tmpdir(), 'audiopred-bench-playground-'));

const lastLine = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!) as MetricsLine;

async function main(): Promise<void> {
  const playground = await startPlayground();
  const rows: string[][] = [];
  try {
    for (const unit of units) {
      const node = await trainRun({ config: resolveConfig({ epochs, seed: 1, model: unit }), out: join(dir, unit), saveEvery: 0 });
      const nodeEps = lastLine(readFileSync(join(node.dir, 'metrics.jsonl'), 'utf8')).epochs_per_second;
      const page = await playground.open(`?epochs=${epochs}&seed=1&unit=${unit}`);
      await page.getByTestId('train').click();
      await waitForStatus(page, /^done$/, 30 * 60_000);
      const download = page.waitForEvent('download');
      await page.getByTestId('download').click();
      const zip = join(dir, `${unit}.zip`);
      await (await download).saveAs(zip);
      const files = unzipSync(new Uint8Array(readFileSync(zip)));
      const metrics = Object.entries(files).find(([n]) => n.endsWith('/metrics.jsonl'))![1];
      const tabEps = lastLine(strFromU8(metrics)).epochs_per_second;
      const heapMb = (await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0)) / 2 ** 20;
      await page.close();
      rows.push([unit, String(node.summary.epochs), nodeEps.toFixed(1), tabEps.toFixed(1), `${(tabEps / nodeEps).toFixed(2)}×`, node.summary.peak_rss_mb.toFixed(0), heapMb.toFixed(0)]);
      console.log(`${unit}: Node ${nodeEps.toFixed(1)} epochs/s, tab ${tabEps.toFixed(1)} epochs/s`);
    }
  } finally {
    await playground.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; bundled speech, seed 1, ${epochs} epochs, default settings (threads: one per core in both)\n`);
  console.log(markdownTable(['unit', 'epochs', 'Node epochs/s', 'tab epochs/s', 'tab / Node', 'Node peak RSS MB', 'tab JS heap MB'], rows).join('\n'));
}

await main();
