/**
 * One training run, start to end, as a library call: the run folder, resuming, checkpoints
 * every `saveEvery` epochs and at the end, stopping on an AbortSignal (Ctrl-C in the CLI, a
 * coordinator elsewhere), a diverging loss or a unit that throws, the final model's loss on the
 * test segments (when --split holds some out), and the summary. The CLI,
 * compare's child processes and later a queue worker or a browser page all call `trainRun`
 * and only print or forward what it reports.
 *
 * A stop never costs more than the epoch in progress: an abort finishes the epoch and
 * checkpoints it; a divergence (NaN loss, a unit that throws) checkpoints the last good epoch,
 * so `--resume` continues from it.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { configToArgs, resolveConfig, type TrainConfig } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { TASKS } from '../tasks/registry.js';
import { backendLabel } from '../kernels/index.js';
import { version } from '../version.js';
import { costReport, unitOf, type CostReport } from './learner.js';
import { prepareRun } from './prepare.js';
import { bundledInputs } from '../tasks/data.js';
import { freeRunSmape, runEpochs, testLossOf, type EpochReport } from './epoch-loop.js';
import type { TrainingState } from '../train/state.js';
import { resolveUnit, type UnitSource } from '../units/load.js';
import { loadTrainingState, saveCheckpoint } from './checkpoint.js';
import { checkpointMetadata } from './checkpoint-files.js';
import { createUniqueFolder, ensureFolder } from './folder.js';
import { audioFacts, CONFIG_FILE, dataRecord, machineFacts, metricsLine, readConfigRecord, RunRecord, runFolderName, type RunStatus, type RunSummary } from './record.js';

export interface TrainRunOptions {
  /** The recording of a new run (default: the bundled speech). */
  audio?: string;
  /** The settings of a new run (default: the original's). */
  config?: TrainConfig;
  /** The unit, if the caller has loaded it already (it must be the one config.model names). */
  unit?: UnitSource;
  /** The run folder of a new run: created if missing, refused if a run is already in it. */
  out?: string;
  /** Where a new run's folder is made when `out` is not given: PARENT/TIME-UNIT-sSEED (default 'runs'). */
  parent?: string;
  /** Continue the run in this folder from its last checkpoint (its own audio and settings). */
  resume?: string;
  /** With `resume`: a new total of epochs (not below the epochs already run). */
  epochs?: number;
  /** Checkpoint every n epochs; 0 = at the end only. Default 100. */
  saveEvery?: number;
  /** Aborting stops the run after the epoch in progress, with a checkpoint. */
  signal?: AbortSignal;
  /** The command line recorded in config.json (default: the `audiopred train` line that gives this config). */
  command?: string[];
  onStart?: (start: RunStart) => void;
  onEpoch?: (epoch: EpochReport) => void;
}

/** What a run is about to do, for a header line. */
export interface RunStart {
  dir: string;
  config: TrainConfig;
  audioPath: string;
  segments: { count: number; length: number; features: number };
  split: { train: number; val: number; test: number };
  unit: { label: string; name: string; kind: 'backprop' | 'online'; params: number };
  threads: number;
  backend: string;
  /** The epoch a resumed run continues after; absent for a new run. */
  resumedAt?: number;
}

export type { EpochReport };

export interface RunResult {
  dir: string;
  /** 'done', 'interrupted' (aborted; resumable) or 'diverged' (NaN loss or a unit that threw). */
  status: RunStatus;
  config: TrainConfig;
  summary: RunSummary;
  /** The final model's loss on the test segments; null without a test split, or when the run did not finish. */
  testLoss: number | null;
  /** sMAPE of the free-running test, for a task scored so (mackey-glass). */
  smape?: number;
  cost?: CostReport;
  /** The unit stopped before config.epochs because it had learnt all it can (closed-form fits). */
  learntAll: boolean;
  /** Why it diverged, one line. */
  error?: string;
  /** The epoch of the last checkpoint. */
  checkpointEpoch: number;
  /** Whether `--resume` can continue it: false for an online unit without saveState(). */
  resumable: boolean;
  /** Epochs trained, and seconds spent, in this session (a resumed run's earlier sessions not counted). */
  sessionEpochs: number;
  sessionSeconds: number;
}

