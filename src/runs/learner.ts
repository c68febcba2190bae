/**
 * One entry point for both kinds of unit: builds the unit a config names,
 * checks it, and returns the trainer that fits it: the batched, threaded
 * backprop Trainer, or the streaming OnlineTrainer.
 */
import type { Segments, Split } from '../data/dataset.js';
import { Xoshiro128 } from '../data/rng.js';
import { zeroFraction, type CostReport } from '../models/cost.js';
import type { SequenceModel } from '../models/model.js';
import { unitThrew } from '../models/unit-errors.js';
import { routeOptions } from '../models/options.js';
import { isOnline, unitContext, type PredictorUnit, type UnitShape } from '../models/unit.js';
import type { Backend } from '../kernels/backend.js';
import { UsageError } from '../errors.js';
import { checkCausality } from '../units/causality.js';
import { createChecked, probeUnit } from '../units/check.js';
import { resolveUnit, type UnitSource } from '../units/load.js';
import type { TrainConfig } from '../config/settings.js';
import { OnlineTrainer } from '../train/online-trainer.js';
import { backendFor, Trainer } from '../train/trainer.js';

export type Learner = Trainer | OnlineTrainer;
export type { CostReport };

/** The shape of the unit `config` trains on `features` per frame and `steps` steps, with its own `options`. */
function unitShape(config: TrainConfig, features: number, steps: number, options: Readonly<Record<string, string>>): UnitShape {
  const { hidden, horizon, lr, seed } = config;
  return { features, hidden, steps, horizon, lr, seed, options };
}

/** A backprop unit's initial parameters for `seed`, in `be`'s memory; a throw in init is unitThrew's one-line error. */
function initialParams(unit: SequenceModel, label: string, be: Backend, seed: number): Float32Array {
  const params = be.alloc(unit.layout.size);
  try {
    unit.init(params, Xoshiro128.fromSeed(seed, 'init'));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw unitThrew(label, 'init', 'before training', err, 2);
  }
  return params;
}

/**
 * The unit `source` names, built for `features` per frame and sequences of
 * `steps` with its share of `--opt`, checked (and, for user modules, probed
 * on random frames); a backprop unit must also pass the causality probe with
 * its initial parameters (returned as `initial`, in `be`'s memory), unless it
 * is rebuilt from a run that trained (`trained`: it passed then). Every
 * problem is a UsageError naming the unit.
 */
export function buildUnit(
  source: UnitSource,
  config: TrainConfig,
  features: number,
  steps: number,
  be: Backend,
  { trained = false } = {},
): { unit: PredictorUnit; shape: UnitShape; initial?: Float32Array } {
  const options = routeOptions(config.options, [source.key]).get(source.key)!;
  const shape = unitShape(config, features, steps, options);
  const context = unitContext(shape, be);
  const unit = createChecked(source.factory, context, source.label);
  if (!source.moduleUrl && unit.kind === 'backprop' && Object.keys(options).length) {
    throw new UsageError(`unit ${source.label} takes no options; got ${Object.keys(options).join(', ')}`);
  }
  if (source.moduleUrl) probeUnit(source.factory, context, source.label);
  if (unit.kind !== 'backprop' || trained) return { unit, shape };
  const initial = initialParams(unit, source.label, be, config.seed);
  checkCausality(unit, source.label, be, steps, initial, config.seed);
  return { unit, shape, initial };
}

/** The unit `config.model` names (loaded now, or `source` if already loaded), ready to train. */
export async function createLearner(segments: Segments, split: Split, config: TrainConfig, source?: UnitSource): Promise<Learner> {
  const unitSource = source ?? (await resolveUnit(config.model));
  const be = backendFor(config);
  const { unit, shape, initial } = buildUnit(unitSource, config, segments.features, segments.length - 1, be);
  if (isOnline(unit)) return new OnlineTrainer(unit, unitSource.label, segments, split, config, be);
  return Trainer.create(segments, split, config, unit, initial!, be, unitSource, shape);
}

/** The unit a learner trains. */
export function unitOf(learner: Learner): PredictorUnit {
  return learner instanceof OnlineTrainer ? learner.unit : learner.model;
}

export function costReport(learner: Learner): CostReport {
  const unit = unitOf(learner);
  const params = unit.layout.size;
  const trainable = learner instanceof OnlineTrainer ? (learner.unit.trainableCount ?? params) : params;
  return {
    params,
    trainable,
    memoryBytes: 4 * (params + (unit.stateSize ?? 0)),
    connectionSparsity: zeroFraction(learner.params, learner.params.length),
    ...learner.cost(),
  };
}
