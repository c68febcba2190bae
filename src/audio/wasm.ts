/**
 * The feature-extraction kernels (assembly/features.ts → dist/src/kernels/features.wasm), each
 * instance with its own unshared memory. The module is read and compiled by the one wasm loader
 * (src/kernels/webassembly.ts), and whether it can run is the one capability probe's answer
 * (`wasmSupport()` in src/kernels/index.ts), the same that decides for the training kernels.
 *
 * Memory is a scratch area, not an allocator: a user lays out what it needs from `HEAP_START`
 * with `layout()`, grows the memory if that is more than it has, and makes its views after
 * growing. `featureKernels()` is one instance per thread for users whose calls are synchronous
 * from the first view to the last read (the whole-array MFCC); a user that keeps its layout
 * across awaits (the streaming MFCC, fed as a file is decoded) makes its own instance with
 * `createFeatureKernels()`, so two decodes in flight never see each other's layout.
 */
import { wasmSupport, type WasmSupport } from '../kernels/index.js';
import { loadWasmModule, wasmApi, type WasmMemory } from '../kernels/webassembly.js';

/** The exports of assembly/features.ts: pointers are byte offsets, sizes element counts. */
export interface FeatureExports {
  melPower(plan: number, x: number, frames: number, hop: number, out: number, outStride: number): void;
  powerToDb(p: number, n: number, amin: number): number;
  allFinite(p: number, n: number): number;
  dbToMfcc(db: number, C: number, channelStride: number, frames: number, Mp: number, floor: number,
    dct: number, K: number, mean: number, out: number): void;
  staticEnd(): number;
}

export interface FeatureKernels {
  readonly exports: FeatureExports;
  readonly memory: WasmMemory;
  /** Grows the memory to at least `bytes`. Views made before a grow are detached after it. */
  reserve(bytes: number): void;
}

export type FeatureKernelSupport = WasmSupport;

const PAGE_BYTES = 65536;
/** First byte a layout hands out; below it are the module's constant tables (from byte 64). */
export const HEAP_START = 1024;

let perThread: FeatureKernels | undefined;

/** This thread's shared instance, or undefined where the wasm kernels cannot run. */
export function featureKernels(): FeatureKernels | undefined {
  if (!wasmSupport().ok) return undefined;
  perThread ??= createFeatureKernels();
  return perThread;
}

/** Whether the feature kernels can run here, and if not, why: the one probe's answer. */
export function featureKernelSupport(): FeatureKernelSupport {
  return wasmSupport();
}

/** A new instance with its own memory. Call only where featureKernelSupport() is ok. */
export function createFeatureKernels(): FeatureKernels {
  if (wasmApi === undefined) throw new Error('this JavaScript engine has no WebAssembly');
  const memory = new wasmApi.Memory({ initial: 16 });
  const instance = new wasmApi.Instance(loadWasmModule('features'), { env: { memory } });
  const exports = instance.exports as unknown as FeatureExports;
  const end = exports.staticEnd();
  if (end > HEAP_START) throw new Error(`features.wasm: its static data ends at byte ${end}, past ${HEAP_START}`);
  return {
    exports,
    memory,
    reserve(need: number) {
      const have = memory.buffer.byteLength;
      if (need > have) memory.grow(Math.ceil((need - have) / PAGE_BYTES));
    },
  };
}

/**
 * A bump layout of one user's buffers from HEAP_START, each 64-byte aligned:
 *   const l = layout(); const a = l.take(bytes); …; kernels.reserve(l.end);
 */
export function layout(): { take(bytes: number): number; readonly end: number } {
  let end = HEAP_START;
  return {
    take(bytes: number) {
      const at = end;
      end += Math.ceil(bytes / 64) * 64;
      return at;
    },
    get end() {
      return end;
    },
  };
}
