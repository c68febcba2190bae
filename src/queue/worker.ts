/**
 * `audiopred worker`: takes runs from every study queued in a Redis and trains each in a child
 * process, as the local executor does (compare/job.ts). It reports each epoch, uploads each
 * checkpoint the run writes, and hands back the whole run folder. A run whose worker dies is
 * taken again after its lock lapses (BullMQ's stalled-job check) and continues from the last
 * checkpoint that reached Redis; a worker stopped with Ctrl-C checkpoints its runs, uploads
 * them and puts them back on the queue.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, UnrecoverableError, WaitingError, type ConnectionOptions, type Job as BullJob } from 'bullmq';
import { startJob, type JobResult } from '../jobs/job.js';
import { UsageError } from '../errors.js';
import { STATE_FILE } from '../runs/checkpoint.js';
import { locateFile } from './file-ref.js';
import { packFolder, unpackFolder, type PackedFolder } from './folder.js';
import type { QueuedRun, RunProgress, RunReturn } from './protocol.js';
import { checkpointKey, checkRedis, connect, PREFIX, redisOptions, STUDIES_KEY } from './redis.js';

/** A run checkpoints at least this often on a worker (epochs), so a dead worker loses little. */
export const QUEUED_SAVE_EVERY = 10;
/** How long a run's checkpoint stays in Redis if no coordinator collects it. */
const CHECKPOINT_TTL_S = 7 * 24 * 3600;

export interface WorkerOptions {
  url: string;
  /** Runs at once on this machine, over every study. */
  concurrency: number;
  /** Folders to find recordings and unit modules in, by file name. */
  data?: readonly string[];
  /** How this worker names itself in progress views (default host:pid). */
  name?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** How long a run's lock lasts without renewal: a dead worker's runs are taken again after about this (default 30 s). */
  lockMs?: number;
  /** How often the list of studies is read. */
  pollMs?: number;
}

/**
 * A counting semaphore: `concurrency` runs at once over every study's BullMQ worker (each of
 * which may take `concurrency` runs; a run taken while the slots are full waits for one).
 */
function slots(count: number) {
  let free = count;
  const waiting: (() => void)[] = [];
  return {
    acquire: () => new Promise<void>((resolve) => (free > 0 ? (free--, resolve()) : waiting.push(resolve))),
    release: () => (waiting.length ? waiting.shift()!() : free++),
  };
}

