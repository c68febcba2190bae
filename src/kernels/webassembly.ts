// The slice of the WebAssembly JavaScript API that the wasm backend uses, typed here because
// the project compiles without the DOM lib and @types/node 20 does not declare WebAssembly.

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
