/**
 * `audiopred train [AUDIO]`: one run of src/runs/train-run.ts, printed as the original script
 * prints it (or as a progress bar, or JSON lines). Ctrl-C and SIGTERM abort the run after the
 * epoch in progress (it checkpoints and can be resumed); a second one quits at once.
 */
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { configToJson, resolveConfig, SETTINGS, type SettingKey } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { costLine } from '../format.js';
import { MODEL_FILE } from '../runs/checkpoint.js';
import { costToJson, peakRssMb } from '../runs/record.js';
import { trainRun, type RunStart } from '../runs/train-run.js';
import { RESUMABLE_FLAGS } from './options.js';
import { createReporter, epochLine, type ReportMode } from './progress.js';
import { stopOnSignals } from './signals.js';
import { MACKEY_GLASS } from '../tasks/mackey-glass.js';
import { taskNote } from './tasks.js';

export interface TrainCommandOptions {
  /** The settings given on the command line, unchecked. */
  settings: Partial<Record<SettingKey, unknown>>;
  json: boolean;
  out?: string;
  saveEvery?: string;
  resume?: string;
}

function parseSaveEvery(raw: string | undefined): number {
  if (raw === undefined) return 100;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new UsageError(`--save-every must be an integer ≥ 0 (0 = only at the end), got '${raw}'`);
  return n;
}

export async function trainCommand(audio: string | undefined, options: TrainCommandOptions): Promise<void> {
  const saveEvery = parseSaveEvery(options.saveEvery);
  const given = Object.keys(options.settings) as SettingKey[];
  if (options.resume) {
    const fixed = given.find((k) => !SETTINGS[k].resumable);
    if (audio !== undefined || fixed) {
      throw new UsageError(
        `--resume continues ${options.resume} with its own audio and settings; only ${[...RESUMABLE_FLAGS, '--save-every'].join(' and ')} may change (drop ${audio ?? SETTINGS[fixed!].flag})`,
      );
    }
  }
  const config = options.resume ? undefined : resolveConfig(options.settings);
  const epochs = options.resume && options.settings.epochs !== undefined ? resolveConfig({ epochs: options.settings.epochs }).epochs : undefined;

  const out = process.stdout;
  const mode: ReportMode = options.json ? 'json' : out.isTTY ? 'bar' : 'plain';
  let reporter: ReturnType<typeof createReporter> | undefined;
  const signals = stopOnSignals('stopping after this epoch and saving a checkpoint');
  let result;
  try {
    result = await trainRun({
      ...(audio !== undefined ? { audio } : {}),
      ...(config ? { config } : {}),
      ...(options.out !== undefined ? { out: options.out } : {}),
      ...(options.resume !== undefined ? { resume: options.resume } : {}),
      ...(epochs !== undefined ? { epochs } : {}),
      saveEvery,
      signal: signals.signal,
      onStart: (start) => {
        printHeader(start, mode, given);
        reporter = createReporter(mode, start.config.epochs, out);
      },
      onEpoch: (e) => reporter?.epoch(e),
    });
  } finally {
    reporter?.finish();
    signals.dispose();
  }
  const { dir, summary } = result;
  if (result.status === 'diverged') throw new UsageError(result.error ?? 'training diverged', 3);
  if (result.status === 'interrupted') {
    const code = signals.exitCode();
    if (!result.resumable) {
      throw new UsageError(`interrupted at epoch ${summary.epochs} of ${result.config.epochs}; parameters saved in ${dir}, but the unit has no saveState(), so the run cannot be resumed (see docs/units.md)`, code);
    }
    throw new UsageError(`interrupted at epoch ${summary.epochs} of ${result.config.epochs}; checkpoint saved in ${dir}; continue with: audiopred train --resume ${dir}`, code);
  }
  if (summary.final_train_loss === null || summary.final_val_loss === null) return;
  if (mode === 'json') {
    out.write(
      JSON.stringify({
        done: true,
        epochs: summary.epochs,
        final_train_loss: summary.final_train_loss,
        final_val_loss: summary.final_val_loss,
        ...(result.testLoss !== null ? { final_test_loss: result.testLoss } : {}),
        ...(result.smape !== undefined ? { free_run_smape: result.smape } : {}),
        train_seconds: result.sessionSeconds,
        epochs_per_second: result.sessionEpochs / result.sessionSeconds,
        peak_rss_mb: peakRssMb(),
        cost: result.cost ? costToJson(result.cost) : null,
        run: dir,
      }) + '\n',
    );
    return;
  }
  const total = result.learntAll ? summary.epochs : result.config.epochs;
  if (result.learntAll) {
    out.write(`${basename(result.config.model)} has learnt all it can after ${summary.epochs} pass${summary.epochs === 1 ? '' : 'es'}; training stops there\n`);
  }
  const final = epochLine({ epoch: summary.epochs, trainLoss: summary.final_train_loss, valLoss: summary.final_val_loss }, total, 'Final Epoch');
  out.write(`${final}${result.testLoss !== null ? `, Test Loss: ${result.testLoss.toFixed(6)}` : ''}\n`);
  if (result.smape !== undefined) out.write(`Free-running test: sMAPE ${result.smape.toFixed(2)} over ${MACKEY_GLASS.testPoints} points fed on its own predictions\n`);
  if (result.cost) out.write(`${costLine(result.cost)}\n`);
  out.write(`Run saved in ${dir} (${MODEL_FILE}, metrics.jsonl, summary.json)\n`);
}

