// The wasm wrappers of the kernels in gates.ts (assembly/gates.ts).

import type { WasmKernelContext } from './context.js';
import { checkGates, type GateKernels } from './gates.js';

/** The raw exports: pointers are byte offsets, sizes element counts. */
interface GateExports {
  gruForward(h: number, ghn: number, gates: number, Whh: number, bhh: number, B: number, T: number, H: number, scratch: number): void;
  gruBackward(dgi: number, dgh: number, dh: number, gates: number, ghn: number, h: number, Whh: number,
    B: number, T: number, H: number, scratch: number): void;
  lstmForward(h: number, c: number, tanhC: number, gates: number, Whh: number, B: number, T: number, H: number, scratch: number): void;
  lstmBackward(dgates: number, dh: number, gates: number, c: number, tanhC: number, Whh: number,
    B: number, T: number, H: number, scratch: number): void;
}

/** Scratch regions start on 64-byte boundaries: each is rounded up to 16 floats. */
const roundUp16 = (n: number) => Math.ceil(n / 16) * 16;

export function wasmGatesKernels(context: WasmKernelContext): GateKernels {
  const k = context.exports as unknown as GateExports;
  const { ptr, scratch } = context;
  // Scratch sizes: the rules at the head of assembly/gates.ts.
  return {
    gruForward(h, ghn, gates, Whh, bhh, B, T, H) {
      checkGates('gruForward', 3, { h, ghn }, { gates }, Whh, B, T, H, bhh);
      const s = scratch(roundUp16(3 * H * H) + roundUp16(3 * H * B) + 16 * H);
      k.gruForward(ptr('gruForward', 'h', h), ptr('gruForward', 'ghn', ghn), ptr('gruForward', 'gates', gates),
        ptr('gruForward', 'Whh', Whh), ptr('gruForward', 'bhh', bhh), B, T, H, s);
    },

    gruBackward(dgi, dgh, dh, gates, ghn, h, Whh, B, T, H) {
      checkGates('gruBackward', 3, { dh, ghn, h }, { dgi, dgh, gates }, Whh, B, T, H);
      const s = scratch(16 * 3 * H);
      k.gruBackward(ptr('gruBackward', 'dgi', dgi), ptr('gruBackward', 'dgh', dgh), ptr('gruBackward', 'dh', dh),
        ptr('gruBackward', 'gates', gates), ptr('gruBackward', 'ghn', ghn), ptr('gruBackward', 'h', h),
        ptr('gruBackward', 'Whh', Whh), B, T, H, s);
    },

    lstmForward(h, c, tanhC, gates, Whh, B, T, H) {
      checkGates('lstmForward', 4, { h, c, tanhC }, { gates }, Whh, B, T, H);
      const s = scratch(roundUp16(4 * H * H) + 16 * H);
      k.lstmForward(ptr('lstmForward', 'h', h), ptr('lstmForward', 'c', c), ptr('lstmForward', 'tanhC', tanhC),
        ptr('lstmForward', 'gates', gates), ptr('lstmForward', 'Whh', Whh), B, T, H, s);
    },

    lstmBackward(dgates, dh, gates, c, tanhC, Whh, B, T, H) {
      checkGates('lstmBackward', 4, { dh, c, tanhC }, { dgates, gates }, Whh, B, T, H);
      const s = scratch(roundUp16(B * H) + 16 * 4 * H);
      k.lstmBackward(ptr('lstmBackward', 'dgates', dgates), ptr('lstmBackward', 'dh', dh),
        ptr('lstmBackward', 'gates', gates), ptr('lstmBackward', 'c', c), ptr('lstmBackward', 'tanhC', tanhC),
        ptr('lstmBackward', 'Whh', Whh), B, T, H, s);
    },
  };
}
