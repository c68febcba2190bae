/**
 * A comparison as a library call: every (unit, seed, recording) trained side by side on all
 * cores, each in its own run folder under DIR/runs, then summarised per recording. compare.json
 * is written when the study starts (its plan) and again when it ends, so a study that was
 * stopped (Ctrl-C, a kill) can be finished by `resumeStudy(DIR)`: runs already done are read
 * back from their folders, interrupted ones continue from their checkpoints, the rest run.
 */
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { configFromJson, configToJson, SETTINGS, type TrainConfig } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { BUILTIN_INFO, isModelName } from '../models/registry.js';
import { createUniqueFolder, ensureFolder, timestamp } from '../runs/folder.js';
import { costToJson } from '../runs/record.js';
import type { UnitSource } from '../units/load.js';
import { version } from '../version.js';
import { openExecutor, type ExecutorChoice } from '../queue/open.js';
import { checkInputs, recordingName, type StudyInputs } from './inputs.js';
import { prepareJob, type EpochPoint, type Job, type JobResult } from '../jobs/job.js';
import { REFERENCE_UNIT, summarizeResults, type UnitSummary } from './summary.js';
import { formatTables, runsCsv, summariesCsv } from './tables.js';
import { describeTuned, tunedFromJson, tunedToJson, withTuned, type TunedConfig } from './tuned.js';

export const STUDY_FILE = 'compare.json';

export interface StudyPlan {
  /** Units as given (built-in names or absolute module paths); persistence always first. */
  models: string[];
  seeds: number[];
  /** Absolute paths of the recordings. */
  files: string[];
  /** The settings every run shares (model, seed and threads are set per run). */
  config: TrainConfig;
  /** Runs side by side; 0 = one per core. */
  jobs: number;
  /** Configurations `audiopred tune` chose (compare --tuned), by model; the other units run the shared settings. */
  tuned?: TunedUnits;
}

export interface TunedUnits {
  /** The tune.json they come from. */
  from: string;
  /** By model as `models` gives it (a module by its absolute path). */
  configs: Map<string, TunedConfig>;
}

export interface StudyOptions extends ExecutorChoice {
  signal?: AbortSignal;
  /** Before the first run: how many runs, of how many epochs each. */
  onStart?: (runs: number, epochs: number) => void;
  onEpoch?: (job: Job, point: EpochPoint) => void;
  onRunDone?: (result: JobResult, finished: number, total: number) => void;
}

export type StudyStatus = 'running' | 'interrupted' | 'done';

/** compare.json: the plan, and when the study has ended its summaries and every run. */
export interface StudyRecord {
  audiopred: string;
  created: string;
  status: StudyStatus;
  wall_seconds: number;
  parallel_runs: number;
  threads_per_run: number;
  models: string[];
  /** How tables name each unit of `models`. */
  labels: string[];
  seeds: number[];
  files: { path: string; segments: number }[];
  jobs: number;
  config: Record<string, unknown>;
  /** With --tuned: the tune.json, and the config each unit it names ran over `config`; the others ran `config` itself. */
  tuned?: { from: string; units: { unit: string; model: string; config: Record<string, unknown> }[] };
  summaries: UnitSummary[];
  runs: StudyRun[];
}

export interface StudyRun {
  audio: string;
  unit: string;
  model: string;
  seed: number;
  options: readonly string[];
  status: JobResult['status'];
  error?: string;
  curve: EpochPoint[];
  final_train: number | null;
  final_val: number | null;
  best_val: number | null;
  seconds: number | null;
  /** sMAPE of the free-running test, for a task scored so. */
  free_run_smape?: number;
  cost: Record<string, number> | null;
  run: string;
}

