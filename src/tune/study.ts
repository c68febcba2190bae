/**
 * `audiopred tune` as a library call: every unit gets the same budget, N trials of at most E
 * epochs drawn from its search space, with ASHA (asha.ts) stopping weak trials on validation;
 * then each unit's best configuration is retrained with S seeds and scored on the test split.
 *
 *   reference  persistence once per recording: its validation loss is what trial scores are
 *              relative to, its test loss what verdicts are paired with
 *   trials     trial i of a unit trains on every recording, continued rung by rung from its
 *              checkpoint; its score at a rung is the mean over recordings of val_loss /
 *              persistence's val_loss, so loud and quiet recordings weigh the same
 *   retrain    the best trial's config, seeds 1 … S
 *
 * (jobs.ts says where each run's folder is.) What happens is appended to DIR/journal.jsonl as it happens; tune.json,
 * table.md and tune.png are built from the journal at the end, and `resumeTune(DIR)` replays it
 * to finish a study that was stopped or killed.
 */
import { availableParallelism } from 'node:os';
import { basename, join, resolve, sep } from 'node:path';
import { configFromJson, SETTINGS, type TrainConfig } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { isModelName } from '../models/registry.js';
import type { SearchableSetting } from '../models/search.js';
import { createUniqueFolder, ensureFolder, timestamp } from '../runs/folder.js';
import type { PendingJob } from '../jobs/executor.js';
import { openExecutor, type ExecutorChoice } from '../queue/open.js';
import { checkInputs } from '../compare/inputs.js';
import { sharedConfigJson } from '../compare/study.js';
import { prepareJob, type Job, type JobResult } from '../jobs/job.js';
import { REFERENCE_UNIT } from '../compare/summary.js';
import { tunedToJson } from '../compare/tuned.js';
import { version } from '../version.js';
import { appendEvent, JOURNAL_FILE, readJournal, type JournalEvent, type PlanJson } from './journal.js';
import { buildTuneRecord, TUNE_FILE, type TuneRecord } from './record.js';
import { tuneJobs } from './jobs.js';
import { StudyState } from './state.js';
import { planUnits, retrainEpochs, type TuneUnit } from './units.js';
import { formatTuneTable } from './table.js';

export interface TunePlan {
  /** Units as given (built-in names or module paths); persistence runs as the reference either way. */
  models: string[];
  /** The recordings, absolute paths. */
  files: string[];
  /** The settings every run shares; `epochs` is the most a trial runs (E). */
  config: TrainConfig;
  /** Trials per unit (N). */
  trials: number;
  /** Retrain seeds 1 … seeds (S). */
  seeds: number;
  /** Seeds the trials' configs and initialisation. */
  seed: number;
  /** [train, val, test] fractions; test must be above 0. */
  split: [number, number, number];
  /** Seed of the one split every run uses (default: seed). */
  splitSeed?: number;
  /** Settings the user gave: every run has them as given, no trial varies them (their unit options given with --opt neither). */
  fixed?: SearchableSetting[];
  /** Runs side by side; 0 = one per core. */
  jobs: number;
}

export interface TuneOptions extends ExecutorChoice {
  signal?: AbortSignal;
  /** Each event as it is journaled. */
  onEvent?: (event: JournalEvent) => void;
}

export interface TuneResult {
  dir: string;
  record: TuneRecord;
  /** The Markdown table (also DIR/table.md). */
  table: string;
}

function checkPlan(plan: TunePlan): void {
  const { trials, seeds, split } = plan;
  if (!(Number.isSafeInteger(trials) && trials >= 1)) throw new UsageError(`--trials must be an integer ≥ 1, got '${trials}'`);
  if (!(Number.isSafeInteger(seeds) && seeds >= 1)) throw new UsageError(`--seeds must be an integer ≥ 1, got '${seeds}'`);
  if (!(split[2] > 0)) {
    throw new UsageError(`tune scores the tuned units on held-out test segments: give --split a test fraction above 0, e.g. --split 0.6,0.2,0.2 (got ${split.join(',')})`);
  }
}

function planJson(plan: TunePlan): PlanJson {
  return {
    models: plan.models.filter((m) => m !== REFERENCE_UNIT).map((m) => (isModelName(m) ? m : resolve(m))),
    files: plan.files,
    config: sharedConfigJson(plan.config),
    trials: plan.trials,
    seeds: plan.seeds,
    seed: plan.seed,
    split: plan.split,
    split_seed: plan.splitSeed ?? plan.seed,
    fixed: (plan.fixed ?? []).map((k) => SETTINGS[k].json),
    jobs: plan.jobs,
  };
}

/** Runs a new study into `out` (made once the recordings and units have passed their checks), or a new folder runs/tune-TIME. */
export async function runTune(plan: TunePlan, out: string | undefined, options: TuneOptions = {}): Promise<TuneResult> {
  checkPlan(plan);
  const json = planJson(plan);
  const study = await prepareStudy(json);
  const dir = out ? ensureFolder(out) : createUniqueFolder('runs', `tune-${timestamp()}`);
  const start: JournalEvent = { event: 'start', audiopred: version, created: new Date().toISOString(), plan: json };
  appendEvent(join(dir, JOURNAL_FILE), start);
  return execute(study, dir, [start], options);
}

