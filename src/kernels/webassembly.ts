// The slice of the WebAssembly JavaScript API that the wasm backend uses, typed here because
// the project compiles without the DOM lib and @types/node 20 does not declare WebAssembly,
// and the loader of the compiled modules.

import { readFileSync } from 'node:fs';

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
// The one loader of audiopred's two wasm modules: the training kernels (assembly/kernels.ts →
// audiopred.wasm, shared memory, threads) and the feature kernels (assembly/features.ts →
// features.wasm, unshared memory per instance). The build puts both beside this file.

export type WasmModuleName = 'audiopred' | 'features';

const WASM_URLS: { [N in WasmModuleName]: URL } = {
  audiopred: new URL('./audiopred.wasm', import.meta.url),
  features: new URL('./features.wasm', import.meta.url),
};

const bytesCache = new Map<WasmModuleName, Uint8Array>();
const moduleCache = new Map<WasmModuleName, WasmModule>();

/** The compiled module's bytes, read once. Throws if the build did not produce them. */
export function wasmBytes(name: WasmModuleName): Uint8Array {
  let bytes = bytesCache.get(name);
  if (bytes === undefined) {
    bytes = new Uint8Array(readFileSync(WASM_URLS[name]));
    bytesCache.set(name, bytes);
  }
  return bytes;
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
