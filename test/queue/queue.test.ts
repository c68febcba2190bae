/**
 * compare and tune on a BullMQ queue in a real redis-server, with workers in separate
 * processes: the results equal the local executor's, a worker killed mid-run loses only that
 * run (which continues from its last checkpoint in Redis on another worker), a coordinator
 * killed mid-study is finished by `--resume DIR --redis URL`, and a worker whose recording is not
 * the study's refuses its runs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { encodeWav16 } from '../../src/formats/wav.js';
import { checkpointKey, studyQueueName } from '../../src/queue/redis.js';
import type { TuneRecord } from '../../src/tune/record.js';
import { assertCleanError, BIN, CLI_CWD, runCli } from '../helpers/cli.js';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.js';
import { testSignal } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-queue-'));
const RATE = 16000;
const recordings = [9, 11, 13].map((seconds, i) => {
  const path = join(dir, `tone${i}.wav`);
  writeFileSync(path, encodeWav16([testSignal(seconds, RATE).map((x, t) => x * (1 - 0.1 * i) + 0.01 * i * Math.sin(t / (7 + i)))], RATE));
  return path;
});

let redis: TestRedis;
const children = new Set<ChildProcess>();
before(async () => {
  redis = await startRedis();
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `audiopred ARGS` in the background, its stdout and stderr collected. */
function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: CLI_CWD, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (text += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (text += s));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => (children.delete(child), resolve(code))));
  return { child, output: () => text, exited };
}

