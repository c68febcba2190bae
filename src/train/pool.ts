/**
 * Data-parallel training on all cores: worker threads that share the wasm
 * memory (parameters, batch, their own caches and gradients all live there)
 * and are driven through a small control block with Atomics, so a batch costs
 * two wake-ups per worker, not a message round trip. The calling thread is
 * part 0 and computes its rows while the workers compute theirs.
 *
 * Gradients are reduced in a fixed order (part 0, then 1, 2, …): the same
 * thread count gives bit-identical results run after run.
 *
 * A unit that throws in a worker does not end the worker: it writes what was
 * thrown into its slot of a shared mailbox (mailbox.ts), marks its part failed
 * for that generation, and waits for the next job. The caller, blocked in
 * run(), reads the slot once every part has finished, and throws the failure
 * of the lowest failed part as a UnitCallError; the pool stays usable and
 * closable.
 *
 * The threads are Node's worker threads, or a browser's Web Workers
 * (threads.ts, threads.browser.ts); nothing else here depends on which.
 */
import { createMailbox, takeFailure } from './mailbox.js';
import { startThread, type TrainingThread } from './threads.js';
import type { WasmBackend } from '../kernels/wasm.js';
import type { Thrown } from '../models/unit-errors.js';
import type { UnitShape } from '../models/unit.js';
import { runShard, shardRows, UnitCallError, type Shard } from './shard.js';

/** What a worker reports when its part fails: a unit method that threw, or (method null) anything else. */
export interface WorkerFailure {
  method: UnitCallError['method'] | null;
  start: number;
  end: number;
  thrown: Thrown;
}

/** A worker's first message: 'ready', or why it could not build its part. */
export type WorkerHello = 'ready' | { failed: WorkerFailure };

/** A failure as the error the caller throws. */
export function failureError(f: WorkerFailure, part: number): Error {
  return f.method ? new UnitCallError(f.method, f.start, f.end, f.thrown) : new Error(`training thread ${part} failed: ${f.thrown.stack ?? f.thrown.message}`);
}

/** What a worker needs to build its part: sent once, at start. */
export interface WorkerSetup {
  memory: WasmBackend['memory'];
  module: WasmBackend['module'];
  control: SharedArrayBuffer;
  part: number; // k ≥ 1
  parts: number; // n, the calling thread included
  /** The unit: a built-in name, or a bundled module's URL for user units. */
  unit: { spec: string; moduleUrl?: string };
  shape: UnitShape;
  maxRows: number;
  T: number;
  F: number;
  horizon: number;
  params: { offset: number; size: number };
  x: { offset: number; size: number };
  seg: { offset: number; size: number };
  /** Where the worker leaves a WorkerFailure when its part of a job fails (mailbox.ts). */
  mailbox: SharedArrayBuffer;
}

/** Control block layout (Int32 slots). */
export const CONTROL = {
  generation: 0, // bumped by the caller to start a job
  command: 1, // RUN_LOSS or RUN_GRAD or EXIT
  batch: 2, // B, rows in the batch
  slotsPerPart: 4, // from PARTS_BASE: [start, end, done generation (−generation: failed), grads offset]
  partsBase: 8,
} as const;
export const COMMAND = { loss: 1, grad: 2, exit: 3 } as const;

export function controlSlots(parts: number): { ints: number; bytes: number; lossesByteOffset: number } {
  const ints = CONTROL.partsBase + CONTROL.slotsPerPart * parts;
  const lossesByteOffset = Math.ceil((ints * 4) / 8) * 8;
  return { ints, bytes: lossesByteOffset + 8 * parts, lossesByteOffset };
}

export function partSlot(k: number, field: 0 | 1 | 2 | 3): number {
  return CONTROL.partsBase + CONTROL.slotsPerPart * k + field;
}

const READY_TIMEOUT_MS = 30_000;

export class ThreadPool {
  private readonly ctrl: Int32Array;
  private readonly losses: Float64Array;
  private readonly workers: TrainingThread[] = [];
  private readonly workerGrads: Float32Array[] = [];
  private readonly mailbox: SharedArrayBuffer;
  private generation = 0;

