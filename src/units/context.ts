import { Xoshiro128 } from '../data/rng.js';
import type { Backend } from '../kernels/backend.js';
import type { UnitContext } from '../models/unit.js';
import type { TrainConfig } from '../config/settings.js';

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

/** The shape of the unit `config` trains on `features` per frame and `steps` steps, with its own `options`. */
export function unitShape(config: TrainConfig, features: number, steps: number, options: Readonly<Record<string, string>>): UnitShape {
  const { hidden, horizon, lr, seed } = config;
  return { features, hidden, steps, horizon, lr, seed, options };
}

/** The context a unit is built with; every thread that builds it gets the same seeded stream. */
export function unitContext(shape: UnitShape, backend: Backend): UnitContext {
  const { features, hidden, steps, horizon, lr, options } = shape;
  return { features, hidden, steps, horizon, lr, options, backend, rng: Xoshiro128.fromSeed(shape.seed, 'unit') };
}
