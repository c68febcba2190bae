/**
 * DIR/tune.json: a tune study's verdict, built from its journal (state.ts) and read back by
 * `compare --tuned`. Per unit: its search space and rungs, every trial (config, epochs, score at
 * each rung, best validation loss, how it ended), the best configuration, and its retrain runs'
 * test losses summarised over seeds with the paired improvement over persistence.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SETTINGS, type ConfigJson, type TrainConfig } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { SEARCHABLE_SETTINGS, type SearchSpace } from '../models/search.js';
import { summarize, type Summary } from '../compare/stats.js';
import { REFERENCE_UNIT } from '../compare/summary.js';
import { tunedFromJson, tunedToJson, type TunedConfig } from '../compare/tuned.js';
import { version } from '../version.js';
import { ashaRungs, REDUCTION } from './asha.js';
import type { PlanJson, TrialStatus } from './journal.js';
import { sampleTrial } from './space.js';
import type { StudyState } from './state.js';
import { retrainEpochs, type TuneUnit } from './units.js';

export const TUNE_FILE = 'tune.json';

export interface TrialRecordJson {
  trial: number;
  config: Record<string, unknown>;
  /** 'running' only in a study that was stopped. */
  status: TrialStatus | 'running';
  /** Epochs trained (the last rung it reported). */
  epochs: number;
  /** Its score at each rung it reached: mean over recordings of its val_loss / persistence's; null if a run diverged. */
  scores: { rung: number; epochs: number; score: number | null; val_loss: Record<string, number | null> }[];
  /** Its best validation loss over every epoch, per recording and their mean; null before its first rung. */
  best_val: { mean: number | null; per_recording: Record<string, number | null> } | null;
  error?: string;
}

export interface TestLossJson extends Summary {
  seeds: number[];
  /** Mean over recordings for each seed (null: a run of that seed did not finish). */
  per_seed: (number | null)[];
  /** Mean over seeds for each recording. */
  per_recording: Record<string, number | null>;
}

export interface RetrainRunJson {
  seed: number;
  audio: string;
  status: 'ok' | 'diverged' | 'failed';
  epochs: number;
  val_loss: number | null;
  test_loss: number | null;
  run: string;
  error?: string;
}

export interface UnitRecordJson {
  unit: string;
  key: string;
  model: string;
  kind: 'backprop' | 'online';
  /** How it was scored on validation and test: online units by the study's --eval, backprop units 'n.a.' (always frozen). */
  eval: string;
  closed_form: boolean;
  rungs: number[];
  space: Record<string, unknown>;
  trials_run: number;
  trials_stopped: number;
  trials_diverged: number;
  /** Epochs over every trial (each trial counted once, not per recording). */
  epochs_spent: number;
  best_trial: number | null;
  /** Its score at the rung the best trial was chosen at. */
  best_score: number | null;
  /** The configuration retrained ({} = the defaults: nothing to tune); null if every trial diverged. */
  best_config: Record<string, unknown> | null;
  trials: TrialRecordJson[];
  retrain: { epochs: number; seeds: number[]; runs: RetrainRunJson[] };
  /** Over seeds of the per-seed mean over recordings; null until a retrain run finished with a test loss. */
  test_loss: TestLossJson | null;
  /** Persistence's test loss − this unit's, paired by (seed, recording): above 0 beats persistence; `wins` counts the pairs that do. */
  vs_persistence: (Summary & { wins: number }) | null;
}

export interface TuneRecord {
  audiopred: string;
  created: string;
  status: 'done' | 'interrupted';
  wall_seconds: number;
  settings: {
    trials: number;
    /** The most a trial runs, and what the retrain runs train. */
    epochs: number;
    seeds: number[];
    seed: number;
    split: [number, number, number];
    split_seed: number;
    eval: string;
    reduction: number;
    /** Rungs of the units trained over epochs (closed-form units have one, at 1 epoch). */
    rungs: number[];
    jobs: number;
  };
  /** The settings every run shares, before a unit's config. */
  config: ConfigJson;
  files: { path: string; segments: number }[];
  units: UnitRecordJson[];
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const meanOrNull = (xs: readonly (number | null)[]) => (xs.length && xs.every((x) => x !== null) ? mean(xs as number[]) : null);

function spaceJson(space: SearchSpace): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const key of SEARCHABLE_SETTINGS) if (space[key]) json[SETTINGS[key].json] = space[key];
  if (space.options && Object.keys(space.options).length) json.options = space.options;
  return json;
}

function trialJson(u: TuneUnit, plan: PlanJson, state: StudyState, trial: number): TrialRecordJson {
  const t = state.trial(u.key, trial);
  const last = t.rungs.at(-1);
  const perRecording = last?.best_val ?? null;
  const error = t.rungs.find((r) => r.error)?.error;
  return {
    trial,
    config: tunedToJson(sampleTrial(u.space, plan.seed, u.key, trial)),
    status: t.end?.status ?? 'running',
    epochs: last?.epochs ?? 0,
    scores: t.rungs.map((r) => ({ rung: r.rung, epochs: r.epochs, score: r.score, val_loss: r.val_loss })),
    best_val: perRecording ? { mean: meanOrNull(Object.values(perRecording)), per_recording: perRecording } : null,
    ...(error ? { error } : {}),
  };
}

