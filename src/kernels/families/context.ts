// What a family's wasm wrappers get from the wasm backend (../wasm.ts).

export interface WasmKernelContext {
  /** The instance's exports: the family casts them to its own typed view. */
  readonly exports: Record<string, unknown>;
  /** The byte offset of `a`, after checking it lives in this backend's memory
   *  (throws a TypeError naming `kernel` and `name` otherwise). */
  ptr(kernel: string, name: string, a: Float32Array): number;
  /** A 64-byte aligned scratch region of at least n floats, private to this backend (so to
   *  this thread); the same region is handed to every caller, so use it within one call. */
  scratch(n: number): number;
}
