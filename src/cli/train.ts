import { basename } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { EXAMPLE_AUDIO } from '../audio/features.js';
import { resolveConfig } from '../train/config.js';
import { prepareRun } from '../train/run.js';
import type { EpochResult } from '../train/trainer.js';
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
      `Training ${config.model} (${paramCount.toLocaleString('en-US')} parameters) on ${basename(audioPath)}: ` +
        `${split.train.length} train / ${split.val.length} validation segments, seed ${config.seed}, horizon ${config.horizon}, ` +
        `${trainer.backend.name} kernels on ${trainer.threads} thread${trainer.threads === 1 ? '' : 's'}\n`,
    );
  }
  const reporter = createReporter(mode, config.epochs, out);
  const started = performance.now();
  let last: EpochResult | undefined;
  try {
    for (let e = 0; e < config.epochs; e++) {
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
  if (mode === 'json') {
    out.write(
      JSON.stringify({
        done: true,
        final_train_loss: last.trainLoss,
        final_val_loss: last.valLoss,
        train_seconds: seconds,
        epochs_per_second: config.epochs / seconds,
        peak_rss_mb: process.resourceUsage().maxRSS / 1024,
      }) + '\n',
    );
  } else {
    out.write(`${epochLine(last, config.epochs, 'Final Epoch')}\n`);
  }
}
