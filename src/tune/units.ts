/**
 * The units of a tune study as planned: what each may vary (its space, less what the user
 * fixed), how many trials it gets, its rungs, and how long its best config is retrained.
 */
import { resolve } from 'node:path';
import { SETTINGS } from '../config/settings.js';
import type { StudyInputs } from '../compare/inputs.js';
import type { OnlineUnit } from '../models/online.js';
import { SEARCHABLE_SETTINGS, type SearchSpace } from '../models/search.js';
import { ashaRungs } from './asha.js';
import type { PlanJson } from './journal.js';
import { isEmptySpace, spaceOf, withoutFixed } from './space.js';
import type { BestTrial } from './state.js';

export interface TuneUnit {
  /** How the journal and run folders name it: the built-in name or the module's file name. */
  key: string;
  /** How tables name it. */
  label: string;
  /** Built-in name or the module's absolute path. */
  model: string;
  kind: 'backprop' | 'online';
  /** Learns all it can in one pass: a trial is one epoch, with no rungs to stop at. */
  closedForm: boolean;
  space: SearchSpace;
  /** 0 when its space is empty (the baselines). */
  trials: number;
  /** Epochs at each rung; the last is the most a trial runs. */
  rungs: number[];
  /** Its own `--opt` settings, under what trials vary. */
  own: Record<string, string>;
}

/** The study's units, from its checked inputs; `epochs` is the most a trial runs. */
export function planUnits(inputs: StudyInputs, plan: PlanJson, epochs: number): TuneUnit[] {
  const fixed = SEARCHABLE_SETTINGS.filter((k) => plan.fixed.includes(SETTINGS[k].json));
  return inputs.sources.map((source, i) => {
    const unit = inputs.units[i];
    const closedForm = unit.kind === 'online' && (unit as OnlineUnit).passes === 1;
    const own = inputs.routed.get(source.key)!;
    const space = withoutFixed(spaceOf(source.search, unit.kind), fixed, Object.keys(own));
    return {
      key: source.key,
      label: inputs.labels[i],
      model: source.moduleUrl ? resolve(source.spec) : source.spec,
      kind: unit.kind,
      closedForm,
      space,
      trials: isEmptySpace(space) ? 0 : plan.trials,
      rungs: closedForm ? [1] : ashaRungs(epochs),
      own,
    };
  });
}

/** A closed-form unit learns all it can in its best trial's one epoch; the others retrain for the whole budget. */
export function retrainEpochs(unit: TuneUnit, best: BestTrial | null, epochs: number): number {
  return unit.closedForm ? (best ? unit.rungs[best.rung] : 1) : epochs;
}
