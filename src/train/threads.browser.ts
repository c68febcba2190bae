// threads.ts for a browser (the playground's build substitutes this file): training threads are
// Web Workers started from the Web Worker that trains (nested workers), sharing its wasm memory.
// The page must be cross-origin isolated for that memory to be shared.

import { exposeUnitApi } from '../units/unit-api.js';
import type { WorkerHello, WorkerSetup } from './pool.js';
import type { TrainingThread } from './threads.js';

/** The slice of the Web Worker API used here (the project compiles without the DOM library). */
interface WebWorker {
  postMessage(message: unknown): void;
  addEventListener(type: 'message' | 'error', listener: (event: { data?: unknown; message?: string }) => void, options?: { once: boolean }): void;
  terminate(): void;
}
declare const Worker: new (url: URL, options: { type: 'module' }) => WebWorker;
declare const self: WebWorker;

export function startThread(setup: WorkerSetup): TrainingThread {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const hello = new Promise<WorkerHello>((resolve, reject) => {
    worker.addEventListener('message', (event) => resolve(event.data as WorkerHello), { once: true });
    worker.addEventListener('error', (event) => reject(new Error(`training thread ${setup.part}: ${event.message ?? 'failed to start'}`)), { once: true });
  });
  worker.postMessage(setup);
  return { hello, unref: () => undefined, terminate: async () => worker.terminate() };
}

/** A page's unit, imported on this thread, finds 'audiopred' through the unit API (unit-api.ts). */
export function threadSetup(): Promise<WorkerSetup> {
  exposeUnitApi();
  return new Promise((resolve) => self.addEventListener('message', (event) => resolve(event.data as WorkerSetup), { once: true }));
}

export function sayHello(hello: WorkerHello): void {
  self.postMessage(hello);
}
