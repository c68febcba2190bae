/**
 * What a unit module may import from 'audiopred' where the package itself cannot be imported:
 * a browser page, whose units are compiled from its editor into blob: modules. The module's
 * `import … from 'audiopred'` is pointed at a small module (unitApiModule) that hands out these
 * values, which each thread that builds the unit puts on globalThis first (exposeUnitApi).
 * In Node, 'audiopred' is the package (src/index.ts), which exports all of these too.
 */
import { Xoshiro128 } from '../data/rng.js';
import { UsageError } from '../errors.js';
import { readOptions } from '../models/options.js';
import { layoutParams, paramViews } from '../models/params.js';
import { adamwStep, createAdamW } from '../optim/adamw.js';
import { shiftedMse, shiftedMseBackward } from '../train/loss.js';

export const UNIT_API = { readOptions, layoutParams, paramViews, Xoshiro128, createAdamW, adamwStep, shiftedMse, shiftedMseBackward, UsageError } as const;

const GLOBAL_NAME = '__audiopredUnitApi';

export function exposeUnitApi(): void {
  (globalThis as Record<string, unknown>)[GLOBAL_NAME] = UNIT_API;
}

/** The source of the module that 'audiopred' resolves to in a page unit. */
export function unitApiModule(): string {
  const names = Object.keys(UNIT_API);
  const missing = `throw new Error("audiopred's unit API is not on this thread")`;
  return [
    `const api = globalThis.${GLOBAL_NAME};`,
    `if (!api) ${missing};`,
    ...names.map((n) => `export const ${n} = api.${n};`),
  ].join('\n');
}