export interface StudyResult {
  dir: string;
  record: StudyRecord;
  results: JobResult[];
  /** The Markdown tables, one per recording (also in DIR/table.md). */
  tables: string;
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

function studyRun(r: JobResult, dir: string): StudyRun {
  return {
    audio: basename(r.job.audio),
    unit: r.job.label,
    model: r.job.model,
    seed: r.job.seed,
    options: r.job.options,
    status: r.status,
    ...(r.error ? { error: r.error } : {}),
    curve: r.curve,
    final_train: finiteOrNull(r.finalTrain),
    final_val: finiteOrNull(r.finalVal),
    best_val: finiteOrNull(r.bestVal),
    seconds: finiteOrNull(r.seconds),
    ...(r.smape !== undefined ? { free_run_smape: r.smape } : {}),
    cost: r.cost ? costToJson(r.cost) : null,
    run: r.job.out.startsWith(dir) ? r.job.out.slice(dir.length + 1) : r.job.out,
  };
}

/** The study's shared settings as compare.json records them (no per-run keys). */
export function sharedConfigJson(config: TrainConfig): Record<string, unknown> {
  const json = configToJson(config);
  for (const key of ['model', 'seed', 'threads'] as const) delete json[SETTINGS[key].json];
  return json;
}

/** A unit's model as plans and tune.json name it: a built-in by name, a module by its absolute path. */
export const modelOf = (source: UnitSource) => (source.moduleUrl ? resolve(source.spec) : source.spec);

function check(plan: StudyPlan): Promise<StudyInputs> {
  return checkInputs(plan.files, plan.models, plan.config, (source, own) => unitConfig(plan, source, own));
}

/** The settings unit `source` runs with: the shared ones and its own options, or its tuned config over them. */
function unitConfig(plan: StudyPlan, source: UnitSource, own: Record<string, string>): TrainConfig {
  const config = { ...plan.config, options: own };
  const tuned = plan.tuned?.configs.get(modelOf(source));
  return tuned ? withTuned(config, tuned) : config;
}

function planJobs(plan: StudyPlan, checked: StudyInputs, dir: string, threads: number): Job[] {
  const jobs: Job[] = [];
  for (const file of plan.files) {
    checked.sources.forEach((source, i) => {
      const unit = unitConfig(plan, source, checked.routed.get(source.key)!);
      const model = modelOf(source);
      for (const seed of plan.seeds) {
        const config: TrainConfig = { ...unit, model, seed, threads };
        jobs.push({
          model,
          label: checked.labels[i],
          seed,
          audio: file,
          config: configToJson(config),
          options: Object.entries(unit.options).map(([k, v]) => `${k}=${v}`),
          threads,
          out: join(dir, 'runs', `${recordingName(file)}-${source.key}-s${seed}`),
          saveEvery: 0,
        });
      }
    });
  }
  return jobs;
}

/** Relative expected cost of a job, so the longest start first. */
function weight(job: Job): number {
  const epochs = Number(job.config.epochs);
  return (isModelName(job.model) ? BUILTIN_INFO[job.model].epochCost : 2) * epochs;
}

/**
 * Runs a new study into `out` (made once the recordings and units have passed their checks),
 * or a new folder runs/compare-TIME.
 */
export async function runStudy(plan: StudyPlan, out: string | undefined, options: StudyOptions = {}): Promise<StudyResult> {
  const models = plan.models.includes(REFERENCE_UNIT) ? plan.models : [REFERENCE_UNIT, ...plan.models]; // every table is read against it
  const folder = () => (out ? ensureFolder(out) : createUniqueFolder('runs', `compare-${timestamp()}`));
  return execute({ ...plan, models }, folder, new Date().toISOString(), options);
}

/** Finishes the study in `dir` with the plan its compare.json holds. */
export async function resumeStudy(dir: string, options: StudyOptions = {}): Promise<StudyResult> {
  const path = join(dir, STUDY_FILE);
  let saved: StudyRecord;
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as StudyRecord;
  } catch {
    throw new UsageError(`${dir} holds no readable ${STUDY_FILE}; give the folder an earlier audiopred compare wrote (its -o)`);
  }
  const config = configFromJson(saved.config, path);
  const plan: StudyPlan = { models: saved.models, seeds: saved.seeds, files: saved.files.map((f) => f.path), config, jobs: saved.jobs ?? 0 };
  if (saved.tuned) {
    const configs = new Map(saved.tuned.units.map((u) => [u.model, tunedFromJson(u.config, path)] as const));
    plan.tuned = { from: saved.tuned.from, configs };
  }
  return execute(plan, () => dir, saved.created, options);
}

