/**
 * The playground in Debian's chromium (test/helpers/browser.ts): the page trains with the same
 * numbers as the CLI, its run folder is the CLI's, a file chosen in the page gives the CLI's
 * features, a broken unit's error is shown beside the code, a unit that never returns does not
 * freeze the tab, compare and view work, and a server without the isolation headers still works
 * (isolated by the page's service worker, or on one thread where that is blocked).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { unzipSync, strFromU8 } from 'fflate';
import { resolveConfig } from '../../src/config/settings.js';
import { decodeSafetensors } from '../../src/formats/safetensors.js';
import { trainRun } from '../../src/runs/train-run.js';
import type { MetricsLine } from '../../src/runs/record.js';
import { encodeWav16 } from '../../src/formats/wav.js';
import { startPlayground, waitForStatus, type Playground } from '../helpers/browser.js';
import { shiftUnit } from '../helpers/units.js';
import { testSignal } from '../helpers/wav.js';

let playground: Playground;
const dir = mkdtempSync(join(tmpdir(), 'audiopred-playground-'));

before(async () => {
  playground = await startPlayground();
});

after(async () => {
  await playground?.close();
  rmSync(dir, { recursive: true, force: true });
});

const metricsOf = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as MetricsLine);

test('the page trains the bundled speech 20 epochs, seed 1, to the losses the CLI gets (within 1e-5), and downloads the CLI\'s run folder', async () => {
  const cli = await trainRun({ config: resolveConfig({ epochs: 20, seed: 1 }), out: join(dir, 'cli'), saveEvery: 0 });
  const cliMetrics = metricsOf(readFileSync(join(cli.dir, 'metrics.jsonl'), 'utf8'));

  const page = await playground.open('?epochs=20&seed=1'); // the settings from the URL
  assert.equal(await page.getByTestId('epochs').inputValue(), '20');
  assert.equal(await page.getByTestId('recording').inputValue(), 'examples/audio/second-inaugural.flac');
  await page.getByTestId('train').click();
  await waitForStatus(page, /^done$/);
  assert.equal(await page.getByTestId('epoch').textContent(), '20');
  assert.equal(Number(await page.getByTestId('val-loss').textContent()), Number(cliMetrics[19].val_loss.toFixed(6)));

  const download = page.waitForEvent('download');
  await page.getByTestId('download').click();
  const zipPath = join(dir, 'run.zip');
  await (await download).saveAs(zipPath);
  const files = unzipSync(new Uint8Array(readFileSync(zipPath)));
  const names = Object.keys(files).map((n) => n.split('/').pop()).sort();
  assert.deepEqual(names, ['config.json', 'metrics.jsonl', 'model.safetensors', 'summary.json', 'training-state.safetensors']);
  const file = (name: string) => Object.entries(files).find(([n]) => n.endsWith(`/${name}`))![1];

  const pageMetrics = metricsOf(strFromU8(file('metrics.jsonl')));
  assert.equal(pageMetrics.length, 20);
  for (const [i, m] of pageMetrics.entries()) {
    assert.equal(m.epoch, cliMetrics[i].epoch);
    assert.ok(Math.abs(m.train_loss - cliMetrics[i].train_loss) <= 1e-5, `epoch ${m.epoch} train: page ${m.train_loss}, CLI ${cliMetrics[i].train_loss}`);
    assert.ok(Math.abs(m.val_loss - cliMetrics[i].val_loss) <= 1e-5, `epoch ${m.epoch} val: page ${m.val_loss}, CLI ${cliMetrics[i].val_loss}`);
  }
  // The same model file: tensor names, shapes and values (within 1e-5), and metadata the Python snippet reads.
  const pageModel = decodeSafetensors(file('model.safetensors'));
  const cliModel = decodeSafetensors(new Uint8Array(readFileSync(join(cli.dir, 'model.safetensors'))));
  assert.deepEqual(Object.keys(pageModel.tensors), Object.keys(cliModel.tensors));
  for (const [name, t] of Object.entries(cliModel.tensors)) {
    assert.deepEqual(pageModel.tensors[name].shape, t.shape);
    for (let i = 0; i < t.data.length; i++) assert.ok(Math.abs(pageModel.tensors[name].data[i] - t.data[i]) <= 1e-5, `${name}[${i}]`);
  }
  assert.equal(pageModel.metadata.format, 'pt');
  assert.equal(pageModel.metadata.epoch, '20');
  const summary = JSON.parse(strFromU8(file('summary.json'))) as { status: string; epochs: number; final_val_loss: number };
  assert.equal(summary.status, 'done');
  assert.equal(summary.epochs, 20);
  const config = JSON.parse(strFromU8(file('config.json'))) as { config: Record<string, unknown>; command: string[] };
  assert.deepEqual(config.config, JSON.parse(readFileSync(join(cli.dir, 'config.json'), 'utf8')).config);
  assert.deepEqual(config.command.slice(2), ['--epochs', '20', '--seed', '1']);
  assert.deepEqual(page.errors, []);
  await page.close();
});

const BROKEN = `import { layoutParams, type OnlineUnit, type UnitContext } from 'audiopred';

export default function (context: UnitContext): OnlineUnit {
  const F = context.features
  const layout = layoutParams([{ name: 'w', shape: [F] }]);
  return {
    kind: 'online', name: 'broken', features: F, layout, params: new Float32Array(layout.size),
    reset() {},
    step(x) { return x.map((v) => v * ) },
    learn() {},
  };
}
`;

/** An online unit that throws on its 100th step, from line 9. */
const THROWING = `import { layoutParams, type OnlineUnit, type UnitContext } from 'audiopred';

export default function (context: UnitContext): OnlineUnit {
  const F = context.features;
  const layout = layoutParams([{ name: 'w', shape: [F] }]);
  let steps = 0;
  return {
    kind: 'online', name: 'throws', features: F, layout, params: new Float32Array(layout.size),
    reset() {}, step(x) { if (++steps === 100) throw new Error('no more frames'); return x; },
    learn() {},
  };
}
`;

