/**
 * A predictor unit is either kind of model audiopred trains: a SequenceModel
 * (trained by backprop: audiopred runs BPTT, AdamW, batches and threads) or
 * an OnlineUnit (learns by its own rule while audiopred streams frames
 * through it). Built-in models and user modules (see docs/units.md) are made
 * the same way: a factory called with a UnitContext.
 */
import { Xoshiro128, type Rng } from '../data/rng.js';
import { UsageError } from '../errors.js';
import type { Backend } from '../kernels/backend.js';
import type { SequenceModel } from './model.js';
import type { OnlineUnit } from './online.js';
import { checkSearchSpace, type SearchSpace } from './search.js';

export type PredictorUnit = SequenceModel | OnlineUnit;

/** Everything a factory may size or seed a unit by. */
export interface UnitContext {
  /** F: features per frame, in and out (12 MFCCs by default). */
  readonly features: number;
  /** --hidden: hidden units, reservoir size or width; units without one ignore it. */
  readonly hidden: number;
  /** T: the longest sequence forward or step loops will see. */
  readonly steps: number;
  /** --horizon: a prediction at step t is scored against frame t + horizon. */
  readonly horizon: number;
  /** --lr: the learning rate, for units that have one (AdamW's for backprop units). */
  readonly lr: number;
  /** Unit-specific settings from `--opt key=value` (strings; the unit parses and checks them). */
  readonly options: Readonly<Record<string, string>>;
  /** A seeded stream of its own, for fixed random structure (e.g. a reservoir). Backprop units' weights come from init. */
  readonly rng: Rng;
  /** Kernels and the memory they work in (allocate parameter-sized buffers with backend.alloc). */
  readonly backend: Backend;
}

export type UnitFactory = (context: UnitContext) => PredictorUnit;

export function isOnline(unit: PredictorUnit): unit is OnlineUnit {
  return unit.kind === 'online';
}

/** Where a unit comes from, as the trainers need it: how messages name it, and the bundled module's URL that worker threads import (absent for built-ins). */
export interface UnitOrigin {
  /** What the user gave: a built-in name or a module path. */
  readonly spec: string;
  readonly label: string;
  readonly moduleUrl?: string;
}

/** The plain-data part of a UnitContext: what a worker thread needs to build the same unit. */
export interface UnitShape {
  readonly features: number;
  readonly hidden: number;
  readonly steps: number;
  readonly horizon: number;
  readonly lr: number;
  readonly seed: number;
  readonly options: Readonly<Record<string, string>>;
}

/** The context a unit is built with; every thread that builds it gets the same seeded stream. */
export function unitContext(shape: UnitShape, backend: Backend): UnitContext {
  const { features, hidden, steps, horizon, lr, options } = shape;
  return { features, hidden, steps, horizon, lr, options, backend, rng: Xoshiro128.fromSeed(shape.seed, 'unit') };
}

/** What a bundled unit module exports: its factory, and the search space `audiopred tune` varies if it declares one. */
export interface UnitModule {
  readonly factory: UnitFactory;
  readonly search?: SearchSpace;
}

/** The factory (`export default` or `export function createUnit`) and `export const search` of a bundled unit module. */
export async function importUnitModule(moduleUrl: string, spec: string): Promise<UnitModule> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(moduleUrl)) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`unit ${spec} failed to load: ${firstLine(err)}`);
  }
  const factory = typeof mod.default === 'function' ? mod.default : mod.createUnit;
  if (typeof factory !== 'function') {
    throw new UsageError(
      `unit ${spec} exports no factory; export default (context) => unit, or export function createUnit(context) (see docs/units.md)`,
    );
  }
  return { factory: factory as UnitFactory, ...(mod.search !== undefined ? { search: checkSearchSpace(spec, mod.search) } : {}) };
}

/** The factory of a bundled unit module. */
export async function importUnitFactory(moduleUrl: string, spec: string): Promise<UnitFactory> {
  return (await importUnitModule(moduleUrl, spec)).factory;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
