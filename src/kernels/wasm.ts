// The wasm SIMD backend: loads the AssemblyScript kernels (assembly/kernels.ts, built by
// `npm run build:wasm` into audiopred.wasm beside this file) into a shared memory and wraps
// each raw-pointer export in the Backend interface. Shapes and semantics: see backend.ts.
//
// Memory. One shared WebAssembly.Memory holds every buffer the kernels touch. It is shared
// so that worker threads can run kernels on the same buffers: pass `memory` and `module` to
// createWasmBackend in each worker. Growing a shared memory never detaches the
// Float32Arrays already handed out, so views stay valid for the life of the process.
//
// Allocation is a bump pointer kept in the memory itself (a uint32 at byte 0, advanced with
// Atomics), so backends on several threads can allocate from one memory without clashing.
// Nothing is ever freed: allocate the model's buffers once and reuse them.

import {
  adamwScalars, checkAdamw, checkLength, checkMatmul, checkRnn, checkRows, checkSizes, checkSoftmax,
  type Backend,
} from './backend.js';
import type { WasmKernelContext } from './families/context.js';
import { wasmGatesKernels } from './families/wasm-gates.js';
import { wasmOnlineKernels } from './families/wasm-online.js';
import { wasmTransformerKernels } from './families/wasm-transformer.js';
import { kernelFlavour, loadWasmModule, wasmApi, type KernelFlavour, type WasmApi, type WasmMemory, type WasmModule } from './webassembly.js';

const PAGE_BYTES = 65536;
/** First byte handed out; bytes [0, 64) hold the allocator's state, the rest is a gap that
 *  keeps a stray null pointer from landing on real data. */
const HEAP_START = 1024;
/** Every buffer starts on a cache line (and so on a v128 boundary). */
const ALIGN_BYTES = 64;
/** 4 GiB, the wasm32 limit; only address space is reserved up front, pages are committed as
 *  the memory grows. The module is compiled with the same maximum (assembly/asconfig.json). */
export const MAX_PAGES = 65536;
const INITIAL_PAGES = 16;

/** The kernels' exports: pointers are byte offsets, sizes element counts, booleans 0/1. */
interface KernelExports {
  /** The k-chunk of the matrix products, which sizes their scratch. */
  KC: { value: number };
  matmulAB(C: number, A: number, B: number, M: number, N: number, K: number, accumulate: number, scratch: number): void;
  matmulAtB(C: number, A: number, B: number, M: number, N: number, K: number, accumulate: number, scratch: number): void;
  matmulABt(C: number, A: number, B: number, M: number, N: number, K: number, accumulate: number, scratch: number): void;
  addBias(out: number, bias: number, R: number, N: number): void;
  sumRows(dbias: number, d: number, R: number, N: number): void;
  tanh(out: number, x: number, n: number): void;
  rnnTanhForward(h: number, pre: number, Whh: number, B: number, T: number, H: number, scratch: number): void;
  rnnTanhBackward(dpre: number, dh: number, h: number, Whh: number, B: number, T: number, H: number, scratch: number): void;
  causalSoftmax(p: number, R: number, N: number, r0: number, scale: number): void;
  causalSoftmaxBackward(ds: number, p: number, R: number, N: number, r0: number, scale: number): void;
  adamw(param: number, grad: number, m: number, v: number, n: number,
    decay: number, beta1: number, omb1: number, beta2: number, omb2: number,
    negStepSize: number, bc2sqrt: number, eps: number): void;
}

function api(): WasmApi {
  if (wasmApi === undefined) throw new Error('this JavaScript engine has no WebAssembly');
  return wasmApi;
}

/** The training kernels, compiled once by the shared loader (webassembly.ts): the relaxed-SIMD
 *  build where the engine takes it (kernelFlavour), else audiopred.wasm. Throws if the file is
 *  missing or the engine rejects it (no SIMD or no threads). */
export function loadKernelModule(): WasmModule {
  return loadWasmModule(kernelFlavour() === 'relaxed-simd' ? 'audiopred-relaxed' : 'audiopred');
}

/** A shared memory the kernels can import. */
export function createKernelMemory(initialPages = INITIAL_PAGES): WasmMemory {
  return new (api().Memory)({ initial: initialPages, maximum: MAX_PAGES, shared: true });
}

/** The bump pointer never passes this (it must stay below 2³² to fit its uint32). */
const HEAP_LIMIT = MAX_PAGES * PAGE_BYTES - ALIGN_BYTES;

