/**
 * What a unit lets `audiopred tune` vary: a search space over the settings it reads (learning
 * rate, hidden size, weight decay, batch size) and its own `--opt` options. Built-in units declare
 * theirs in the registry; a user module exports `search` beside its factory (docs/units.md).
 * Sampling lives in src/tune/space.ts; this file only says what a declaration is.
 */
import { UsageError } from '../errors.js';

/** One value to draw: log-uniform, uniform, an integer in [lo, hi], or one of a list. */
export type SearchParam =
  | { readonly log: readonly [number, number] }
  | { readonly uniform: readonly [number, number] }
  | { readonly int: readonly [number, number] }
  | { readonly choice: readonly number[] };

/** The settings a space may vary, by their TrainConfig names. */
export const SEARCHABLE_SETTINGS = ['lr', 'hidden', 'weightDecay', 'batch'] as const;
export type SearchableSetting = (typeof SEARCHABLE_SETTINGS)[number];

export type SearchSpace = { readonly [K in SearchableSetting]?: SearchParam } & {
  /** The unit's own options (`--opt key=value`), by key. */
  readonly options?: Readonly<Record<string, SearchParam>>;
};

const BATCHES = { choice: [4, 8, 16, 32] } as const;
const WEIGHT_DECAYS = { choice: [0, 1e-4, 1e-3, 1e-2, 1e-1] } as const;

/** A unit trained by backprop that declares nothing: AdamW's learning rate and weight decay, its size and the batch. */
export const BACKPROP_SPACE: SearchSpace = {
  lr: { log: [1e-4, 3e-2] },
  hidden: { choice: [32, 64, 128, 256] },
  weightDecay: WEIGHT_DECAYS,
  batch: BATCHES,
};

/** An online unit that declares nothing: its learning rate and size (it reads no batch or weight decay). */
export const ONLINE_SPACE: SearchSpace = {
  lr: { log: [1e-4, 1e-2] },
  hidden: { choice: [32, 64, 128, 256] },
};

/** Nothing to tune (the baselines): `tune` runs no trials and retrains the defaults. */
export const NO_SPACE: SearchSpace = {};

const isNumberPair = (v: unknown): v is [number, number] =>
  Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && v[0] <= v[1];

function checkParam(where: string, param: unknown): void {
  const keys = typeof param === 'object' && param !== null ? Object.keys(param) : [];
  const kind = keys.length === 1 ? keys[0] : undefined;
  const value = kind ? (param as Record<string, unknown>)[kind] : undefined;
  const ok =
    kind === 'log' ? isNumberPair(value) && value[0] > 0 :
    kind === 'uniform' ? isNumberPair(value) :
    kind === 'int' ? isNumberPair(value) && value.every(Number.isSafeInteger) :
    kind === 'choice' ? Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'number' && Number.isFinite(x)) :
    false;
  if (!ok) {
    throw new UsageError(
      `${where} must be one of { log: [lo, hi] } (0 < lo ≤ hi), { uniform: [lo, hi] }, { int: [lo, hi] } or { choice: [a, b, …] }, got ${JSON.stringify(param)}`,
    );
  }
}

/** `raw` as a SearchSpace, or a UsageError naming `unit` and the entry that is wrong. */
export function checkSearchSpace(unit: string, raw: unknown): SearchSpace {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UsageError(`unit ${unit}: its search export must be an object such as { lr: { log: [1e-4, 1e-2] } }, got ${JSON.stringify(raw)}`);
  }
  for (const [key, param] of Object.entries(raw)) {
    if (key === 'options') {
      if (typeof param !== 'object' || param === null || Array.isArray(param)) throw new UsageError(`unit ${unit}: search.options must be an object of options, got ${JSON.stringify(param)}`);
      for (const [name, p] of Object.entries(param)) checkParam(`unit ${unit}: search.options.${name}`, p);
    } else if ((SEARCHABLE_SETTINGS as readonly string[]).includes(key)) {
      checkParam(`unit ${unit}: search.${key}`, param);
      const counts = key === 'hidden' || key === 'batch';
      const values = 'int' in param ? param.int : 'choice' in param ? param.choice : [NaN];
      if (counts && !values.every((v: number) => Number.isSafeInteger(v) && v >= 1)) {
        throw new UsageError(`unit ${unit}: search.${key} is a count: give { int: [lo, hi] } or { choice: [...] } of integers ≥ 1, got ${JSON.stringify(param)}`);
      }
    } else {
      throw new UsageError(`unit ${unit}: search.${key} is not a setting tune varies; use ${SEARCHABLE_SETTINGS.join(', ')} or options`);
    }
  }
  return raw as SearchSpace;
}