async function execute(plan: StudyPlan, folder: () => string, created: string, options: StudyOptions): Promise<StudyResult> {
  const checked = await check(plan);
  const dir = folder();
  const total = plan.files.length * plan.models.length * plan.seeds.length;
  const parallel = Math.min(plan.jobs > 0 ? plan.jobs : availableParallelism(), total);
  const opened = await openExecutor(dir, parallel, options);
  // Queued runs get the threads a local run would, so a study gives the same numbers either way.
  const threads = Math.max(1, Math.floor(availableParallelism() / parallel));
  const jobs = planJobs(plan, checked, dir, threads);
  const started = performance.now();
  const record = (status: StudyStatus, results: readonly (JobResult | undefined)[]): StudyRecord => {
    const ended = results.filter((r): r is JobResult => r !== undefined);
    return {
      audiopred: version,
      created,
      status,
      wall_seconds: (performance.now() - started) / 1000,
      parallel_runs: parallel,
      threads_per_run: threads,
      models: plan.models,
      labels: checked.labels,
      seeds: plan.seeds,
      files: plan.files.map((f) => ({ path: f, segments: checked.segmentCounts.get(f)! })),
      jobs: plan.jobs,
      config: sharedConfigJson(plan.config),
      ...(plan.tuned ? { tuned: tunedRecord(plan.tuned, plan.models, checked.labels) } : {}),
      summaries: summarizeResults(ended),
      runs: ended.map((r) => studyRun(r, dir)),
    };
  };
  await writeStudy(dir, record('running', []));

  options.onStart?.(jobs.length, plan.config.epochs);
  const results = new Array<JobResult | undefined>(jobs.length);
  let finished = 0;
  const queue: { job: Job; i: number }[] = [];
  jobs.forEach((job, i) => {
    const prepared = prepareJob(job);
    if ('done' in prepared) {
      results[i] = prepared.done;
      options.onRunDone?.(prepared.done, ++finished, jobs.length);
    } else {
      queue.push({ job: prepared.job, i });
    }
  });
  queue.sort((a, b) => weight(b.job) - weight(a.job) || a.i - b.i);

  // Longest first, each to the first free lane; a stop lets the running runs end their epoch and starts no more.
  const { executor } = opened;
  const pending = queue.map(({ job, i }) => {
    const run = executor.run(job, (p) => options.onEpoch?.(job, p));
    void run.result.then((result) => {
      if (!result) return;
      results[i] = result;
      options.onRunDone?.(result, ++finished, jobs.length);
    });
    return run;
  });
  const stopAll = () => pending.forEach((r) => r.stop());
  options.signal?.addEventListener('abort', stopAll);
  if (options.signal?.aborted) stopAll();
  try {
    await Promise.all(pending.map((r) => r.result));
  } catch (err) {
    await opened.close(false);
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', stopAll);
  }
  const complete = results.every((r) => r !== undefined && r.status !== 'interrupted');
  await opened.close(complete);
  const final = record(complete ? 'done' : 'interrupted', results);
  await writeStudy(dir, final);
  const heading = (file: string) => {
    const f = final.files.find((x) => basename(x.path) === file);
    const { segment, horizon, epochs } = plan.config;
    return `${file}: ${f?.segments} segments of ${segment} frames, horizon ${horizon}, ${epochs} epochs, seeds ${plan.seeds.join(', ')}`;
  };
  const ended = results.filter((r): r is JobResult => r !== undefined);
  const tables = formatTables(final.summaries, heading) + (final.tuned ? tunedNote(final.tuned, checked.labels) : '');
  await writeFileAtomic(join(dir, 'compare.csv'), summariesCsv(final.summaries));
  await writeFileAtomic(join(dir, 'runs.csv'), runsCsv(ended));
  await writeFileAtomic(join(dir, 'table.md'), tables);
  return { dir, record: final, results: ended, tables };
}

function tunedRecord(tuned: TunedUnits, models: readonly string[], labels: readonly string[]): NonNullable<StudyRecord['tuned']> {
  const units = models.flatMap((given, i) => {
    const model = isModelName(given) ? given : resolve(given);
    const config = tuned.configs.get(model);
    return config ? [{ unit: labels[i], model, config: tunedToJson(config) }] : [];
  });
  return { from: tuned.from, units };
}

/** Under the tables: which units ran a tuned configuration, and which their defaults. */
function tunedNote(tuned: NonNullable<StudyRecord['tuned']>, labels: readonly string[]): string {
  const lines = [`Configurations from ${tuned.from}:`];
  for (const label of labels) {
    const u = tuned.units.find((x) => x.unit === label);
    lines.push(`- ${label}: ${u ? `tuned (${describeTuned(tunedFromJson(u.config, tuned.from))})` : 'the shared settings (not in tune.json)'}`);
  }
  return lines.join('\n') + '\n';
}

async function writeStudy(dir: string, record: StudyRecord): Promise<void> {
  const summaries = record.summaries.map((s) => ({ ...s, cost: s.cost ? costToJson(s.cost) : null }));
  await writeFileAtomic(join(dir, STUDY_FILE), JSON.stringify({ ...record, summaries }, null, 1) + '\n');
}