async function writeUnit(page: Awaited<ReturnType<Playground['open']>>, code: string, name = 'my-unit.ts'): Promise<void> {
  await page.getByTestId('unit').selectOption('editor');
  await page.getByTestId('unit-name').fill(name);
  await page.getByTestId('editor').fill(code);
}

test('a unit pasted into the editor with a syntax error, a peek into the future or a throw shows its one-line error beside the code', async () => {
  const page = await playground.open('?epochs=2');
  await writeUnit(page, BROKEN);
  await page.getByTestId('train').click();
  await waitForStatus(page, /^error$/);
  const error = page.getByTestId('unit-error');
  assert.match((await error.textContent()) ?? '', /^unit my-unit\.ts does not compile: my-unit\.ts:9:/);
  assert.equal(await error.isVisible(), true);

  await writeUnit(page, shiftUnit(2), 'peek.ts'); // reads x[t + 2]: the future
  await page.getByTestId('check').click();
  await waitForStatus(page, /^error$/);
  assert.match((await error.textContent()) ?? '', /^unit peek\.ts reads the future: its output at step 0 changed when only inputs after step 1 changed/);

  await writeUnit(page, THROWING, 'throws.ts');
  await page.getByTestId('train').click();
  await waitForStatus(page, /^diverged$/);
  assert.match((await error.textContent()) ?? '', /^unit throws\.ts threw in step\(\) .*: no more frames \(throws\.ts:9:\d+\)/);
  // The settings, unit included, are in the URL: a reload gives the same page.
  await page.reload();
  await waitForStatus(page, /^ready$/);
  assert.equal(await page.getByTestId('unit').inputValue(), 'editor');
  assert.equal(await page.getByTestId('editor').inputValue(), THROWING);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('stop ends a run after its epoch, and ends the worker of a unit that never returns; the tab stays responsive', async () => {
  const page = await playground.open('?epochs=1000');
  await page.getByTestId('train').click();
  await page.getByTestId('epoch').filter({ hasText: /^[3-9]$|^\d\d+$/ }).waitFor();
  await page.getByTestId('stop').click();
  await waitForStatus(page, /^interrupted$/);
  assert.equal(await page.getByTestId('download').isEnabled(), true);

  await writeUnit(page, THROWING.replace("if (++steps === 100) throw new Error('no more frames');", 'if (++steps === 100) for (;;) {}'), 'loops.ts');
  await page.getByTestId('train').click();
  await waitForStatus(page, /^training$/);
  // Stop only once the run has started (the worker then is in its first epoch): a stop that
  // arrives while the run is still loading ends it before epoch 1, and the worker is never stuck.
  await page.getByTestId('run').filter({ hasText: /^loops/ }).waitFor();
  await page.getByTestId('stop').click();
  await waitForStatus(page, /^interrupted$/, 15_000);
  assert.match((await page.getByTestId('unit-error').textContent()) ?? '', /did not return, so its worker was ended/);
  await page.getByTestId('unit').selectOption('persistence');
  await page.getByTestId('epochs').fill('1');
  await page.getByTestId('train').click(); // a new worker trains
  await waitForStatus(page, /^done$/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('compare trains units over seeds and shows compare\'s table; a run folder and a compare.json load into the page', async () => {
  const page = await playground.open('?epochs=2&compare-units=persistence,linear&compare-seeds=1,2');
  await page.getByTestId('compare').click();
  await waitForStatus(page, /^done$/);
  const table = (await page.getByTestId('table').textContent()) ?? '';
  assert.match(table, /^second-inaugural\.flac: seeds 1, 2/);
  assert.match(table, /\| persistence +\|/);
  assert.match(table, /\| linear +\| 0\.\d+ ± 0\.\d+ +\|.*\| \+\d+\.\d ± /);

  const run = join(dir, 'cli');
  await page.getByTestId('view').setInputFiles(['metrics.jsonl', 'summary.json', 'config.json'].map((f) => join(run, f)));
  await waitForStatus(page, /^viewing$/);
  assert.equal(await page.getByTestId('epoch').textContent(), '20');

  writeFileSync(join(dir, 'compare.json'), readFileSync(new URL('../../../docs/compare/compare.json', import.meta.url)));
  await page.getByTestId('view').setInputFiles(join(dir, 'compare.json'));
  await page.getByTestId('table').filter({ hasText: /bach-prelude\.flac/ }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a file chosen in the page is decoded and turned into MFCCs as the CLI does: persistence scores it the same', async () => {
  const rate = 16000;
  const wav = join(dir, 'tone.wav');
  writeFileSync(wav, encodeWav16([testSignal(12, rate)], rate));
  const cli = await trainRun({ audio: wav, config: resolveConfig({ model: 'persistence', epochs: 1, segment: 100 }), out: join(dir, 'cli-tone'), saveEvery: 0 });

  const page = await playground.open('?unit=persistence&epochs=1&segment=100');
  await page.getByTestId('file').setInputFiles(wav);
  await page.locator('[data-testid="recording"] option', { hasText: 'your file: tone.wav' }).waitFor({ state: 'attached' }); // the page reads the file first
  assert.equal(await page.getByTestId('recording').inputValue(), 'file');
  await page.getByTestId('train').click();
  await waitForStatus(page, /^done$/);
  assert.match((await page.getByTestId('run').textContent()) ?? '', new RegExp(`on ${cli.summary.val_segments.length + cli.summary.train_segments.length} segments of 100 frames`));
  assert.equal(Number(await page.getByTestId('val-loss').textContent()), Number(cli.summary.final_val_loss!.toFixed(6)));
  assert.deepEqual(page.errors, []);
  await page.close();
});

/** dist/playground served by a plain static server that sends no isolation headers (GitHub Pages, `python3 -m http.server`). */
async function plainServer(): Promise<{ url: string; close: () => void }> {
  const root = fileURLToPath(new URL('../../playground/', import.meta.url));
  const server = createServer((req, res) => {
    const path = join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/\/$/, '/index.html'));
    if (!path.startsWith(root) || !existsSync(path)) return void res.writeHead(404).end();
    const type = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' }[extname(path)] ?? 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type }).end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

test('served without the isolation headers, the page isolates itself with its service worker and trains on every core', async () => {
  const server = await plainServer();
  const context = await playground.browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${server.url}?unit=rnn&epochs=2`);
    await page.waitForFunction(() => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true, undefined, { timeout: 30_000 }); // after the service worker's one reload
    await waitForStatus(page, /^ready$/);
    assert.match((await page.getByTestId('notice').textContent()) ?? '', /^wasm-\S+ kernels, \d+ threads$/);
    await page.getByTestId('train').click();
    await waitForStatus(page, /^done$/);
    assert.match((await page.getByTestId('run').textContent()) ?? '', /wasm-\S+ kernels on \d+ threads?\b/);
  } finally {
    await context.close();
    server.close();
  }
});

test('where neither headers nor service workers isolate it, the page says so and still trains, on one thread', async () => {
  const server = await plainServer();
  const context = await playground.browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  try {
    await page.goto(`${server.url}?unit=linear&epochs=1`);
    await waitForStatus(page, /^ready$/);
    assert.match((await page.getByTestId('notice').textContent()) ?? '', /not cross-origin isolated.*one thread/);
    await page.getByTestId('train').click();
    await waitForStatus(page, /^done$/);
    assert.match((await page.getByTestId('run').textContent()) ?? '', /on 1 thread\b/);
  } finally {
    await context.close();
    server.close();
  }
});