/** Finishes the study in `dir` from its journal: what it records is not run again. */
export async function resumeTune(dir: string, options: TuneOptions = {}): Promise<TuneResult> {
  const events = readJournal(join(dir, JOURNAL_FILE));
  const start = events[0] as Extract<JournalEvent, { event: 'start' }>;
  return execute(await prepareStudy(start.plan), dir, events, options);
}

/** The study's units and settings, after the recordings and units have been checked. */
interface Study {
  plan: PlanJson;
  config: TrainConfig;
  units: TuneUnit[];
  segments: Map<string, number>;
}

async function prepareStudy(plan: PlanJson): Promise<Study> {
  const config = configFromJson(plan.config, 'the study plan');
  const inputs = await checkInputs(plan.files, plan.models, config);
  return { plan, config, units: planUnits(inputs, plan, config.epochs), segments: inputs.segmentCounts };
}

async function execute(study: Study, dir: string, events: readonly JournalEvent[], options: TuneOptions): Promise<TuneResult> {
  const { plan, config, units } = study;
  const started = performance.now();
  const created = (events[0] as Extract<JournalEvent, { event: 'start' }>).created;
  const state = new StudyState();
  for (const e of events) state.apply(e);
  const journalPath = join(dir, JOURNAL_FILE);
  const journal = (e: JournalEvent) => {
    appendEvent(journalPath, e);
    state.apply(e);
    options.onEvent?.(e);
  };
  const relative = (path: string) => path.slice(dir.length + 1);
  // Paths in the record are relative to DIR, so a study finished elsewhere (--resume) reads the same.
  const errorOf = (r: JobResult) => (r.error ?? r.status).split(dir + sep).join('');
  const audios = plan.files.map((f) => basename(f));

  const jobs = tuneJobs(dir, plan, config);
  const bestOf = (u: TuneUnit) => {
    const best = state.best(u.key, u.trials);
    return best ? { ...best, config: jobs.trialConfig(u, best.trial) } : null;
  };
  const retrainJob = (u: TuneUnit, seed: number, file: string) =>
    jobs.retrain(u, seed, retrainEpochs(u, state.best(u.key, u.trials), config.epochs), bestOf(u)?.config ?? {}, file);
  const seeds = Array.from({ length: plan.seeds }, (_, i) => i + 1);

  // ---- what a finished job means
  const unitFinal = (u: TuneUnit) => state.states(u.key, u.trials, u.rungs.length).every((s) => s.next === 'stopped' || s.next === 'diverged' || s.next === 'completed');
  /** Its trials have ended and a config won: its retrain runs can start (none if every trial diverged). */
  const retrainable = (u: TuneUnit) => unitFinal(u) && (u.trials === 0 || bestOf(u) !== null);
  const unitDone = (u: TuneUnit) => unitFinal(u) && (!retrainable(u) || seeds.every((s) => audios.every((a) => state.retrain(u.key, s, a))));
  const ended = (r: JobResult | undefined): r is JobResult => r !== undefined && r.status !== 'interrupted' && r.killedBy === undefined;
  const finite = (x: number | undefined | null) => (x !== undefined && x !== null && Number.isFinite(x) ? x : null);
  let fatal: Error | undefined;

  const onReference = (file: string, r: JobResult) => {
    if (r.status !== 'ok') {
      fatal = new UsageError(`persistence, the reference, did not finish on ${basename(file)}: ${errorOf(r)}`);
    } else if (!(r.finalVal > 0)) {
      fatal = new UsageError(`persistence predicts ${basename(file)} without error (validation loss ${r.finalVal}); there is nothing to tune against`);
    } else {
      journal({ event: 'reference', audio: basename(file), val_loss: r.finalVal, test_loss: finite(r.testLoss), run: relative(r.job.out) });
    }
  };

  const collected = new Map<string, Map<string, JobResult>>(); // trial rung → recording → result
  const onTrialRun = (u: TuneUnit, trial: number, rung: number, file: string, r: JobResult) => {
    const key = `${u.key}\u0000${trial}\u0000${rung}`;
    const results = collected.get(key) ?? new Map<string, JobResult>();
    collected.set(key, results.set(basename(file), r));
    if (results.size < plan.files.length) return;
    collected.delete(key);
    const runs = audios.map((a) => results.get(a)!);
    const perAudio = (value: (r: JobResult) => number | null) => Object.fromEntries(runs.map((r, i) => [audios[i], r.status === 'ok' ? value(r) : null]));
    const ratios = runs.map((r, i) => (r.status === 'ok' ? r.finalVal / state.references.get(audios[i])!.val_loss : NaN));
    const score = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    const failed = runs.find((r) => r.status !== 'ok');
    journal({
      event: 'rung', unit: u.key, trial, rung, epochs: u.rungs[rung], score: finite(score),
      val_loss: perAudio((r) => finite(r.finalVal)), best_val: perAudio((r) => finite(r.bestVal)),
      ...(failed ? { error: `${basename(failed.job.audio)}: ${errorOf(failed)}` } : {}),
    });
    // A report can settle this trial and, by the order rule, later ones that waited on it.
    state.states(u.key, u.trials, u.rungs.length).forEach((s, i) => {
      if ((s.next === 'stopped' || s.next === 'diverged' || s.next === 'completed') && !state.trial(u.key, i).end) {
        journal({ event: 'trial_end', unit: u.key, trial: i, status: s.next, epochs: u.rungs[s.rung] });
      }
    });
  };

  const onRetrain = (u: TuneUnit, seed: number, file: string, r: JobResult) => {
    journal({
      event: 'retrain', unit: u.key, seed, audio: basename(file), status: r.status === 'ok' ? 'ok' : r.status === 'diverged' ? 'diverged' : 'failed',
      epochs: r.curve.length ? r.curve[r.curve.length - 1].epoch : 0,
      val_loss: r.status === 'ok' ? finite(r.finalVal) : null, test_loss: r.status === 'ok' ? finite(r.testLoss) : null, run: relative(r.job.out),
      ...(r.error ? { error: errorOf(r) } : {}),
    });
  };

  // ---- what to run next: references, then retrains, continued trials, new trials (each in order)
  const inFlight = new Map<string, PendingJob>(); // by run folder
  const parked = new Set<string>(); // run folders whose run was stopped or killed: not tried again this session
  const free = (j: Job) => !inFlight.has(j.out) && !parked.has(j.out);
  type Next = { job: Job; onStart?: () => void; onResult: (r: JobResult) => void };

  const nextJob = (): Next | undefined => {
    for (const file of plan.files) {
      if (state.references.has(basename(file))) continue;
      const j = jobs.reference(file);
      if (free(j)) return { job: j, onResult: (r) => onReference(file, r) };
    }
    if (state.references.size < plan.files.length) return undefined; // trials are scored against them
    for (const u of units) {
      if (!retrainable(u)) continue;
      for (const seed of seeds) {
        for (const file of plan.files) {
          if (state.retrain(u.key, seed, basename(file))) continue;
          const j = retrainJob(u, seed, file);
          if (free(j)) return { job: j, onResult: (r) => onRetrain(u, seed, file, r) };
        }
      }
    }
    const runnable: { u: TuneUnit; order: number; trial: number; rung: number }[] = [];
    units.forEach((u, order) => {
      state.states(u.key, u.trials, u.rungs.length).forEach((s, trial) => {
        if (s.next === 'run') runnable.push({ u, order, trial, rung: s.rung });
      });
    });
    runnable.sort((a, b) => Number(a.rung === 0) - Number(b.rung === 0) || a.trial - b.trial || a.order - b.order);
    for (const { u, trial, rung } of runnable) {
      const done = collected.get(`${u.key}\u0000${trial}\u0000${rung}`);
      for (const file of plan.files) {
        if (done?.has(basename(file))) continue;
        const j = jobs.trial(u, trial, rung, file);
        if (!free(j)) continue;
        return {
          job: j,
          onStart: () => {
            if (!state.trial(u.key, trial).started) journal({ event: 'trial', unit: u.key, trial, config: tunedToJson(jobs.trialConfig(u, trial)) });
          },
          onResult: (r) => onTrialRun(u, trial, rung, file, r),
        };
      }
    }
    return undefined;
  };

  const opened = await openExecutor(dir, plan.jobs > 0 ? plan.jobs : availableParallelism(), options);
  const { executor } = opened;
  let wake = () => {};
  const stopAll = () => inFlight.forEach((p) => p.stop());
  options.signal?.addEventListener('abort', stopAll);
  try {
    for (;;) {
      while (!options.signal?.aborted && !fatal && inFlight.size < executor.lanes) {
        const next = nextJob();
        if (!next) break;
        const { job: j, onStart, onResult } = next;
        onStart?.();
        const prepared = prepareJob(j);
        if ('done' in prepared) {
          onResult(prepared.done); // finished before a kill: read back, not run again
          continue;
        }
        const pending = executor.run(prepared.job);
        inFlight.set(j.out, pending);
        void pending.result.then((r) => {
          inFlight.delete(j.out);
          try {
            if (ended(r)) onResult(r);
            else parked.add(j.out);
          } catch (err) {
            fatal = err as Error; // the journal could not be written: stop, keep what it has
          }
          wake();
        });
      }
      if (fatal) stopAll();
      if (inFlight.size === 0) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    options.signal?.removeEventListener('abort', stopAll);
  }
  const done = !fatal && state.references.size === plan.files.length && units.every(unitDone);
  await opened.close(done);
  if (fatal) throw fatal;

  const record = buildTuneRecord({
    status: done ? 'done' : 'interrupted',
    created,
    wallSeconds: (performance.now() - started) / 1000,
    plan,
    config,
    units,
    segments: study.segments,
    state,
  });
  const table = formatTuneTable(record);
  await writeFileAtomic(join(dir, TUNE_FILE), JSON.stringify(record, null, 1) + '\n');
  await writeFileAtomic(join(dir, 'table.md'), table);
  return { dir, record, table };
}
