/**
 * The feature-extraction kernels (assembly/features.ts → dist/src/kernels/features.wasm): loaded
 * once per thread, each thread with its own instance and its own (unshared) memory.
 *
 * Whether they can run is probed once: the module uses 128-bit SIMD, so an engine without it
 * rejects the module, and then everything runs on the plain TypeScript path. `featureKernels()`
 * returns undefined in that case and `featureKernelSupport()` says why.
 *
 * Memory is a scratch area, not an allocator: each call of a kernel user (an MFCC, a FLAC
 * decode) lays out what it needs from `HEAP_START` with `layout()`, grows the memory if that
 * is more than it has, and makes its views after growing. Calls are synchronous from the first
 * view to the last read, so two users never see each other's layout.
 */
import { readFileSync } from 'node:fs';
import { wasmApi, type WasmMemory } from '../kernels/webassembly.js';

/** Where the build puts the compiled kernels. */
export const FEATURES_WASM_URL = new URL('../kernels/features.wasm', import.meta.url);

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

export type FeatureKernelSupport = { ok: true } | { ok: false; reason: string };

const PAGE_BYTES = 65536;
/** First byte a layout hands out; below it are the module's constant tables (from byte 64). */
export const HEAP_START = 1024;

let loaded: { kernels?: FeatureKernels; support: FeatureKernelSupport } | undefined;

/** The kernels for this thread, or undefined where they cannot run. */
export function featureKernels(): FeatureKernels | undefined {
  loaded ??= load();
  return loaded.kernels;
}

/** Whether featureKernels() gives kernels, and if not, why. */
export function featureKernelSupport(): FeatureKernelSupport {
  loaded ??= load();
  return loaded.support;
}

function load(): { kernels?: FeatureKernels; support: FeatureKernelSupport } {
  if (wasmApi === undefined) return { support: { ok: false, reason: 'no WebAssembly' } };
  const api = wasmApi;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(FEATURES_WASM_URL);
  } catch (err) {
    return { support: { ok: false, reason: `features.wasm could not be read (${(err as Error).message})` } };
  }
  if (!api.validate(bytes)) {
    return { support: { ok: false, reason: 'the engine rejects features.wasm (no WebAssembly SIMD?)' } };
  }
  try {
    const memory = new api.Memory({ initial: 16 });
    const instance = new api.Instance(new api.Module(bytes), { env: { memory } });
    const end = (instance.exports as unknown as FeatureExports).staticEnd();
    if (end > HEAP_START) throw new Error(`its static data ends at byte ${end}, past ${HEAP_START}`);
    const kernels: FeatureKernels = {
      exports: instance.exports as unknown as FeatureExports,
      memory,
      reserve(need: number) {
        const have = memory.buffer.byteLength;
        if (need > have) memory.grow(Math.ceil((need - have) / PAGE_BYTES));
      },
    };
    return { kernels, support: { ok: true } };
  } catch (err) {
    return { support: { ok: false, reason: `features.wasm could not be loaded (${(err as Error).message})` } };
  }
}

/**
 * A bump layout of one call's buffers from HEAP_START, each 64-byte aligned:
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
