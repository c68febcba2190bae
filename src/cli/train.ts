import { basename } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { EXAMPLE_AUDIO } from '../audio/features.js';
import { resolveConfig } from '../train/config.js';
import { costReport } from '../train/learner.js';
import { prepareRun } from '../train/run.js';
import type { EpochResult } from '../train/trainer.js';
import { costLine } from './format.js';
import { createReporter, epochLine, type ReportMode } from './progress.js';

export interface TrainCommandOptions {
  settings: Record<string, unknown>; // flag values, checked by resolveConfig
  json: boolean;
}

/** `audiopred train [AUDIO]`: trains and prints losses as the original does. */
export async function trainCommand(audio: string | undefined, options: TrainCommandOptions): Promise<void> {
  const config = resolveConfig(options.settings);
  const audioPath = audio ?? EXAMPLE_AUDIO;
  const run = await prepareRun(audioPath, config);
  const { segments, split, trainer } = run;
  const out = process.stdout;
  const mode: ReportMode = options.json ? 'json' : out.isTTY ? 'bar' : 'plain';
  const shape = `(${segments.count}, ${segments.length}, ${segments.features})`;
  const unitName = trainer.label;
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
      }) + '\n',
    );
  } else {
    out.write(`Dataset shape: ${shape}\n`);
    out.write(
      `Training ${unitName} (${paramCount.toLocaleString('en-US')} parameters) on ${basename(audioPath)}: ` +
        `${split.train.length} train / ${split.val.length} validation segments, seed ${config.seed}, horizon ${config.horizon}, ` +
        `${trainer.backend.name} kernels on ${trainer.threads} thread${trainer.threads === 1 ? '' : 's'}\n`,
    );
  }
  const reporter = createReporter(mode, config.epochs, out);
  const started = performance.now();
  let last: EpochResult | undefined;
  try {
    while (trainer.epoch < config.epochs && !trainer.finished) {
      last = trainer.step();
      const seconds = (performance.now() - started) / 1000;
      reporter.epoch(last, last.epoch / seconds);
      await yieldToEventLoop(); // lets the progress bar draw and signals arrive
    }
  } finally {
    reporter.finish();
    await trainer.close();
  }
  const seconds = (performance.now() - started) / 1000;
  if (!last) return;
  const cost = costReport(trainer);
  if (mode === 'json') {
    out.write(
      JSON.stringify({
        done: true,
        epochs: last.epoch,
        final_train_loss: last.trainLoss,
        final_val_loss: last.valLoss,
        train_seconds: seconds,
        epochs_per_second: last.epoch / seconds,
        peak_rss_mb: process.resourceUsage().maxRSS / 1024,
        cost,
      }) + '\n',
    );
  } else {
    if (last.epoch < config.epochs) {
      out.write(`${unitName} has learnt all it can after ${last.epoch} pass${last.epoch === 1 ? '' : 'es'}; training stops there\n`);
    }
    out.write(`${epochLine(last, config.epochs, 'Final Epoch')}\n`);
    out.write(`${costLine(cost)}\n`);
  }
}