function testLoss(runs: readonly RetrainRunJson[], seeds: readonly number[], audios: readonly string[]): TestLossJson | null {
  const of = (seed: number, audio: string) => runs.find((r) => r.seed === seed && r.audio === audio)?.test_loss ?? null;
  const perSeed = seeds.map((s) => meanOrNull(audios.map((a) => of(s, a))));
  const finished = perSeed.filter((x): x is number => x !== null);
  if (!finished.length) return null;
  const perRecording = Object.fromEntries(
    audios.map((a) => {
      const values = seeds.map((s) => of(s, a)).filter((x): x is number => x !== null);
      return [a, values.length ? mean(values) : null];
    }),
  );
  return { ...summarize(finished), seeds: [...seeds], per_seed: perSeed, per_recording: perRecording };
}

function versusPersistence(runs: readonly RetrainRunJson[], reference: ReadonlyMap<string, number | null>): UnitRecordJson['vs_persistence'] {
  const differences = runs.flatMap((r) => {
    const ref = reference.get(r.audio);
    return r.test_loss !== null && ref !== null && ref !== undefined ? [ref - r.test_loss] : [];
  });
  if (!differences.length) return null;
  return { ...summarize(differences), wins: differences.filter((d) => d > 0).length };
}

export interface RecordInputs {
  status: TuneRecord['status'];
  created: string;
  wallSeconds: number;
  plan: PlanJson;
  config: TrainConfig;
  units: readonly TuneUnit[];
  segments: ReadonlyMap<string, number>;
  state: StudyState;
}

export function buildTuneRecord(inputs: RecordInputs): TuneRecord {
  const { plan, config, units, state } = inputs;
  const audios = plan.files.map((f) => basename(f));
  const seeds = Array.from({ length: plan.seeds }, (_, i) => i + 1);
  const evalProtocol = String((config as unknown as Record<string, unknown>).eval ?? 'frozen');
  const referenceTest = new Map(audios.map((a) => [a, state.references.get(a)?.test_loss ?? null] as const));

  const referenceRuns: RetrainRunJson[] = audios.flatMap((a) => {
    const r = state.references.get(a);
    return r ? [{ seed: plan.seed, audio: a, status: 'ok' as const, epochs: 1, val_loss: r.val_loss, test_loss: r.test_loss, run: r.run }] : [];
  });
  const reference: UnitRecordJson = {
    unit: REFERENCE_UNIT, key: REFERENCE_UNIT, model: REFERENCE_UNIT, kind: 'backprop', eval: 'n.a.', closed_form: false, rungs: [], space: {},
    trials_run: 0, trials_stopped: 0, trials_diverged: 0, epochs_spent: 0, best_trial: null, best_score: null, best_config: {}, trials: [],
    retrain: { epochs: 1, seeds: [plan.seed], runs: referenceRuns },
    test_loss: testLoss(referenceRuns, [plan.seed], audios),
    vs_persistence: null,
  };

  const tuned = units.map((u): UnitRecordJson => {
    const trials = Array.from({ length: u.trials }, (_, i) => i).filter((i) => state.trial(u.key, i).started).map((i) => trialJson(u, plan, state, i));
    const best = state.best(u.key, u.trials);
    const bestConfig = u.trials === 0 ? {} : best ? tunedToJson(sampleTrial(u.space, plan.seed, u.key, best.trial)) : null;
    const runs = seeds.flatMap((seed) =>
      audios.flatMap((audio): RetrainRunJson[] => {
        const e = state.retrain(u.key, seed, audio);
        return e ? [{ seed, audio, status: e.status, epochs: e.epochs, val_loss: e.val_loss, test_loss: e.test_loss, run: e.run, ...(e.error ? { error: e.error } : {}) }] : [];
      }),
    );
    return {
      unit: u.label,
      key: u.key,
      model: u.model,
      kind: u.kind,
      eval: u.kind === 'online' ? evalProtocol : 'n.a.',
      closed_form: u.closedForm,
      rungs: u.rungs,
      space: spaceJson(u.space),
      trials_run: trials.length,
      trials_stopped: trials.filter((t) => t.status === 'stopped').length,
      trials_diverged: trials.filter((t) => t.status === 'diverged').length,
      epochs_spent: trials.reduce((a, t) => a + t.epochs, 0),
      best_trial: best?.trial ?? null,
      best_score: best?.score ?? null,
      best_config: bestConfig,
      trials,
      retrain: { epochs: retrainEpochs(u, best, config.epochs), seeds, runs },
      test_loss: testLoss(runs, seeds, audios),
      vs_persistence: versusPersistence(runs, referenceTest),
    };
  });

  return {
    audiopred: version,
    created: inputs.created,
    status: inputs.status,
    wall_seconds: inputs.wallSeconds,
    settings: {
      trials: plan.trials,
      epochs: config.epochs,
      seeds,
      seed: plan.seed,
      split: plan.split,
      split_seed: plan.split_seed,
      eval: evalProtocol,
      reduction: REDUCTION,
      rungs: ashaRungs(config.epochs),
      jobs: plan.jobs,
    },
    config: plan.config,
    files: plan.files.map((f) => ({ path: f, segments: inputs.segments.get(f)! })),
    units: [reference, ...tuned],
  };
}

/** The best configurations of the tune.json in `dir` (or at that path), by model; units with none are left out. */
export function readTunedConfigs(path: string): { from: string; configs: Map<string, TunedConfig> } {
  const file = path.endsWith('.json') ? path : join(path, TUNE_FILE);
  let record: TuneRecord;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as TuneRecord;
    if (!Array.isArray(record.units)) throw new Error('no units');
  } catch {
    throw new UsageError(`--tuned ${path}: no readable ${TUNE_FILE} there; give the folder an earlier audiopred tune wrote (its -o)`);
  }
  const configs = new Map<string, TunedConfig>();
  for (const u of record.units) if (u.unit !== REFERENCE_UNIT && u.best_config) configs.set(u.model, tunedFromJson(u.best_config, file));
  return { from: file, configs };
}
