// The plain TypeScript reference of the kernels in gates.ts.

import type { GateKernels } from './gates.js';

export function plainGatesKernels(): GateKernels {
  return {};
}