  private constructor(
    private readonly parts: number,
    private readonly main: Shard,
    control: SharedArrayBuffer,
  ) {
    this.mailbox = createMailbox(parts);
    const { ints, lossesByteOffset } = controlSlots(parts);
    this.ctrl = new Int32Array(control, 0, ints);
    this.losses = new Float64Array(control, lossesByteOffset, parts);
  }

  /** Starts parts − 1 workers beside the calling thread's part `main`, and waits until each is ready. */
  static async start(
    parts: number,
    main: Shard,
    be: WasmBackend,
    spec: Omit<WorkerSetup, 'memory' | 'module' | 'control' | 'part' | 'parts' | 'params' | 'x' | 'seg' | 'mailbox'>,
  ): Promise<ThreadPool> {
    const control = new SharedArrayBuffer(controlSlots(parts).bytes);
    const pool = new ThreadPool(parts, main, control);
    const where = (a: Float32Array) => ({ offset: a.byteOffset, size: a.length });
    const ready: Promise<void>[] = [];
    for (let k = 1; k < parts; k++) {
      const setup: WorkerSetup = {
        ...spec,
        memory: be.memory,
        module: be.module,
        control,
        part: k,
        parts,
        params: where(main.params),
        x: where(main.x),
        seg: where(main.seg),
        mailbox: pool.mailbox,
      };
      const worker = startThread(setup);
      pool.workers.push(worker);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`training thread ${k} did not start`)), READY_TIMEOUT_MS);
          worker.hello.then(
            (hello) => {
              clearTimeout(timer);
              if (hello === 'ready') resolve();
              else reject(failureError(hello.failed, k));
            },
            (err: unknown) => {
              clearTimeout(timer);
              reject(err);
            },
          );
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await pool.close();
      throw err;
    }
    for (let k = 1; k < parts; k++) {
      pool.workerGrads.push(be.view(Atomics.load(pool.ctrl, partSlot(k, 3)), main.grads.length));
      pool.workers[k - 1].unref(); // idle workers must not keep the process alive
    }
    return pool;
  }

  /**
   * The loss of the B rows now in the shared batch and, with `withGrad`, its
   * gradient in main.grads. If a part fails, every part still finishes (no
   * thread is left writing into the shared memory), then the lowest failed
   * part's error is thrown.
   */
  run(B: number, withGrad: boolean): number {
    const { ctrl, parts } = this;
    const gen = ++this.generation;
    for (let k = 1; k < parts; k++) {
      const [start, end] = shardRows(k, parts, B);
      ctrl[partSlot(k, 0)] = start;
      ctrl[partSlot(k, 1)] = end;
    }
    ctrl[CONTROL.command] = withGrad ? COMMAND.grad : COMMAND.loss;
    ctrl[CONTROL.batch] = B;
    Atomics.store(ctrl, CONTROL.generation, gen);
    Atomics.notify(ctrl, CONTROL.generation);

    const [start, end] = shardRows(0, parts, B);
    let loss = 0;
    let failure: unknown;
    try {
      loss = runShard(this.main, start, end, B, withGrad);
    } catch (err) {
      failure = err;
    }

    for (let k = 1; k < parts; k++) {
      const slot = partSlot(k, 2);
      let done: number;
      for (;;) {
        done = Atomics.load(ctrl, slot);
        if (done === gen || done === -gen) break;
        Atomics.wait(ctrl, slot, done, 60_000);
      }
      if (done === -gen) {
        const err = this.workerFailure(k); // read it in any case: the slot must be empty for the next job
        failure ??= err;
        continue;
      }
      if (failure !== undefined) continue;
      loss += this.losses[k];
      if (withGrad) {
        const g = this.main.grads;
        const gk = this.workerGrads[k - 1];
        for (let i = 0; i < g.length; i++) g[i] += gk[i];
      }
    }
    if (failure !== undefined) throw failure;
    return loss;
  }

  /** The error worker k left for the job that it marked failed. */
  private workerFailure(k: number): Error {
    const f = takeFailure(this.mailbox, k);
    return f ? failureError(f, k) : new Error(`training thread ${k} failed and said nothing`);
  }

  async close(): Promise<void> {
    Atomics.store(this.ctrl, CONTROL.command, COMMAND.exit);
    Atomics.add(this.ctrl, CONTROL.generation, 1);
    Atomics.notify(this.ctrl, CONTROL.generation);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
