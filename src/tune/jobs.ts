/**
 * The runs of a tune study as jobs for an executor, each with its folder under DIR:
 *
 *   DIR/reference/REC          persistence, seeded by the study
 *   DIR/trials/UNIT/tI-REC     trial I of UNIT, continued from rung to rung in the same folder
 *   DIR/retrain/UNIT/sS-REC    the best config of UNIT with seed S
 *
 * Every run has one thread (so runs side by side do not share cores, and results do not depend
 * on how many run at once) and the study's split, whatever its own seed.
 */
import { join } from 'node:path';
import { configToJson, type TrainConfig } from '../config/settings.js';
import type { Job } from '../jobs/job.js';
import { REFERENCE_UNIT } from '../compare/summary.js';
import { recordingName } from '../compare/inputs.js';
import { withTuned, type TunedConfig } from '../compare/tuned.js';
import type { PlanJson } from './journal.js';
import type { TuneUnit } from './units.js';
import { sampleTrial } from './space.js';


export interface TuneJobs {
  reference(file: string): Job;
  trial(unit: TuneUnit, trial: number, rung: number, file: string): Job;
  retrain(unit: TuneUnit, seed: number, epochs: number, tuned: TunedConfig, file: string): Job;
  /** Trial `trial`'s configuration of `unit`. */
  trialConfig(unit: TuneUnit, trial: number): TunedConfig;
}

export function tuneJobs(dir: string, plan: PlanJson, config: TrainConfig): TuneJobs {
  const job = (out: string, file: string, label: string, model: string, seed: number, epochs: number, runConfig: TrainConfig): Job => {
    const full: TrainConfig = { ...runConfig, model, seed, epochs, threads: 1 };
    return {
      model,
      label,
      seed,
      audio: file,
      // The keys the settings table reads as the split once it has them.
      config: { ...configToJson(full), split: plan.split, split_seed: plan.split_seed },
      options: Object.entries(full.options).map(([k, v]) => `${k}=${v}`),
      threads: 1,
      out,
      saveEvery: 0,
    };
  };
  const trialConfig = (u: TuneUnit, trial: number) => sampleTrial(u.space, plan.seed, u.key, trial);
  const unitConfig = (u: TuneUnit, tuned: TunedConfig) => withTuned({ ...config, options: u.own }, tuned);
  return {
    reference: (file) => job(join(dir, 'reference', recordingName(file)), file, REFERENCE_UNIT, REFERENCE_UNIT, plan.seed, 1, { ...config, options: {} }),
    trial: (u, trial, rung, file) =>
      job(join(dir, 'trials', u.key, `t${trial}-${recordingName(file)}`), file, u.label, u.model, plan.seed, u.rungs[rung], unitConfig(u, trialConfig(u, trial))),
    retrain: (u, seed, epochs, tuned, file) => job(join(dir, 'retrain', u.key, `s${seed}-${recordingName(file)}`), file, u.label, u.model, seed, epochs, unitConfig(u, tuned)),
    trialConfig,
  };
}
