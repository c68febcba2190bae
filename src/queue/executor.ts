/**
 * A study's runs on a BullMQ queue in Redis (the coordinator's side): the same Executor compare
 * and tune use locally, with workers on any machine (worker.ts) taking the runs. Every runnable
 * run is queued at once; the coordinator follows each to its end, writes the run folder the
 * worker sent back, and reads the result from it as it would a local run's.
 *
 * Stopping a queued run that no worker has taken removes it; a run already running is left to
 * finish, and its result is collected by the next `--resume` (its id finds it in the queue).
 */
import { hostname } from 'node:os';
import { relative, sep } from 'node:path';
import { Queue, QueueEvents, type ConnectionOptions, type Job as BullJob } from 'bullmq';
import { resultFromFolder, type EpochPoint, type Job, type JobResult } from '../jobs/job.js';
import type { Executor, PendingJob } from '../jobs/executor.js';
import { isModelName } from '../models/registry.js';
import { fileRef } from './file-ref.js';
import { packFolder, unpackFolder } from './folder.js';
import { runId, type QueuedRun, type RunProgress, type RunReturn } from './protocol.js';
import { checkpointKey, checkRedis, connect, PREFIX, redisOptions, STUDIES_KEY, studyQueueName } from './redis.js';

/** How often a run is tried when its worker dies or stops, and the wait before the next try. */
export const RUN_ATTEMPTS = 5;
const RETRY_DELAY_MS = 2000;

export interface QueueStatus {
  queue: string;
  queued: number;
  running: number;
  done: number;
  /** Runs running now, by worker. */
  workers: Record<string, number>;
  /** Whether Redis answers now. */
  redisUp: boolean;
}

export interface QueueExecutor extends Executor {
  readonly queue: string;
  status(): QueueStatus;
  /** Stops following; `finished` (the study is complete) also takes the study off the list workers serve. */
  close(finished: boolean): Promise<void>;
}

export interface QueueExecutorOptions {
  url: string;
  /** The study's folder: names the queue, and run folders are sent relative to it. */
  dir: string;
  /** Redis went away (with why) or came back. */
  onRedis?: (up: boolean, why?: string) => void;
}

export async function createQueueExecutor(options: QueueExecutorOptions): Promise<QueueExecutor> {
  const { url, dir } = options;
  await checkRedis(url);
  const name = studyQueueName(dir);
  let redisUp = true;
  const client = connect(url, (up, why) => {
    redisUp = up;
    options.onRedis?.(up, why);
  });
  const queue = new Queue<QueuedRun, RunReturn>(name, { connection: client, prefix: PREFIX });
  const events = new QueueEvents(name, { connection: redisOptions(url) as ConnectionOptions, prefix: PREFIX });
  queue.on('error', () => {}); // connection errors are reported once, by `client`
  events.on('error', () => {});
  // Every queued run waits on these at once (a listener each): hundreds are the design, not a leak.
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  await events.waitUntilReady();
  await client.hset(STUDIES_KEY, name, JSON.stringify({ dir, host: hostname(), created: new Date().toISOString() }));

  const followers = new Map<string, { onEpoch: (p: EpochPoint) => void; worker?: string; running: boolean }>();
  let done = 0;
  events.on('progress', ({ jobId, data }) => {
    const follower = followers.get(jobId);
    const p = data as unknown as Partial<RunProgress>;
    if (!follower || typeof p !== 'object' || p === null) return;
    follower.running = true;
    if (typeof p.worker === 'string') follower.worker = p.worker;
    if (typeof p.epoch === 'number' && p.epoch > 0) follower.onEpoch({ epoch: p.epoch, train: p.train!, val: p.val! });
  });
  events.on('active', ({ jobId }) => {
    const follower = followers.get(jobId);
    if (follower) follower.running = true;
  });
  // A run that fails an attempt (its worker stopped) waits for another: not running meanwhile.
  events.on('failed', ({ jobId }) => {
    const follower = followers.get(jobId);
    if (follower) follower.running = false;
  });

  const toQueued = async (job: Job): Promise<QueuedRun> => ({
    job: { ...job, out: relative(dir, job.out).split(sep).join('/') },
    audio: await fileRef(job.audio),
    ...(isModelName(job.model) ? {} : { module: await fileRef(job.model) }),
    ...(job.resume ? { checkpoint: packFolder(job.out) } : {}),
  });

  const failed = (job: Job, error: string): JobResult => ({ job, status: 'failed', error, curve: [], finalTrain: NaN, finalVal: NaN, bestVal: NaN, seconds: NaN });

  /** Writes the folder the worker sent and reads the result back from it, as a local run's. */
  const collect = async (job: Job, id: string, bull: BullJob<QueuedRun, RunReturn>, back: RunReturn): Promise<JobResult> => {
    await unpackFolder(back.files, job.out);
    const result = back.result.status === 'ok' ? (resultFromFolder(job) ?? failed(job, `${job.out}: the run came back but its summary cannot be read`)) : { ...back.result, job };
    // Its folder is written: Redis need not keep it (a --resume reads the folder).
    await Promise.allSettled([bull.remove(), client.del(checkpointKey(name, id))]);
    return result;
  };

  return {
    queue: name,
    // Every runnable run goes on the queue: the workers, not the coordinator, decide how many run.
    lanes: 100_000,
    run(job, onEpoch = () => {}): PendingJob {
      let stopped = false;
      let bull: BullJob<QueuedRun, RunReturn> | undefined;
      let id: string | undefined;
      let stop: () => void = () => {};
      const stopping = new Promise<undefined>((resolve) => (stop = () => resolve(undefined)));
      const follow = async (): Promise<JobResult | undefined> => {
        const queued = await toQueued(job);
        id = runId(queued);
        followers.set(id, { onEpoch, running: false });
        if (stopped) return undefined;
        // The same id again (a resumed coordinator) finds the run queued, running or finished.
        bull = await queue.add('run', queued, { jobId: id, attempts: RUN_ATTEMPTS, backoff: { type: 'exponential', delay: RETRY_DELAY_MS }, removeOnComplete: false, removeOnFail: false });
        try {
          const back = await Promise.race([bull.waitUntilFinished(events), stopping]);
          if (back === undefined) return undefined;
          return await collect(job, id, bull, back);
        } catch (err) {
          return failed(job, (err as Error).message);
        }
      };
      const result = follow().finally(() => {
        if (id) followers.delete(id);
        done++;
      });
      return {
        result,
        stop: () => {
          stopped = true;
          // Not taken yet: take it off the queue. Taken: it finishes where it runs; --resume collects it.
          void (async () => {
            const state = await bull?.getState().catch(() => 'unknown');
            if (state === 'waiting' || state === 'delayed' || state === 'prioritized') await bull?.remove().catch(() => {});
          })();
          stop();
        },
      };
    },
    status() {
      const workers: Record<string, number> = {};
      let running = 0;
      for (const f of followers.values()) {
        if (!f.running) continue;
        running++;
        if (f.worker) workers[f.worker] = (workers[f.worker] ?? 0) + 1;
      }
      return { queue: name, queued: followers.size - running, running, done, workers, redisUp };
    },
    async close(finished) {
      if (finished) await client.hdel(STUDIES_KEY, name).catch(() => {});
      if (finished) await queue.obliterate({ force: true }).catch(() => {});
      await events.close();
      await queue.close();
      client.disconnect();
    },
  };
}
