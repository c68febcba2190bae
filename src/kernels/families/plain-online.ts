// The plain TypeScript reference of the kernels in online.ts.

import type { OnlineKernels } from './online.js';

export function plainOnlineKernels(): OnlineKernels {
  return {};
}