const startWorker = (name: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  startCli(['worker', '--redis', redis.url, '--concurrency', '1', '--name', name, ...extra], { AUDIOPRED_QUEUE_LOCK_MS: '1000', ...env });

async function stopWorker(w: Started): Promise<void> {
  w.child.kill('SIGTERM');
  await w.exited;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const t0 = performance.now();
  while (!(await ok())) {
    if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const compareJson = (out: string) => JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as { status: string; runs: Record<string, unknown>[]; summaries: unknown[] };
/** A run as compare.json records it, less what depends on the machine and the clock. */
const timelessRun = (r: Record<string, unknown>) => ({ ...r, seconds: null });
const files = (folder: string) => readdirSync(folder).filter((f) => !f.endsWith('.tmp')).sort();

/** The run folders of two studies hold the same bytes (metrics, checkpoints, models), less times. */
function assertSameRunFolders(a: string, b: string): void {
  const runs = readdirSync(join(a, 'runs')).sort();
  assert.deepEqual(readdirSync(join(b, 'runs')).sort(), runs);
  for (const run of runs) {
    const [x, y] = [join(a, 'runs', run), join(b, 'runs', run)];
    assert.deepEqual(files(y), files(x), run);
    for (const f of ['model.safetensors', 'training-state.safetensors']) {
      if (existsSync(join(x, f))) assert.ok(readFileSync(join(x, f)).equals(readFileSync(join(y, f))), `${run}/${f} differs`);
    }
    const losses = (p: string) => readFileSync(join(p, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => {
      const m = JSON.parse(l) as Record<string, unknown>;
      return [m.epoch, m.train_loss, m.val_loss];
    });
    assert.deepEqual(losses(y), losses(x), `${run} metrics`);
  }
}

// 4 units × 2 seeds × 3 recordings = 24 runs.
const compareArgs = ['compare', ...recordings, '--models', 'rnn,linear,mlp', '--seeds', '2', '--epochs', '3', '--segment', '100', '--hidden', '8'];

test('three workers in separate processes finish a 24-run study; the results equal the local executor’s', async () => {
  const local = join(dir, 'local');
  const l = runCli([...compareArgs, '-o', local]);
  assert.equal(l.code, 0, l.stderr);

  const queued = join(dir, 'queued');
  const workers = ['w1', 'w2', 'w3'].map((n) => startWorker(n));
  const coordinator = startCli([...compareArgs, '-o', queued, '--redis', redis.url]);
  assert.equal(await coordinator.exited, 0, coordinator.output());
  for (const w of workers) await stopWorker(w);

  const [a, b] = [compareJson(local), compareJson(queued)];
  assert.equal(b.status, 'done');
  assert.equal(b.runs.length, 24);
  assert.deepEqual(b.runs.map(timelessRun).sort(byRun), a.runs.map(timelessRun).sort(byRun));
  assertSameRunFolders(local, queued);
  // Every worker took runs, and the coordinator said so as it went.
  for (const w of workers) assert.match(w.output(), /: ok$/m, `worker output:\n${w.output()}`);
  assert.match(coordinator.output(), /^queue queued-\w+: \d+ done, \d+ running( \(w\d \d(, w\d \d)*\))?, \d+ queued/m);
  assert.doesNotMatch(coordinator.output(), /Warning/);
  // A finished study leaves nothing in Redis.
  const client = new Redis(redis.url);
  try {
    assert.deepEqual(await client.hkeys('audiopred:studies'), []);
    assert.deepEqual(await client.keys('audiopred:checkpoint:*'), []);
  } finally {
    client.disconnect();
  }
});

const byRun = (x: Record<string, unknown>, y: Record<string, unknown>) => String(x.run).localeCompare(String(y.run));

// One run long enough to stop in the middle: the rnn on the bundled bach prelude, 40 epochs.
const bach = join(process.cwd(), 'examples', 'audio', 'bach-prelude.flac');
const longArgs = ['compare', bach, '--models', 'rnn', '--seeds', '1', '--epochs', '40', '--hidden', '32'];
let longLocal: string | undefined;
/** The long study run locally, once. */
function longStudyLocal(): string {
  if (longLocal) return longLocal;
  const out = join(dir, 'long-local');
  const l = runCli([...longArgs, '-o', out]);
  assert.equal(l.code, 0, l.stderr);
  return (longLocal = out);
}

/**
 * Waits until the rnn run of the study in folder `study` has a checkpoint in Redis. Any key would
 * not do: persistence, which runs first, may leave its final checkpoint there for a moment, and
 * an earlier test's study its own.
 */
const checkpointInRedis = async (study: string) => {
  const client = new Redis(redis.url);
  try {
    await until('the rnn run’s checkpoint in Redis', async () => {
      for (const key of await client.keys(checkpointKey(studyQueueName(study), '*'))) {
        const packed = JSON.parse((await client.get(key)) ?? '{}') as Record<string, string>;
        const record = packed['config.json'] ? (JSON.parse(Buffer.from(packed['config.json'], 'base64').toString('utf8')) as { config: { model: string } }) : undefined;
        if (record?.config.model === 'rnn') return true;
      }
      return false;
    });
  } finally {
    client.disconnect();
  }
};

test('a worker killed mid-run: the run continues from its last checkpoint in Redis on another worker, results unchanged', async () => {
  const args = longArgs;
  const local = longStudyLocal();

  const queued = join(dir, 'kill-queued');
  const first = startWorker('first');
  const coordinator = startCli([...args, '-o', queued, '--redis', redis.url]);
  await checkpointInRedis(queued); // its first checkpoint (epoch 10) reached Redis: kill the worker where it stands
  assert.match(first.output(), /bach-prelude-rnn-s1: starting/);
  first.child.kill('SIGKILL');
  await first.exited;
  const second = startWorker('second');
  assert.equal(await coordinator.exited, 0, coordinator.output());
  await stopWorker(second);
  assert.match(second.output(), /bach-prelude-rnn-s1: continuing from its checkpoint/);
  assert.doesNotMatch(first.output(), /bach-prelude-rnn-s1: ok/);
  assert.deepEqual(compareJson(queued).runs.map(timelessRun).sort(byRun), compareJson(local).runs.map(timelessRun).sort(byRun));
  assertSameRunFolders(local, queued);
});

test('a Redis that goes away mid-study pauses the coordinator and the worker, which go on when it is back', async () => {
  const local = longStudyLocal();
  const queued = join(dir, 'outage-queued');
  const worker = startWorker('patient');
  const coordinator = startCli([...longArgs, '-o', queued, '--redis', redis.url]);
  await checkpointInRedis(queued);
  await redis.stop();
  await sleep(3000);
  await redis.start();
  assert.equal(await coordinator.exited, 0, coordinator.output());
  await stopWorker(worker);
  assert.match(coordinator.output(), /cannot reach Redis at .*; waiting for it/);
  assert.match(coordinator.output(), /Redis is back: the study goes on/);
  assert.match(worker.output(), /Redis is back: going on/);
  assert.deepEqual(compareJson(queued).runs.map(timelessRun).sort(byRun), compareJson(local).runs.map(timelessRun).sort(byRun));
  assertSameRunFolders(local, queued);
});

const tuneArgs = ['tune', recordings[0], '--segment', '100', '--hidden', '8', '--models', 'rnn,linear', '--trials', '3', '--epochs', '9', '--seeds', '2'];
const tuneJson = (out: string) => JSON.parse(readFileSync(join(out, 'tune.json'), 'utf8')) as TuneRecord;
const journal = (out: string) => (existsSync(join(out, 'journal.jsonl')) ? readFileSync(join(out, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []);
const timeless = (record: TuneRecord) => ({ ...record, created: null, wall_seconds: null, settings: { ...record.settings, jobs: null } });

test('a tune coordinator killed mid-study: tune --resume DIR --redis URL finishes it, with the local study’s tune.json', async () => {
  const local = join(dir, 'tune-local');
  const l = runCli([...tuneArgs, '--jobs', '2', '-o', local]);
  assert.equal(l.code, 0, l.stderr);

  const queued = join(dir, 'tune-queued');
  const workers = ['t1', 't2'].map((n) => startWorker(n));
  const coordinator = startCli([...tuneArgs, '--jobs', '2', '-o', queued, '--redis', redis.url]);
  await until('two trials in the journal', () => journal(queued).filter((e) => e.event === 'trial').length >= 2);
  coordinator.child.kill('SIGKILL');
  await coordinator.exited;
  const before = journal(queued);
  assert.ok(!existsSync(join(queued, 'tune.json')), 'the study was not finished when its coordinator was killed');

  const resumed = runCli(['tune', '--resume', queued, '--redis', redis.url]);
  assert.equal(resumed.code, 0, resumed.stderr);
  for (const w of workers) await stopWorker(w);
  assert.deepEqual(timeless(tuneJson(queued)), timeless(tuneJson(local)));
  assert.deepEqual(journal(queued).slice(0, before.length), before, 'the resumed coordinator only appended');
  const rungs = journal(queued).filter((e) => e.event === 'rung').map((e) => `${e.unit} ${e.trial} ${e.rung}`);
  assert.equal(new Set(rungs).size, rungs.length, 'no rung was reported twice');
});

test('a worker whose recording differs from the study’s refuses its runs with a clear error', async () => {
  const own = join(dir, 'changing.wav');
  writeFileSync(own, encodeWav16([testSignal(6, RATE)], RATE));
  const out = join(dir, 'refused');
  const coordinator = startCli(['compare', own, '--models', 'linear', '--seeds', '1', '--epochs', '1', '--segment', '100', '-o', out, '--redis', redis.url]);
  await until('the runs on the queue', () => /\d+ queued/.test(coordinator.output()));
  writeFileSync(own, encodeWav16([testSignal(7, RATE)], RATE)); // the file changed after it was queued
  const worker = startWorker('other');
  const code = await coordinator.exited;
  await stopWorker(worker);
  assert.equal(code, 1, coordinator.output());
  assert.match(worker.output(), /refuses runs\/changing-\w+-s1: .*changing\.wav is not the study's recording changing\.wav \(sha256 [0-9a-f]{12}…, the study's is [0-9a-f]{12}…\)/);
  assert.match(coordinator.output(), /runs failed .*is not the study's recording changing\.wav/);
});

test('a Redis that is not there, a URL that is not Redis’s and a refused login are one-line errors, exit 2', async () => {
  const closed = `redis://127.0.0.1:${await freePort()}`;
  const tone = recordings[0];
  assertCleanError(runCli(['compare', tone, '--models', 'linear', '--epochs', '1', '--redis', closed, '-o', join(dir, 'no-redis')]), /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(connection refused\): start redis-server there or fix --redis/);
  assert.ok(!existsSync(join(dir, 'no-redis')), 'no study folder is made before Redis answers');
  assertCleanError(runCli(['tune', tone, '--redis', 'http://127.0.0.1:6379']), /--redis http:\/\/127\.0\.0\.1:6379 is not a redis:\/\/ URL/);
  assertCleanError(runCli(['worker', '--redis', 'not a url']), /--redis not a url is not a URL; give redis:\/\/HOST:PORT/);
  assertCleanError(runCli(['worker', '--redis', closed, '--concurrency', '0']), /--concurrency must be an integer ≥ 1, got '0'/);

  const locked = await startRedis(['--requirepass', 'sesame']);
  try {
    const wrong = `redis://:wrong@127.0.0.1:${locked.port}`;
    assertCleanError(runCli(['worker', '--redis', wrong]), /Redis at redis:\/\/127\.0\.0\.1:\d+ refused the login \(WRONGPASS[^)]*\): give the right user:password/);
    assertCleanError(runCli(['compare', tone, '--models', 'linear', '--epochs', '1', '--redis', `redis://127.0.0.1:${locked.port}`]), /refused the login \(NOAUTH/);
    assert.doesNotMatch(runCli(['worker', '--redis', wrong]).stderr, /sesame|wrong@/, 'the password is never printed');
  } finally {
    await locked.stop();
  }
});