function printHeader(start: RunStart, mode: ReportMode, given: readonly SettingKey[]): void {
  const { segments, split, config, unit } = start;
  const out = process.stdout;
  if (mode === 'json') {
    out.write(
      JSON.stringify({
        audio: basename(start.audioPath),
        dataset_shape: [segments.count, segments.length, segments.features],
        train: split.train,
        val: split.val,
        ...(split.test > 0 ? { test: split.test } : {}),
        params: unit.params,
        unit: unit.name,
        backend: start.backend,
        threads: start.threads,
        config: configToJson(config),
        run: start.dir,
        ...(start.resumedAt !== undefined ? { resumed_at_epoch: start.resumedAt } : {}),
      }) + '\n',
    );
    return;
  }
  out.write(`Dataset shape: (${segments.count}, ${segments.length}, ${segments.features})\n`);
  out.write(
    `Training ${unit.label} (${unit.params.toLocaleString('en-US')} parameters) on ${basename(start.audioPath)}: ` +
      `${split.train} train / ${split.val} validation${split.test > 0 ? ` / ${split.test} test` : ''} segments, seed ${config.seed}${config.splitSeed !== null ? ` (split seed ${config.splitSeed})` : ''}, horizon ${config.horizon}, ` +
      `${start.backend} kernels on ${start.threads} thread${start.threads === 1 ? '' : 's'}\n`,
  );
  if (config.threads > 0 && config.threads !== start.threads) out.write(`${threadsNote(config.threads, start)}\n`);
  if (start.resumedAt !== undefined) out.write(`Resuming ${start.dir} at epoch ${start.resumedAt} of ${config.epochs}\n`);
  const note = start.resumedAt === undefined ? taskNote(config, given) : undefined;
  if (note) out.write(`${note}\n`);
}

/** Why a run uses fewer threads than --threads asked for. */
function threadsNote(asked: number, start: RunStart): string {
  const why =
    start.unit.kind === 'online' ? `${start.unit.label} learns online, one stream at a time` :
    !start.backend.startsWith('wasm') ? 'threads need the wasm kernels' :
    `a batch of ${start.config.batch} segments gives work to at most ${start.config.batch}`;
  const cores = availableParallelism();
  return `--threads ${asked}: using ${start.threads} (${why})${asked > cores ? `; this machine has ${cores} cores` : ''}`;
}