/** The settings and audio of the run to train, and its folder if it exists already (a resumed run). */
interface Opened {
  config: TrainConfig;
  audioPath: string;
  dir?: string;
}

async function openResumed(dir: string, epochs: number | undefined): Promise<Opened> {
  const saved = readConfigRecord(dir);
  const config = resolveConfig({ ...saved.config, threads: saved.threads, ...(epochs !== undefined ? { epochs } : {}) });
  let facts;
  try {
    facts = await audioFacts(saved.audio.path);
  } catch {
    throw new UsageError(`${saved.audio.path}: the run's audio file is gone; put it back to resume ${dir}`);
  }
  if (facts.sha256 !== saved.audio.sha256) throw new UsageError(`${saved.audio.path} has changed since ${dir} started (SHA-256 differs); resume needs the same audio`);
  return { config, audioPath: saved.audio.path, dir };
}

/** A new run: its input is the one given, or its task's bundled one (the speech for audio). */
async function openNew(config: TrainConfig, input: string | undefined): Promise<Opened> {
  const bundled = bundledInputs(config.task)[0];
  if (input === undefined && bundled === undefined) throw new UsageError(`--task ${config.task} needs its input file: ${TASKS[config.task].input}`);
  return { config, audioPath: input ?? bundled };
}

/** A folder the user named for a new run: made if missing; a run already there is not overwritten. */
function newRunFolder(out: string): string {
  if (existsSync(join(out, CONFIG_FILE))) {
    throw new UsageError(`${out} already holds a run; continue it with --resume ${out}, or choose another --out`);
  }
  return ensureFolder(out);
}

