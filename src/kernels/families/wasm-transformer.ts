// The wasm wrappers of the kernels in transformer.ts (assembly/transformer.ts).

import type { WasmKernelContext } from './context.js';
import type { TransformerKernels } from './transformer.js';

export function wasmTransformerKernels(_context: WasmKernelContext): TransformerKernels {
  return {};
}
