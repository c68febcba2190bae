/**
 * `audiopred train [AUDIO]`: trains one unit, prints losses as the original
 * script does (or a progress bar, or JSON lines), and keeps a run folder
 * (src/runs/) with checkpoints, so Ctrl-C, a diverging loss or a crash costs
 * at most the epochs since the last checkpoint, and `--resume` continues.
 */
import { basename, resolve } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { EXAMPLE_AUDIO } from '../audio/features.js';
import { UsageError } from '../errors.js';
import { loadTrainingState, saveCheckpoint, MODEL_FILE } from '../runs/checkpoint.js';
import { createUniqueFolder, ensureFolder, timestamp } from '../runs/folder.js';
import { openRun } from '../runs/open.js';
import { audioFacts, machineFacts, RunRecord } from '../runs/record.js';
import { version } from '../version.js';
import { resolveConfig, type TrainConfig } from '../train/config.js';
import { costReport, unitOf, type CostReport, type Learner } from '../train/learner.js';
import { prepareRun, type PreparedRun } from '../train/run.js';
import type { EpochResult } from '../train/trainer.js';
import { resolveUnit } from '../units/load.js';
import { costLine } from './format.js';
import { createReporter, epochLine, type ReportMode } from './progress.js';

export interface TrainCommandOptions {
  settings: Record<string, unknown>; // flag values, checked by resolveConfig
  /** Flags the user gave explicitly (a resumed run refuses all but a few). */
  given: ReadonlySet<string>;
  json: boolean;
  out?: string;
  saveEvery: string;
  resume?: string;
}

/** Flags a resumed run may change: it continues with its own settings otherwise. */
const RESUMABLE_FLAGS = new Set(['epochs', 'json', 'saveEvery', 'resume']);

function parseSaveEvery(raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--save-every must be an integer ≥ 0 (0 = only at the end), got '${raw}'`);
  return n;
}

interface Session {
  config: TrainConfig;
  audioPath: string;
  dir: string;
  resumed: boolean;
}

/** The config, audio and run folder of a new run, or of the run `--resume` names. */
function openSession(audio: string | undefined, options: TrainCommandOptions): Session {
  if (!options.resume) {
    const config = resolveConfig(options.settings);
    return { config, audioPath: audio ?? EXAMPLE_AUDIO, dir: '', resumed: false };
  }
  const dir = options.resume;
  const extra = [...options.given].filter((f) => !RESUMABLE_FLAGS.has(f));
  if (audio !== undefined || extra.length) {
    throw new UsageError(`--resume continues ${dir} with its own audio and settings; only --epochs and --save-every may change (drop ${audio ?? '--' + extra[0]})`);
  }
  // openRun refuses a folder without a readable config.json; a train run's record has these fields.
  const saved = openRun(dir).record as unknown as { config: TrainConfig; threads: number; audio: { path: string; sha256: string } };
  const epochs = options.given.has('epochs') ? options.settings.epochs : saved.config.epochs;
  const config = resolveConfig({ ...saved.config, threads: saved.threads, epochs });
  let facts;
  try {
    facts = audioFacts(saved.audio.path);
  } catch {
    throw new UsageError(`${saved.audio.path}: the run's audio file is gone; put it back to resume ${dir}`);
  }
  if (facts.sha256 !== saved.audio.sha256) throw new UsageError(`${saved.audio.path} has changed since ${dir} started (SHA-256 differs); resume needs the same audio`);
  return { config, audioPath: saved.audio.path, dir, resumed: true };
}

