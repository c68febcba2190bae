/**
 * The executor a study runs on: the one a caller gave, a BullMQ queue when --redis is given, or
 * child processes on this machine. BullMQ loads only for a queued study.
 */
import { createLocalExecutor, type Executor } from '../jobs/executor.js';
import type { QueueStatus } from './executor.js';

export interface ExecutorChoice {
  /** A caller's own executor (tests). */
  executor?: Executor;
  /** redis://HOST:PORT: queue the runs there for `audiopred worker`s. */
  redis?: string;
  /** A queued study's counts, every couple of seconds. */
  onQueueStatus?: (status: QueueStatus) => void;
  /** Redis went away (why) or came back. */
  onRedis?: (up: boolean, why?: string) => void;
}

export interface OpenExecutor {
  executor: Executor;
  /** `finished`: the study is complete (a queued study is then taken off Redis). */
  close(finished: boolean): Promise<void>;
}

export async function openExecutor(dir: string, lanes: number, choice: ExecutorChoice): Promise<OpenExecutor> {
  if (choice.executor) return { executor: choice.executor, close: async () => {} };
  if (!choice.redis) return { executor: createLocalExecutor(Math.max(1, lanes)), close: async () => {} };
  const { createQueueExecutor } = await import('./executor.js');
  const executor = await createQueueExecutor({ url: choice.redis, dir, ...(choice.onRedis ? { onRedis: choice.onRedis } : {}) });
  const timer = choice.onQueueStatus ? setInterval(() => choice.onQueueStatus!(executor.status()), 2000) : undefined;
  timer?.unref();
  return {
    executor,
    close: async (finished) => {
      if (timer) clearInterval(timer);
      await executor.close(finished);
    },
  };
}