export async function trainRun(options: TrainRunOptions = {}): Promise<RunResult> {
  const saveEvery = options.saveEvery ?? 100;
  if (!Number.isSafeInteger(saveEvery) || saveEvery < 0) throw new UsageError(`--save-every must be an integer ≥ 0 (0 = only at the end), got '${saveEvery}'`);
  const opened: Opened = options.resume
    ? await openResumed(options.resume, options.epochs)
    : await openNew(options.config ?? resolveConfig(), options.audio);
  const { config, audioPath } = opened;
  const source = options.unit ?? (await resolveUnit(config.model));
  // Everything that can refuse the input (audio, unit, settings) runs before a folder is made.
  const run = await prepareRun(audioPath, config, source);
  const { segments, split, trainer } = run;
  try {
    const unit = unitOf(trainer);
    const dir = opened.dir ?? (options.out ? newRunFolder(options.out) : createUniqueFolder(options.parent ?? 'runs', runFolderName(source.key, config.seed)));
    const record = new RunRecord(dir);
    const resumed = opened.dir !== undefined;
    if (resumed) {
      const state = await loadTrainingState(dir, unit.layout);
      if (config.epochs < state.epoch) {
        throw new UsageError(`${dir} has run ${state.epoch} epochs already; --epochs ${config.epochs} would undo them: give --epochs ≥ ${state.epoch}`);
      }
      trainer.restore(state);
      record.loadMetrics(state.epoch);
    } else {
      const model = source.moduleUrl ? resolve(config.model) : config.model;
      await record.writeConfig({
        audiopred: version,
        created: new Date().toISOString(),
        command: options.command ?? ['train', resolve(audioPath), ...configToArgs({ ...config, model })],
        config: { ...config, model },
        threads: trainer.threads,
        backend: backendLabel(trainer.backend),
        unit: { label: source.label, kind: unit.kind, name: unit.name, params: unit.layout.size },
        audio: await audioFacts(audioPath),
        data: dataRecord(segments, split),
        machine: machineFacts(),
      });
    }
    options.onStart?.({
      dir,
      config,
      audioPath,
      segments: { count: segments.count, length: segments.length, features: segments.features },
      split: { train: split.train.length, val: split.val.length, test: split.test.length },
      unit: { label: source.label, name: unit.name, kind: unit.kind, params: unit.layout.size },
      threads: trainer.threads,
      backend: backendLabel(trainer.backend),
      ...(resumed ? { resumedAt: trainer.epoch } : {}),
    });

    const metadata = checkpointMetadata(source.label, config);
    let checkpointEpoch = resumed ? trainer.epoch : -1;
    let resumable = true;
    const checkpoint = async (state: TrainingState) => {
      // Metrics first: a state file at epoch N then always has at least N metrics lines beside it
      // (resume cuts the extra ones), even when the folder is copied between the two writes, as a
      // queue worker does on every epoch.
      await record.flushMetrics();
      await saveCheckpoint(dir, unit.layout, state, metadata);
      checkpointEpoch = state.epoch;
      resumable = state.resumable;
    };
    const summarize = (status: RunStatus, cost?: CostReport, error?: string, testLoss?: number, smape?: number) =>
      record.writeSummary(status, {
        split,
        ...(testLoss !== undefined ? { testLoss } : {}),
        ...(smape !== undefined ? { freeRunSmape: smape } : {}),
        ...(cost ? { cost } : {}),
        ...(error ? { error } : {}),
      });

    const started = performance.now();
    const startEpoch = trainer.epoch;
    const sessionSeconds = () => (performance.now() - started) / 1000;
    const loop = await runEpochs(trainer, {
      epochs: config.epochs,
      stopped: () => options.signal?.aborted ?? false,
      earlierSeconds: record.previousSeconds, // training time of earlier sessions of a resumed run
      savedEpoch: () => checkpointEpoch,
      onEpoch: async (report) => {
        await record.epoch(metricsLine(report));
        options.onEpoch?.(report);
        if (saveEvery > 0 && report.epoch % saveEvery === 0) await checkpoint(trainer.snapshot());
      },
      pause: yieldToEventLoop, // lets progress bars draw and signals arrive
    });
    if (loop.diverged) {
      // The epoch in progress is lost; keep the one before it so --resume has a good place to start.
      if (loop.lastGood) await checkpoint(loop.lastGood);
      const kept = checkpointEpoch >= 0 ? `the last good checkpoint (epoch ${checkpointEpoch}) is in ${dir}` : `no epoch finished before it, so no checkpoint was saved`;
      const error = `${loop.diverged.message}; ${kept}`;
      const summary = await summarize('diverged', undefined, error);
      return { dir, status: 'diverged', config, summary, testLoss: null, learntAll: false, error, checkpointEpoch, resumable, sessionEpochs: trainer.epoch - startEpoch, sessionSeconds: sessionSeconds() };
    }
    await checkpoint(trainer.snapshot());
    const cost = costReport(trainer); // once: units measure activity since their last cost() call
    const status: RunStatus = trainer.epoch < config.epochs && !trainer.finished ? 'interrupted' : 'done';
    const session = () => ({ checkpointEpoch, resumable, sessionEpochs: trainer.epoch - startEpoch, sessionSeconds: sessionSeconds() });
    let testLoss: number | undefined;
    if (status === 'done' && split.test.length > 0) {
      // After the last checkpoint (and the cost report), so a unit that learns while scored changes neither.
      try {
        testLoss = testLossOf(trainer, split.test);
      } catch (err) {
        if (!(err instanceof UsageError && err.exitCode === 3)) throw err;
        const error = `${err.message}; while scoring the test segments after the last epoch, whose checkpoint is in ${dir}`;
        const summary = await summarize('diverged', cost, error);
        return { dir, status: 'diverged', config, summary, testLoss: null, cost, learntAll: false, error, ...session() };
      }
    }
    // A task scored free-running (mackey-glass): the unit on its own after a true warm-up, by sMAPE.
    const smapeScore = status === 'done' && run.freeRun ? freeRunSmape(trainer, run.freeRun, segments.length - 1) : undefined;
    const summary = await summarize(status, cost, undefined, testLoss, smapeScore);
    const learntAll = status === 'done' && trainer.epoch < config.epochs;
    return { dir, status, config, summary, testLoss: testLoss ?? null, ...(smapeScore !== undefined ? { smape: smapeScore } : {}), cost, learntAll, ...session() };
  } finally {
    await trainer.close();
  }
}
