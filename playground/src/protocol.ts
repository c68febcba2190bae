/** The messages between the page (main.ts) and the Web Worker that trains (train-worker.ts). */
import type { RunSummary } from '../../dist/src/runs/record-json.js';
import type { RunStart } from '../../dist/src/runs/train-run.js';

/** The unit to train: a built-in by name, or the editor's module. */
export type UnitChoice = { builtin: string } | { page: { name: string; code: string } };

export interface TrainRequest {
  type: 'train';
  /** Settings as the command line would give them: flag name without dashes → text (only those the user set). */
  settings: Record<string, string>;
  /** `--opt` values, key=value. */
  options: string[];
  unit: UnitChoice;
  /** The input, read by the page (a bundled recording it fetched, or the user's file). */
  input: { name: string; bytes: Uint8Array };
  /** Only build and probe the unit on the data's shape, then stop. */
  checkOnly?: boolean;
}

export type PageMessage = TrainRequest | { type: 'stop' };

/** What a run is about to do, as trainRun tells its caller (RunStart), with its settings as JSON and its command line. */
export type RunInfo = Pick<RunStart, 'segments' | 'split' | 'unit' | 'threads' | 'backend'> & {
  config: Record<string, unknown>;
  command: string;
};

export interface Heatmap {
  segment: number;
  frames: number;
  features: number;
  target: Float32Array;
  prediction: Float32Array;
}

export type WorkerMessage =
  | { type: 'ready'; isolated: boolean; cores: number; kernels: string; why?: string }
  | { type: 'start'; info: RunInfo }
  | { type: 'epoch'; epoch: number; trainLoss: number; valLoss: number; seconds: number; epochsPerSecond: number }
  | { type: 'heatmap'; heatmap: Heatmap }
  | { type: 'checked'; unit: RunInfo['unit'] }
  | {
      type: 'done';
      status: RunSummary['status'];
      summary: RunSummary;
      /** The run folder, file name → bytes, as `audiopred train` writes it. */
      files: Record<string, Uint8Array>;
      folder: string;
      testLoss: number | null;
      smape?: number;
      error?: string;
    }
  /** A run that could not start, one line; `unit` when the unit is to blame (shown by the editor). */
  | { type: 'error'; message: string; unit: boolean };