/** Reserves `bytes` (rounded up to ALIGN_BYTES) and returns their byte offset. Thread-safe:
 *  the pointer only moves by compare-and-swap, and only when the whole block fits. */
function allocBytes(memory: WasmMemory, bytes: number): number {
  const state = new Uint32Array(memory.buffer, 0, 1);
  Atomics.compareExchange(state, 0, 0, HEAP_START); // first use of this memory
  const size = Math.ceil(bytes / ALIGN_BYTES) * ALIGN_BYTES;
  for (;;) {
    const offset = Atomics.load(state, 0);
    const end = offset + size;
    if (end > HEAP_LIMIT) {
      throw new RangeError(`wasm backend: out of wasm memory allocating ${bytes} bytes (${offset} of at most 4 GiB in use)`);
    }
    if (Atomics.compareExchange(state, 0, offset, end) !== offset) continue; // another thread was first
    const have = memory.buffer.byteLength;
    if (end > have) {
      try {
        memory.grow(Math.ceil((end - have) / PAGE_BYTES));
      } catch (err) {
        throw new RangeError(`wasm backend: could not grow wasm memory to ${end} bytes: ${(err as Error).message}`);
      }
    }
    return offset;
  }
}

export interface WasmBackendOptions {
  /** Share an existing memory (from another backend, e.g. the main thread's); a new one by default. */
  memory?: WasmMemory;
  /** The compiled kernels (a compiled module can be posted to workers); loaded from disk by default. */
  module?: WasmModule;
}

export interface WasmBackend extends Backend {
  readonly name: 'wasm-simd';
  readonly memory: WasmMemory;
  readonly module: WasmModule;
  /** Which build of the kernels `module` is (fixed per process, see kernelFlavour). */
  readonly flavour: KernelFlavour;
  /** A view of n floats at `byteOffset` of the memory, usable with this backend's kernels:
   *  how another thread reaches a buffer that was allocated elsewhere in the same memory. */
  view(byteOffset: number, n: number): Float32Array;
}

