// The wasm wrappers of the kernels in online.ts (assembly/online.ts).

import type { WasmKernelContext } from './context.js';
import { checkEpropDelta, checkEpropStep, checkRlsDowndate, checkRlsGain, type OnlineKernels } from './online.js';

/** The raw exports of assembly/online.ts: byte offsets and element counts. */
interface OnlineExports {
  epropStep(a: number, h: number, y: number, trace: number, x: number, hPrev: number,
    Wih: number, Whh: number, b: number, Wfc: number, bfc: number, F: number, N: number, alpha: number): void;
  epropDelta(delta: number, h: number, n: number): void;
  rlsGain(u: number, P: number, z: number, D: number): void;
  rlsDowndate(P: number, u: number, g: number, D: number): void;
}

export function wasmOnlineKernels(context: WasmKernelContext): OnlineKernels {
  const k = context.exports as unknown as OnlineExports;
  const ptr = context.ptr;
  /** The byte offset of a float64 array, checked as ptr checks float32 ones. */
  const ptr64 = (kernel: string, name: string, a: Float64Array) => ptr(kernel, name, new Float32Array(a.buffer, a.byteOffset, 0));
  return {
    epropStep(a, h, y, trace, x, hPrev, Wih, Whh, b, Wfc, bfc, F, N, alpha) {
      checkEpropStep(a, h, y, trace, x, hPrev, Wih, Whh, b, Wfc, bfc, F, N, alpha);
      const n = 'epropStep';
      k.epropStep(ptr(n, 'a', a), ptr(n, 'h', h), ptr(n, 'y', y), ptr(n, 'trace', trace), ptr(n, 'x', x),
        ptr(n, 'hPrev', hPrev), ptr(n, 'Wih', Wih), ptr(n, 'Whh', Whh), ptr(n, 'b', b), ptr(n, 'Wfc', Wfc),
        ptr(n, 'bfc', bfc), F, N, alpha);
    },

    epropDelta(delta, h, n) {
      checkEpropDelta(delta, h, n);
      k.epropDelta(ptr('epropDelta', 'delta', delta), ptr('epropDelta', 'h', h), n);
    },

    rlsGain(u, P, z, D) {
      checkRlsGain(u, P, z, D);
      k.rlsGain(ptr64('rlsGain', 'u', u), ptr64('rlsGain', 'P', P), ptr64('rlsGain', 'z', z), D);
    },

    rlsDowndate(P, u, g, D) {
      checkRlsDowndate(P, u, g, D);
      k.rlsDowndate(ptr64('rlsDowndate', 'P', P), ptr64('rlsDowndate', 'u', u), g, D);
    },
  };
}
