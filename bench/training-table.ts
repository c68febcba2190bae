// The training table of `npm run bench`: one row per built-in unit and audiopred thread count,
// with the "before" checkout's rate and the PyTorch twin's best beside it, and how the GFLOP/s
// column is counted.

import type { AudiopredRun, TrainRun } from './training-runs.js';

/** A PyTorch run and the thread count it ran at. */
export interface TorchRun extends TrainRun {
  threads: number;
}

/** What the PyTorch side of a unit came to: its runs at 1 and 2 threads, or why there are none. */
export type TorchSide = { runs: TorchRun[] } | { none: string };

/** One audiopred thread count of one unit. */
export interface ThreadRow {
  threads: number;
  after: AudiopredRun;
  /** The --before checkout's run of the same job, or why it failed; absent without --before. */
  before?: AudiopredRun | Error;
}

export interface UnitResult {
  unit: string;
  kind: 'backprop' | 'online';
  /** Epochs asked of every run of this unit. */
  epochs: number;
  rows: ThreadRow[];
  torch?: TorchSide;
}

export const FLOP_FORMULA =
  'GFLOP/s = 2 × MACs per frame (the run\'s cost.macs_per_frame, the forward pass) × frames per epoch × epochs/s, ' +
  'with frames per epoch = T × (3·train + val) for backprop units (backward counted as 2× forward), ' +
  'T × (train + val) for online units learning step by step and T × (2·train + val) for closed-form fits ' +
  '(the fitting pass, then the fit scored on the training segments); T = segment − 1 input steps. ' +
  'The online units\' learning work (ridge statistics, RLS, e-prop traces) is not counted.';

/** Did a unit stop before the epochs asked, as closed-form fits and the baselines do? */
function finishedEarly(result: UnitResult, run: AudiopredRun): boolean {
  return run.epochs < result.epochs;
}

/** FLOP of one epoch of `run` (see FLOP_FORMULA). */
export function flopPerEpoch(result: UnitResult, run: AudiopredRun): number {
  const { train, val, length } = run.workload;
  const T = length - 1;
  const passesOverTrain = result.kind === 'backprop' ? 3 : finishedEarly(result, run) ? 2 : 1;
  return 2 * run.macsPerFrame * T * (passesOverTrain * train + val);
}

export function bestTorch(side: TorchSide | undefined): TorchRun | undefined {
  if (!side || !('runs' in side) || side.runs.length === 0) return undefined;
  return side.runs.reduce((a, b) => (b.epochsPerSecond > a.epochsPerSecond ? b : a));
}

const rate = (r: number) => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2));
const mb = (m: number) => (Number.isFinite(m) ? m.toFixed(0) : '—');
const times = (x: number) => `${x.toFixed(2)}×`;

function notes(result: UnitResult, row: ThreadRow): string {
  const out: string[] = [];
  const { after, before } = row;
  if (result.kind === 'online' && row.threads === 1) out.push('online: one stream, 1 thread');
  if (finishedEarly(result, after)) out.push(`done after ${after.epochs} epoch${after.epochs === 1 ? '' : 's'}`);
  if (after.runs > 1) out.push(`best of ${after.runs} runs`);
  if (before instanceof Error) out.push(`before failed: ${before.message}`);
  if (result.torch && 'none' in result.torch) out.push(result.torch.none);
  return out.join('; ');
}

/** The markdown table; the before columns only with --before, the PyTorch ones only when PyTorch ran. */
export function trainingTable(results: UnitResult[], withBefore: boolean, withTorch: boolean): string {
  const header = ['unit', 'threads', 'epochs', 'audiopred epochs/s'];
  if (withBefore) header.push('before epochs/s', 'speed-up');
  if (withTorch) header.push('PyTorch best epochs/s (threads)', '× PyTorch');
  header.push('GFLOP/s', 'peak RSS MB audiopred');
  if (withTorch) header.push('peak RSS MB PyTorch');
  header.push('notes');

  const lines = [header, header.map(() => '---')];
  for (const result of results) {
    const torch = bestTorch(result.torch);
    for (const row of result.rows) {
      const { after, before } = row;
      const gflops = (flopPerEpoch(result, after) * after.epochsPerSecond) / 1e9;
      const cells = [result.unit, String(after.threads), String(after.epochs), rate(after.epochsPerSecond)];
      if (withBefore) {
        const ok = before !== undefined && !(before instanceof Error);
        cells.push(ok ? rate(before.epochsPerSecond) : '—', ok ? times(after.epochsPerSecond / before.epochsPerSecond) : '—');
      }
      if (withTorch) {
        cells.push(torch ? `${rate(torch.epochsPerSecond)} (${torch.threads})` : '—', torch ? times(after.epochsPerSecond / torch.epochsPerSecond) : '—');
      }
      cells.push(gflops > 0 ? gflops.toFixed(gflops >= 1 ? 1 : 2) : '—', mb(after.peakRssMb));
      if (withTorch) cells.push(torch ? mb(torch.peakRssMb) : '—');
      cells.push(notes(result, row));
      lines.push(cells);
    }
  }
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
