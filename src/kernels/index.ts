// Picking a kernel backend. One feature probe decides once per thread whether the wasm SIMD
// kernels can run here: SIMD, shared memory, and both compiled modules present and accepted by
// the engine (audiopred.wasm, the training kernels; features.wasm, the MFCC kernels). If not,
// training and the MFCC both run on their plain TypeScript references, with no error, and
// wasmSupport() says why. The MFCC asks the same question the same way: chooseBackend().

import type { Backend } from './backend.js';
import { createPlainBackend } from './plain.js';
import { createWasmBackend, createKernelMemory, loadKernelModule } from './wasm.js';
import { wasmApi, wasmBytes, type WasmApi } from './webassembly.js';

export type { AdamWStep, Backend, BackendName } from './backend.js';
export { createPlainBackend } from './plain.js';
export {
  createKernelMemory, createWasmBackend, loadKernelModule, type WasmBackend, type WasmBackendOptions,
} from './wasm.js';
export { kernelFlavour, type KernelFlavour } from './webassembly.js';

/** The smallest module that uses SIMD: one function returning v128.const 0. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,       // type section: () -> v128
  0x03, 0x02, 0x01, 0x00,                         // function section: one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00,                   // code section: one body of 20 bytes, no locals
  0xfd, 0x0c, ...new Array<number>(16).fill(0),   // v128.const 0
  0x0b,                                           // end
]);

export type WasmSupport = { ok: true } | { ok: false; reason: string };

let support: WasmSupport | undefined;

/** Probes once (per thread) whether the wasm SIMD backend can run here. */
export function wasmSupport(): WasmSupport {
  if (support === undefined) support = probeWasm(wasmApi);
  return support;
}

/** The probe itself, on a given WebAssembly API (tests pass a crippled one). */
export function probeWasm(api: WasmApi | undefined): WasmSupport {
  if (api === undefined) return { ok: false, reason: 'no WebAssembly' };
  if (!api.validate(SIMD_PROBE)) return { ok: false, reason: 'WebAssembly SIMD is not supported' };
  try {
    const memory = new api.Memory({ initial: 1, maximum: 1, shared: true });
    if (!(memory.buffer instanceof SharedArrayBuffer)) throw new Error('buffer is not a SharedArrayBuffer');
  } catch (err) {
    return { ok: false, reason: `shared WebAssembly memory is not supported (${(err as Error).message})` };
  }
  try {
    // Compiles audiopred.wasm and checks the engine accepts its shared-memory import.
    createWasmBackend({ module: loadKernelModule(), memory: createKernelMemory(1) });
  } catch (err) {
    return { ok: false, reason: `the wasm kernels could not be loaded (${(err as Error).message})` };
  }
  try {
    // The MFCC kernels import an unshared memory; each user instantiates its own.
    const memory = new api.Memory({ initial: 1 });
    new api.Instance(new api.Module(wasmBytes('features')), { env: { memory } });
  } catch (err) {
    return { ok: false, reason: `the wasm MFCC kernels could not be loaded (${(err as Error).message})` };
  }
  return { ok: true };
}

let plain: Backend | undefined;
let wasm: Backend | undefined;

/**
 * The process-wide (per thread) backend. 'plain' always gives the TypeScript reference;
 * 'wasm' or no preference gives the wasm SIMD backend where wasmSupport() is ok, and the
 * plain one otherwise. The same object is returned on every call, so buffers it allocated
 * stay usable with it.
 */
export function getBackend(preferred?: 'plain' | 'wasm'): Backend {
  if (preferred !== undefined && preferred !== 'plain' && preferred !== 'wasm') {
    throw new TypeError(`getBackend: preferred must be 'plain' or 'wasm', got ${String(preferred)}`);
  }
  if (chooseBackend(preferred, wasmSupport()) === 'wasm') {
    wasm ??= createWasmBackend();
    return wasm;
  }
  plain ??= createPlainBackend();
  return plain;
}

/** How a run names its kernels: 'plain', 'wasm-simd', or 'wasm-relaxed-simd' for the build
 *  with fused multiply-adds. */
export function backendLabel(be: Backend): string {
  return 'flavour' in be && be.flavour === 'relaxed-simd' ? 'wasm-relaxed-simd' : be.name;
}

/** The decision getBackend makes: wasm unless plain is asked for or wasm cannot run. */
export function chooseBackend(preferred: 'plain' | 'wasm' | undefined, support: WasmSupport): 'plain' | 'wasm' {
  return preferred !== 'plain' && support.ok ? 'wasm' : 'plain';
}
