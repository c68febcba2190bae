import cliProgress from 'cli-progress';
import type { EpochResult } from '../train/trainer.js';

/** How `train` reports epochs: a live bar on a terminal, plain lines in a pipe, or JSON lines. */
export type ReportMode = 'bar' | 'plain' | 'json';

export interface EpochReporter {
  epoch(result: EpochResult, epochsPerSecond: number): void;
  finish(): void;
}

/** Epochs between the lines that stay on screen (the original prints one each 100). */
const LINE_EVERY = 100;

export function epochLine(result: EpochResult, total: number, prefix = 'Epoch'): string {
  return `${prefix} ${result.epoch}/${total}, Train Loss: ${result.trainLoss.toFixed(6)}, Val Loss: ${result.valLoss.toFixed(6)}`;
}

export function createReporter(mode: ReportMode, total: number, out: NodeJS.WriteStream): EpochReporter {
  switch (mode) {
    case 'json':
      return {
        epoch: (r, rate) =>
          out.write(
            JSON.stringify({ epoch: r.epoch, train_loss: r.trainLoss, val_loss: r.valLoss, epochs_per_second: rate }) + '\n',
          ),
        finish: () => {},
      };
    case 'plain':
      return {
        epoch: (r, rate) => {
          if (r.epoch % LINE_EVERY === 0) out.write(`${epochLine(r, total)} (${rate.toFixed(2)} epochs/s)\n`);
        },
        finish: () => {},
      };
    case 'bar':
      return barReporter(total, out);
  }
}

function barReporter(total: number, out: NodeJS.WriteStream): EpochReporter {
  const bars = new cliProgress.MultiBar(
    {
      stream: out,
      format: '{line} |{bar}| {percentage}% [{duration_formatted}<{eta_formatted}, {rate} epochs/s]',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(total, 0, { line: `Epoch 0/${total}`, rate: '0.00' });
  return {
    epoch: (r, rate) => {
      const line = epochLine(r, total);
      bar.update(r.epoch, { line, rate: rate.toFixed(2) });
      if (r.epoch % LINE_EVERY === 0 && r.epoch !== total) bars.log(`${line}\n`);
    },
    finish: () => bars.stop(),
  };
}
