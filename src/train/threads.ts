// How this platform starts a training thread and how the thread reads its setup: Node's worker
// threads. A browser build uses threads.browser.ts instead (Web Workers). See pool.ts.

import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { WorkerHello, WorkerSetup } from './pool.js';

export interface TrainingThread {
  /** The thread's first message. */
  readonly hello: Promise<WorkerHello>;
  /** Idle threads must not keep the process alive. */
  unref(): void;
  terminate(): Promise<void>;
}

export function startThread(setup: WorkerSetup): TrainingThread {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: setup });
  const hello = new Promise<WorkerHello>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { hello, unref: () => worker.unref(), terminate: async () => void (await worker.terminate()) };
}

/** In a training thread: what the pool sent it. */
export async function threadSetup(): Promise<WorkerSetup> {
  return workerData as WorkerSetup;
}

/** In a training thread: tells the pool it is ready, or why it is not. */
export function sayHello(hello: WorkerHello): void {
  parentPort!.postMessage(hello);
}
