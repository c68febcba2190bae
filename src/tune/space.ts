/**
 * Drawing trial configurations from a unit's search space. Trial i of a unit draws from its own
 * seeded stream, named by the unit and i, so its config depends only on (study seed, unit, i):
 * not on the other units, the order trials start in, or how many trials the study runs.
 */
import { Xoshiro128, type Rng } from '../data/rng.js';
import { BACKPROP_SPACE, ONLINE_SPACE, SEARCHABLE_SETTINGS, type SearchableSetting, type SearchParam, type SearchSpace } from '../models/search.js';
import type { TunedConfig } from '../compare/tuned.js';

/** The space a unit declared, or the default of its kind. */
export function spaceOf(declared: SearchSpace | undefined, kind: 'backprop' | 'online'): SearchSpace {
  return declared ?? (kind === 'backprop' ? BACKPROP_SPACE : ONLINE_SPACE);
}

/** `space` without what the user fixed: settings given on the command line, options given with --opt. */
export function withoutFixed(space: SearchSpace, settings: readonly SearchableSetting[], options: readonly string[]): SearchSpace {
  const out: { -readonly [K in keyof SearchSpace]: SearchSpace[K] } = {};
  for (const key of SEARCHABLE_SETTINGS) if (space[key] && !settings.includes(key)) out[key] = space[key];
  const own = Object.entries(space.options ?? {}).filter(([name]) => !options.includes(name));
  if (own.length) out.options = Object.fromEntries(own);
  return out;
}

/** Whether there is nothing to vary (the baselines): such a unit runs no trials. */
export function isEmptySpace(space: SearchSpace): boolean {
  return SEARCHABLE_SETTINGS.every((k) => space[k] === undefined) && Object.keys(space.options ?? {}).length === 0;
}

/** Three significant digits: a config a person can read and type, still inside [lo, hi]. */
function rounded(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Number(x.toPrecision(3))));
}

/** One value of `param`, from one uniform draw. */
export function drawParam(param: SearchParam, rng: Rng): number {
  const u = rng.nextFloat();
  if ('log' in param) {
    const [lo, hi] = param.log;
    return rounded(Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))), lo, hi);
  }
  if ('uniform' in param) {
    const [lo, hi] = param.uniform;
    return rounded(lo + u * (hi - lo), lo, hi);
  }
  if ('int' in param) {
    const [lo, hi] = param.int;
    return lo + Math.floor(u * (hi - lo + 1));
  }
  return param.choice[Math.floor(u * param.choice.length)];
}

/** Trial `trial`'s configuration of unit `unit` (its key: built-in name or module file name). */
export function sampleTrial(space: SearchSpace, seed: number, unit: string, trial: number): TunedConfig {
  const rng = Xoshiro128.fromSeed(seed, `tune ${unit} trial ${trial}`);
  const config: TunedConfig = {};
  for (const key of SEARCHABLE_SETTINGS) {
    const param = space[key];
    if (param) config[key] = drawParam(param, rng);
  }
  const options = Object.entries(space.options ?? {});
  if (options.length) config.options = Object.fromEntries(options.map(([name, param]) => [name, drawParam(param, rng)]));
  return config;
}
