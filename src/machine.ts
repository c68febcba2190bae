// The machine as the trainers need it: how many threads it can run at once. A browser build
// uses machine.browser.ts instead.

import { availableParallelism } from 'node:os';

export function coreCount(): number {
  return availableParallelism();
}
