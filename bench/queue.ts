/**
 * `npm run bench:queue`: runs per minute of one compare study on a BullMQ queue with 1, 2 and 4
 * workers (separate processes on this machine, one run at once each), against the same study on
 * the local executor, in the same script. It starts its own redis-server on a free port (Debian's
 * package) and stops it after. A benchmark, not a test: numbers depend on the machine and its load.
 *
 *   node dist/bench/queue.js [--workers 1,2,4] [--epochs 20]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../test/helpers/redis.js';

const BIN = fileURLToPath(new URL('../src/cli/bin.js', import.meta.url));
const { values } = parseArgs({ options: { workers: { type: 'string', default: '1,2,4' }, epochs: { type: 'string', default: '20' } } });
const workerCounts = values.workers.split(',').map(Number);
const recordings = ['bach-prelude.flac', 'rain-and-thunder.flac'].map((f) => resolve('examples', 'audio', f));
// 4 units (persistence included) × 3 seeds × 2 recordings = 24 runs.
const study = ['compare', ...recordings, '--models', 'rnn,linear,mlp', '--seeds', '3', '--epochs', values.epochs, '--hidden', '32', '--json'];
const RUNS = 24;
const dir = mkdtempSync(join(tmpdir(), 'audiopred-bench-queue-'));

function run(args: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('close', (code) => (code === 0 ? done((performance.now() - t0) / 1000) : fail(new Error(`audiopred ${args[0]} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  if (spawnSync('redis-server', ['--version']).error) {
    console.log('redis-server is not installed (apt-get install redis-server): nothing to measure');
    return;
  }
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  await sleep(500);
  const url = `redis://127.0.0.1:${port}`;
  const rows: [string, number][] = [];
  try {
    const local = await run([...study, '--jobs', String(cpus().length), '-o', join(dir, 'local')]);
    rows.push([`local executor, ${cpus().length} lanes`, local]);
    for (const n of workerCounts) {
      const workers: ChildProcess[] = Array.from({ length: n }, (_, i) =>
        spawn(process.execPath, [BIN, 'worker', '--redis', url, '--concurrency', '1', '--name', `w${i + 1}`], { stdio: 'ignore' }),
      );
      await sleep(1000); // their start-up is not the study's
      const seconds = await run([...study, '-o', join(dir, `queue-${n}`), '--redis', url]);
      rows.push([`queue, ${n} worker${n === 1 ? '' : 's'}`, seconds]);
      await Promise.all(workers.map((w) => new Promise((done) => (w.on('close', done), w.kill('SIGTERM')))));
    }
  } finally {
    redis.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  const base = rows[0][1];
  console.log(`\n${RUNS} runs (rnn, linear, mlp, persistence × 3 seeds × 2 recordings, ${values.epochs} epochs); ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}\n`);
  console.log('| executor | wall s | runs/min | vs local |');
  console.log('|---|---|---|---|');
  for (const [what, s] of rows) console.log(`| ${what} | ${s.toFixed(1)} | ${((RUNS / s) * 60).toFixed(1)} | ${(base / s).toFixed(2)}× |`);
}

await main();
