/**
 * `audiopred worker --redis URL`: takes runs of every study queued in that Redis until stopped.
 * Ctrl-C (or SIGTERM) stops its runs after their epoch; their checkpoints go back to Redis and
 * the runs back on the queue, for this or another worker.
 */
import { UsageError } from '../errors.js';
import { stopOnSignals } from './signals.js';

export interface WorkerCommandOptions {
  redis: string;
  concurrency: string;
  data: string[];
  name?: string;
}

export async function workerCommand(options: WorkerCommandOptions): Promise<void> {
  const concurrency = Number(options.concurrency);
  if (options.concurrency.trim() === '' || !Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new UsageError(`--concurrency must be an integer ≥ 1, got '${options.concurrency}'`);
  }
  const { runWorker } = await import('../queue/worker.js');
  const signals = stopOnSignals('stopping: the running runs checkpoint and go back on the queue');
  try {
    await runWorker({
      url: options.redis,
      concurrency,
      data: options.data,
      ...(options.name ? { name: options.name } : {}),
      signal: signals.signal,
      log: (line) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`),
      ...(process.env.AUDIOPRED_QUEUE_LOCK_MS ? { lockMs: Number(process.env.AUDIOPRED_QUEUE_LOCK_MS) } : {}),
    });
  } finally {
    signals.dispose();
  }
}
