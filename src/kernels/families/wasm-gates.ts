// The wasm wrappers of the kernels in gates.ts (assembly/gates.ts).

import type { WasmKernelContext } from './context.js';
import type { GateKernels } from './gates.js';

export function wasmGatesKernels(_context: WasmKernelContext): GateKernels {
  return {};
}