export async function runWorker(options: WorkerOptions): Promise<void> {
  const { url, concurrency, signal } = options;
  if (!(Number.isSafeInteger(concurrency) && concurrency >= 1)) throw new UsageError(`--concurrency must be an integer ≥ 1, got '${concurrency}'`);
  const log = options.log ?? (() => {});
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const lockMs = options.lockMs ?? 30_000;
  await checkRedis(url);
  const client = connect(url, (up, why) => log(up ? 'Redis is back: going on' : `${why}; waiting for it (runs go on, results wait)`));
  const limit = slots(concurrency);
  const studies = new Map<string, Worker<QueuedRun, RunReturn>>();
  const stops = new Set<() => void>();

  const process_ = async (bull: BullJob<QueuedRun, RunReturn>, token?: string): Promise<RunReturn> => {
    await limit.acquire();
    if (signal?.aborted) {
      // Taken while the slots were full, and this worker is stopping: give it back untouched.
      limit.release();
      await bull.moveToWait(token);
      throw new WaitingError();
    }
    const dir = mkdtempSync(join(tmpdir(), 'audiopred-run-'));
    try {
      return await train(bull, token, join(dir, 'run'));
    } finally {
      limit.release();
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const train = async (bull: BullJob<QueuedRun, RunReturn>, token: string | undefined, out: string): Promise<RunReturn> => {
    const run = bull.data;
    const key = checkpointKey(bull.queueName, bull.id!);
    let audio: string;
    let model = run.job.model;
    try {
      audio = await locateFile(run.audio, options.data ?? [], 'recording');
      if (run.module) model = await locateFile(run.module, options.data ?? [], 'unit module');
    } catch (err) {
      const message = `worker ${name} refuses ${run.job.out}: ${(err as Error).message}`;
      log(message);
      throw new UnrecoverableError(message);
    }
    // Where an earlier attempt got to, else the checkpoint the coordinator sent (a continued run).
    const saved = await client.get(key);
    const from: PackedFolder | undefined = saved ? (JSON.parse(saved) as PackedFolder) : run.checkpoint;
    if (from && Object.keys(from).length) await unpackFolder(from, out);
    const resume = from !== undefined && STATE_FILE in from;
    log(`${run.job.out}: ${resume ? 'continuing from its checkpoint' : 'starting'}`);
    void bull.updateProgress({ worker: name }).catch(() => {}); // the coordinator shows who runs it

    let uploaded = 0;
    let uploading = Promise.resolve();
    const uploadCheckpoint = () => {
      let mtime = 0;
      try {
        mtime = statSync(join(out, STATE_FILE)).mtimeMs;
      } catch {
        return uploading; // none yet
      }
      if (mtime === uploaded) return uploading;
      uploaded = mtime;
      const packed = JSON.stringify(packFolder(out));
      uploading = uploading.then(() => client.set(key, packed, 'EX', CHECKPOINT_TTL_S)).then(() => undefined, () => undefined);
      return uploading;
    };

    const running = startJob(
      { ...run.job, audio, model, out, resume, saveEvery: run.job.saveEvery > 0 ? Math.min(run.job.saveEvery, QUEUED_SAVE_EVERY) : QUEUED_SAVE_EVERY },
      (p) => {
        void bull.updateProgress({ worker: name, epoch: p.epoch, train: p.train, val: p.val } satisfies RunProgress).catch(() => {});
        void uploadCheckpoint();
      },
    );
    const stop = () => running.stop();
    stops.add(stop);
    let result: JobResult;
    try {
      result = await running.result;
    } finally {
      stops.delete(stop);
    }
    if (result.status === 'interrupted' || result.killedBy) {
      // This worker is stopping (or its run was killed): keep the checkpoint and give the run back.
      await uploadCheckpoint();
      log(`${run.job.out}: ${result.killedBy ? `killed by ${result.killedBy}` : 'stopped'}; back on the queue`);
      if (result.killedBy) throw new Error(`the run was killed by ${result.killedBy} on worker ${name}`);
      await bull.moveToWait(token);
      throw new WaitingError();
    }
    log(`${run.job.out}: ${result.status}${result.error ? ` (${result.error})` : ''}`);
    const { job: _job, ...rest } = result;
    return { worker: name, result: rest, files: packFolder(out) };
  };

  const serve = (queue: string) => {
    const worker = new Worker<QueuedRun, RunReturn>(queue, process_, {
      connection: redisOptions(url) as ConnectionOptions,
      prefix: PREFIX,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: 5,
    });
    worker.on('error', () => {}); // connection errors are reported once, by `client`
    studies.set(queue, worker);
    log(`serving study ${queue}`);
  };

  const refresh = async () => {
    const listed = await client.hkeys(STUDIES_KEY);
    for (const queue of listed) if (!studies.has(queue)) serve(queue);
    for (const [queue, worker] of studies) {
      if (listed.includes(queue)) continue;
      studies.delete(queue);
      void worker.close();
      log(`study ${queue} is finished`);
    }
  };

  log(`worker ${name}: ${concurrency} run${concurrency === 1 ? '' : 's'} at once; waiting for studies on ${url.replace(/\/\/[^@]*@/, '//')}`);
  const pollMs = options.pollMs ?? 1000;
  while (!signal?.aborted) {
    await refresh().catch(() => {});
    await new Promise<void>((resolve) => {
      const wake = () => (clearTimeout(timer), resolve());
      const timer = setTimeout(() => (signal?.removeEventListener('abort', wake), resolve()), pollMs);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }
  log('stopping: the running runs checkpoint and go back on the queue');
  for (const stop of stops) stop();
  await Promise.all([...studies.values()].map((w) => w.close()));
  client.disconnect();
}
