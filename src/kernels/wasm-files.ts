// How this platform reads the compiled wasm modules beside webassembly.ts: here, Node's file
// system (and its V8 flags). A browser build uses wasm-files.browser.ts instead (fetch).

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';

/** The bytes of the module at `url`, synchronously (the kernels load on first use). */
export function readWasmFile(url: URL): Uint8Array {
  return new Uint8Array(readFileSync(url));
}

/** The same, asynchronously: webassembly.ts's preloadWasm, which a browser needs before the first use. */
export async function fetchWasmFile(url: URL): Promise<Uint8Array> {
  return new Uint8Array(await readFile(url));
}

/** Node 20 has relaxed SIMD behind a V8 flag; process-wide, so set before the first compile. */
export function enableRelaxedSimd(): void {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}

/** AUDIOPRED_WASM=simd forces the plain SIMD build. */
export function forcedFlavour(): string | undefined {
  return process.env.AUDIOPRED_WASM;
}