export async function trainCommand(audio: string | undefined, options: TrainCommandOptions): Promise<void> {
  const saveEvery = parseSaveEvery(options.saveEvery);
  const session = openSession(audio, options);
  const { config, audioPath } = session;
  const source = await resolveUnit(config.model);
  const run = await prepareRun(audioPath, config, source);
  const { segments, split, trainer } = run;
  const unit = unitOf(trainer);

  let dir = session.dir;
  if (!session.resumed) {
    dir = options.out ? ensureFolder(options.out) : createUniqueFolder('runs', `${timestamp()}-${source.key}-s${config.seed}`);
  }
  const record = new RunRecord(dir);
  if (session.resumed) {
    const state = await loadTrainingState(dir, unit.layout);
    trainer.restore(state);
    await record.loadMetrics(state.epoch);
  } else {
    await record.writeConfig({
      audiopred: version,
      created: new Date().toISOString(),
      command: process.argv.slice(2),
      config: { ...config, model: source.moduleUrl ? resolve(config.model) : config.model },
      threads: trainer.threads,
      backend: trainer.backend.name,
      unit: { label: source.label, kind: unit.kind, name: unit.name, params: unit.layout.size },
      audio: audioFacts(audioPath),
      data: { segments: segments.count, length: segments.length, features: segments.features, train: [...split.train], val: [...split.val] },
      machine: machineFacts(),
    });
  }
  const checkpoint = async () => {
    await saveCheckpoint(dir, unit.layout, trainer.snapshot(), {
      audiopred: version,
      unit: source.label,
      config: JSON.stringify(config),
    });
    await record.flushMetrics();
  };
  const summarize = (status: 'done' | 'interrupted' | 'diverged', cost?: CostReport, error?: string) =>
    record.writeSummary(status, {
      valSegments: [...split.val],
      trainSegments: [...split.train],
      ...(cost ? { cost } : {}),
      ...(error ? { error } : {}),
    });

  const out = process.stdout;
  const mode: ReportMode = options.json ? 'json' : out.isTTY ? 'bar' : 'plain';
  printHeader(run, trainer, config, mode, dir, session.resumed);

  let stopSignal: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopSignal) process.exit(signal === 'SIGINT' ? 130 : 143); // a second Ctrl-C: stop now
    stopSignal = signal;
    process.stderr.write(`\naudiopred: ${signal}: stopping after this epoch and saving a checkpoint (press Ctrl-C again to quit at once)\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const reporter = createReporter(mode, config.epochs, out);
  const started = performance.now();
  const startEpoch = trainer.epoch;
  const earlierSeconds = record.previousSeconds; // training time of earlier sessions of a resumed run
  let lastSaved = trainer.epoch;
  let last: EpochResult | undefined;
  try {
    while (trainer.epoch < config.epochs && !trainer.finished && !stopSignal) {
      last = trainer.step();
      const sessionSeconds = (performance.now() - started) / 1000;
      const rate = (last.epoch - startEpoch) / sessionSeconds;
      await record.epoch(last, earlierSeconds + sessionSeconds, rate);
      reporter.epoch(last, rate);
      if (saveEvery > 0 && last.epoch % saveEvery === 0) {
        await checkpoint();
        lastSaved = last.epoch;
      }
      await yieldToEventLoop(); // lets the progress bar draw and signals arrive
    }
  } catch (err) {
    reporter.finish();
    if (err instanceof UsageError && err.exitCode === 3) {
      await summarize('diverged', undefined, err.message);
      const kept = lastSaved > startEpoch || session.resumed ? `the last good checkpoint (epoch ${lastSaved}) is in ${dir}` : `no checkpoint was saved before it (use --save-every)`;
      throw new UsageError(`${err.message}; ${kept}`, 3);
    }
    throw err;
  } finally {
    reporter.finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await trainer.close();
  }

  await checkpoint();
  const cost = costReport(trainer); // once: units measure activity since their last cost() call
  if (stopSignal) {
    await summarize('interrupted', cost);
    throw new UsageError(
      `interrupted at epoch ${trainer.epoch} of ${config.epochs}; checkpoint saved in ${dir}; continue with: audiopred train --resume ${dir}`,
      stopSignal === 'SIGINT' ? 130 : 143,
    );
  }
  await summarize('done', cost);
  const final = record.metrics.at(-1);
  if (!final) return;
  const result: EpochResult = { epoch: final.epoch, trainLoss: final.train_loss, valLoss: final.val_loss };
  const seconds = (performance.now() - started) / 1000;
  if (mode === 'json') {
    out.write(
      JSON.stringify({
        done: true,
        epochs: result.epoch,
        final_train_loss: result.trainLoss,
        final_val_loss: result.valLoss,
        train_seconds: seconds,
        epochs_per_second: (result.epoch - startEpoch) / seconds,
        peak_rss_mb: process.resourceUsage().maxRSS / 1024,
        cost,
        run: dir,
      }) + '\n',
    );
    return;
  }
  if (result.epoch < config.epochs) {
    out.write(`${source.label} has learnt all it can after ${result.epoch} pass${result.epoch === 1 ? '' : 'es'}; training stops there\n`);
  }
  out.write(`${epochLine(result, config.epochs, 'Final Epoch')}\n`);
  out.write(`${costLine(cost)}\n`);
  out.write(`Run saved in ${dir} (${MODEL_FILE}, metrics.jsonl, summary.json)\n`);
}

function printHeader(run: PreparedRun, trainer: Learner, config: TrainConfig, mode: ReportMode, dir: string, resumed: boolean): void {
  const { segments, split, audioPath } = run;
  const out = process.stdout;
  const paramCount = trainer.params.length;
  if (mode === 'json') {
    out.write(
      JSON.stringify({
        audio: basename(audioPath),
        dataset_shape: [segments.count, segments.length, segments.features],
        train: split.train.length,
        val: split.val.length,
        params: paramCount,
        backend: trainer.backend.name,
        threads: trainer.threads,
        config,
        run: dir,
        ...(resumed ? { resumed_at_epoch: trainer.epoch } : {}),
      }) + '\n',
    );
    return;
  }
  out.write(`Dataset shape: (${segments.count}, ${segments.length}, ${segments.features})\n`);
  out.write(
    `Training ${trainer.label} (${paramCount.toLocaleString('en-US')} parameters) on ${basename(audioPath)}: ` +
      `${split.train.length} train / ${split.val.length} validation segments, seed ${config.seed}, horizon ${config.horizon}, ` +
      `${trainer.backend.name} kernels on ${trainer.threads} thread${trainer.threads === 1 ? '' : 's'}\n`,
  );
  if (resumed) out.write(`Resuming ${dir} at epoch ${trainer.epoch} of ${config.epochs}\n`);
}
