import cliProgress from 'cli-progress';
import type { EpochReport } from '../runs/train-run.js';

/** How `train` reports epochs: a live bar on a terminal, plain lines in a pipe, or JSON lines. */
export type ReportMode = 'bar' | 'plain' | 'json';

export interface EpochReporter {
  epoch(report: EpochReport): void;
  finish(): void;
}

/** Epochs between the lines that stay on screen (the original prints one each 100). */
const LINE_EVERY = 100;
/** In a pipe, a line at least this often, so a slow unit never looks hung. */
const LINE_AT_LEAST_EVERY_MS = 10_000;

export function epochLine(result: { epoch: number; trainLoss: number; valLoss: number }, total: number, prefix = 'Epoch'): string {
  return `${prefix} ${result.epoch}/${total}, Train Loss: ${result.trainLoss.toFixed(6)}, Val Loss: ${result.valLoss.toFixed(6)}`;
}

export function createReporter(mode: ReportMode, total: number, out: NodeJS.WriteStream): EpochReporter {
  switch (mode) {
    case 'json':
      return {
        epoch: (r) =>
          out.write(JSON.stringify({ epoch: r.epoch, train_loss: r.trainLoss, val_loss: r.valLoss, epochs_per_second: r.epochsPerSecond }) + '\n'),
        finish: () => {},
      };
    case 'plain': {
      let lastLine = performance.now();
      return {
        epoch: (r) => {
          const now = performance.now();
          if (r.epoch % LINE_EVERY !== 0 && now - lastLine < LINE_AT_LEAST_EVERY_MS) return;
          lastLine = now;
          out.write(`${epochLine(r, total)} (${r.epochsPerSecond.toFixed(2)} epochs/s)\n`);
        },
        finish: () => {},
      };
    }
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
    epoch: (r) => {
      const line = epochLine(r, total);
      bar.update(r.epoch, { line, rate: r.epochsPerSecond.toFixed(2) });
      if (r.epoch % LINE_EVERY === 0 && r.epoch !== total) bars.log(`${line}\n`);
    },
    finish: () => bars.stop(),
  };
}
