// The wasm wrappers of the kernels in online.ts (assembly/online.ts).

import type { WasmKernelContext } from './context.js';
import type { OnlineKernels } from './online.js';

export function wasmOnlineKernels(_context: WasmKernelContext): OnlineKernels {
  return {};
}