export function createWasmBackend(options: WasmBackendOptions = {}): WasmBackend {
  const module = options.module ?? loadKernelModule();
  const memory = options.memory ?? createKernelMemory();
  const instance = new (api().Instance)(module, { env: { memory } });
  const k = instance.exports as unknown as KernelExports;

  // Every SharedArrayBuffer object we have made views on. After the memory grows,
  // memory.buffer is a new (longer) object over the same bytes, and the old views keep the
  // old object, so membership in this set is how a view is recognised as ours.
  const ours = new WeakSet<ArrayBufferLike>();

  function alloc(n: number): Float32Array {
    checkSizes('alloc', { n });
    const offset = allocBytes(memory, n * 4);
    const buffer = memory.buffer; // read after growing
    ours.add(buffer);
    return new Float32Array(buffer, offset, n);
  }

  function view(byteOffset: number, n: number): Float32Array {
    checkSizes('view', { n });
    if (!(Number.isInteger(byteOffset) && byteOffset >= HEAP_START && byteOffset % 4 === 0)) {
      throw new RangeError(`wasm backend: view at byte ${byteOffset} is not a float32 offset on the heap`);
    }
    const buffer = memory.buffer;
    if (byteOffset + n * 4 > buffer.byteLength) {
      throw new RangeError(`wasm backend: view of ${n} floats at byte ${byteOffset} runs past the memory's end`);
    }
    ours.add(buffer);
    return new Float32Array(buffer, byteOffset, n);
  }

  function ptr(kernel: string, name: string, a: Float32Array): number {
    if (!ours.has(a.buffer)) {
      if (a.buffer === memory.buffer) {
        ours.add(a.buffer);
      } else {
        throw new TypeError(`${kernel}: ${name} is not in this backend's wasm memory; allocate it with backend.alloc()`);
      }
    }
    return a.byteOffset;
  }

  // Scratch space for kernels that repack a matrix (W_hhᵀ, Bᵀ, 4-row blocks of A as splats);
  // per backend, so backends on different threads never share it. The sizes follow the rules
  // at "Scratch:" in assembly/kernels.ts.
  let scratchOffset = 0;
  let scratchFloats = 0;
  function scratch(n: number): number {
    if (n > scratchFloats) {
      scratchFloats = Math.max(n, 2 * scratchFloats, 16384);
      scratchOffset = allocBytes(memory, scratchFloats * 4);
    }
    return scratchOffset;
  }
  const roundUp16 = (n: number) => Math.ceil(n / 16) * 16;
  const packFloats = 16 * k.KC.value; // one packed K-chunk of a 4-row block of A

  const context: WasmKernelContext = { exports: instance.exports, ptr, scratch };

  return {
    name: 'wasm-simd',
    memory,
    module,
    flavour: kernelFlavour(),
    ...wasmGatesKernels(context),
    ...wasmTransformerKernels(context),
    ...wasmOnlineKernels(context),
    alloc,
    view,

    matmulABt(C, A, B, M, N, K, accumulate) {
      checkMatmul('matmulABt', C, A, B, M, N, K);
      const s = scratch(roundUp16(N * K) + packFloats);
      k.matmulABt(ptr('matmulABt', 'C', C), ptr('matmulABt', 'A', A), ptr('matmulABt', 'B', B), M, N, K, accumulate ? 1 : 0, s);
    },

    matmulAB(C, A, B, M, N, K, accumulate) {
      checkMatmul('matmulAB', C, A, B, M, N, K);
      k.matmulAB(ptr('matmulAB', 'C', C), ptr('matmulAB', 'A', A), ptr('matmulAB', 'B', B), M, N, K, accumulate ? 1 : 0,
        scratch(packFloats));
    },

    matmulAtB(C, A, B, M, N, K, accumulate) {
      checkMatmul('matmulAtB', C, A, B, M, N, K);
      k.matmulAtB(ptr('matmulAtB', 'C', C), ptr('matmulAtB', 'A', A), ptr('matmulAtB', 'B', B), M, N, K, accumulate ? 1 : 0,
        scratch(packFloats));
    },

    addBias(out, bias, R, N) {
      checkRows('addBias', out, bias, R, N);
      k.addBias(ptr('addBias', 'out', out), ptr('addBias', 'bias', bias), R, N);
    },

    sumRows(dbias, d, R, N) {
      checkRows('sumRows', d, dbias, R, N);
      k.sumRows(ptr('sumRows', 'dbias', dbias), ptr('sumRows', 'd', d), R, N);
    },

    tanh(out, x, n) {
      checkSizes('tanh', { n });
      checkLength('tanh', 'out', out, n);
      checkLength('tanh', 'x', x, n);
      k.tanh(ptr('tanh', 'out', out), ptr('tanh', 'x', x), n);
    },

    rnnTanhForward(h, pre, Whh, B, T, H) {
      checkRnn('rnnTanhForward', { h, pre }, Whh, B, T, H);
      const s = scratch(roundUp16(H * H) + 16 * H);
      k.rnnTanhForward(ptr('rnnTanhForward', 'h', h), ptr('rnnTanhForward', 'pre', pre),
        ptr('rnnTanhForward', 'Whh', Whh), B, T, H, s);
    },

    rnnTanhBackward(dpre, dh, h, Whh, B, T, H) {
      checkRnn('rnnTanhBackward', { dpre, dh, h }, Whh, B, T, H);
      const s = scratch(16 * H);
      k.rnnTanhBackward(ptr('rnnTanhBackward', 'dpre', dpre), ptr('rnnTanhBackward', 'dh', dh),
        ptr('rnnTanhBackward', 'h', h), ptr('rnnTanhBackward', 'Whh', Whh), B, T, H, s);
    },

    causalSoftmax(p, R, N, r0, scale) {
      checkSoftmax('causalSoftmax', { p }, R, N, r0, scale);
      // r0 ≥ N sees every key, as N − 1 does; clamping keeps r0 + R within i32.
      k.causalSoftmax(ptr('causalSoftmax', 'p', p), R, N, Math.min(r0, N), scale);
    },

    causalSoftmaxBackward(ds, p, R, N, r0, scale) {
      checkSoftmax('causalSoftmaxBackward', { ds, p }, R, N, r0, scale);
      k.causalSoftmaxBackward(ptr('causalSoftmaxBackward', 'ds', ds), ptr('causalSoftmaxBackward', 'p', p), R, N, Math.min(r0, N), scale);
    },

    adamw(param, grad, m, v, n, step) {
      checkAdamw(param, grad, m, v, n);
      const s = adamwScalars(step);
      k.adamw(ptr('adamw', 'param', param), ptr('adamw', 'grad', grad), ptr('adamw', 'm', m), ptr('adamw', 'v', v), n,
        s.decay, s.beta1, s.omb1, s.beta2, s.omb2, s.negStepSize, s.bc2sqrt, s.eps);
    },
  };
}
