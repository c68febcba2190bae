// The plain TypeScript reference of the kernels in transformer.ts.

import type { TransformerKernels } from './transformer.js';

export function plainTransformerKernels(): TransformerKernels {
  return {};
}
