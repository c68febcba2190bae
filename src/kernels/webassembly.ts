// The slice of the WebAssembly JavaScript API that the wasm backend uses, typed here because
// the project compiles without the DOM lib and @types/node 20 does not declare WebAssembly,
// and the loader of the compiled modules.

import { enableRelaxedSimd, fetchWasmFile, forcedFlavour, readWasmFile } from './wasm-files.js';

export interface WasmMemory {
  /** The current bytes; for a shared memory a new, longer SharedArrayBuffer after each grow. */
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  /** Adds `pages` pages of 64 KiB; returns the old size in pages. */
  grow(pages: number): number;
}

/** A compiled module; can be posted to worker threads. */
export interface WasmModule {
  readonly [Symbol.toStringTag]: string;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}

/** The engine's WebAssembly object, or undefined where there is none. */
export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

// ---------------------------------------------------------------------------------------------
// The one loader of audiopred's wasm modules: the training kernels (assembly/kernels.ts →
// audiopred.wasm, shared memory, threads; and the same source built with relaxed SIMD on,
// audiopred-relaxed.wasm) and the feature kernels (assembly/features.ts → features.wasm,
// unshared memory per instance). The build puts them all beside this file.

export type WasmModuleName = 'audiopred' | 'audiopred-relaxed' | 'features';

const WASM_URLS: { [N in WasmModuleName]: URL } = {
  audiopred: new URL('./audiopred.wasm', import.meta.url),
  'audiopred-relaxed': new URL('./audiopred-relaxed.wasm', import.meta.url),
  features: new URL('./features.wasm', import.meta.url),
};

/** Which build of the training kernels runs: relaxed SIMD (fused multiply-add) or plain SIMD. */
export type KernelFlavour = 'relaxed-simd' | 'simd';

let flavour: KernelFlavour | undefined;

/**
 * The training kernels' build this engine runs: 'relaxed-simd' where the engine validates the
 * relaxed build, else 'simd'. Node 22+ has relaxed SIMD on; Node 20 has it behind a V8 flag,
 * which is set here, before the first module is compiled (V8's flags are process-wide, so
 * worker threads, which receive the compiled module, agree). AUDIOPRED_WASM=simd forces the
 * plain SIMD build (to compare the two, or to rule the fused multiply-add out).
 */
export function kernelFlavour(): KernelFlavour {
  if (flavour === undefined) flavour = pickFlavour();
  return flavour;
}

function pickFlavour(): KernelFlavour {
  if (wasmApi === undefined || forcedFlavour() === 'simd') return 'simd';
  let bytes: Uint8Array;
  try {
    bytes = wasmBytes('audiopred-relaxed');
  } catch {
    return 'simd'; // an older build without the relaxed module
  }
  if (wasmApi.validate(bytes)) return 'relaxed-simd';
  enableRelaxedSimd();
  return wasmApi.validate(bytes) ? 'relaxed-simd' : 'simd';
}

const bytesCache = new Map<WasmModuleName, Uint8Array>();
const moduleCache = new Map<WasmModuleName, WasmModule>();

/** The compiled module's bytes, read once. Throws if the build did not produce them. */
export function wasmBytes(name: WasmModuleName): Uint8Array {
  let bytes = bytesCache.get(name);
  if (bytes === undefined) {
    bytes = readWasmFile(WASM_URLS[name]);
    bytesCache.set(name, bytes);
  }
  return bytes;
}

/** Reads every module ahead of its first use: needed in a browser (wasm-files.browser.ts), harmless in Node. */
export async function preloadWasm(): Promise<void> {
  for (const name of Object.keys(WASM_URLS) as WasmModuleName[]) {
    if (!bytesCache.has(name)) bytesCache.set(name, await fetchWasmFile(WASM_URLS[name]));
  }
}

/** The module compiled once per thread by this engine. Throws if it is missing or rejected. */
export function loadWasmModule(name: WasmModuleName): WasmModule {
  let module = moduleCache.get(name);
  if (module === undefined) {
    if (wasmApi === undefined) throw new Error('this JavaScript engine has no WebAssembly');
    module = new wasmApi.Module(wasmBytes(name));
    moduleCache.set(name, module);
  }
  return module;
}
