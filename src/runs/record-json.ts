/**
 * What a run folder's records hold (config.json, metrics.jsonl, summary.json) and their text,
 * with no file system: record.ts writes and reads them in a folder, the playground zips them.
 */
import { configToJson, type TrainConfig } from '../config/settings.js';
import type { Segments, Split } from '../data/dataset.js';
import { timestamp } from '../format.js';
import { neurobenchMetrics, type CostReport } from '../models/cost.js';
import type { EpochReport } from './epoch-loop.js';

export const CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.jsonl';
export const SUMMARY_FILE = 'summary.json';

export interface MetricsLine {
  epoch: number;
  train_loss: number;
  val_loss: number;
  /** Wall-clock seconds of training up to this epoch, over every session of the run. */
  seconds: number;
  epochs_per_second: number;
}

export interface AudioFacts {
  path: string;
  name: string;
  bytes: number;
  sha256: string;
}

export interface MachineFacts {
  node: string;
  platform: string;
  arch: string;
  cpu: string;
  cores: number;
  memory_gib: number;
}

/** config.json. */
export interface RunConfigRecord {
  audiopred: string;
  created: string;
  /** The command line that gives this run (`audiopred train …`). */
  command: string[];
  config: TrainConfig;
  /** Threads and kernels the run really uses (--threads 0 resolved, --backend auto decided). */
  threads: number;
  backend: string;
  unit: { label: string; name: string; kind: 'backprop' | 'online'; params: number };
  audio: AudioFacts;
  /** The segments and the indices of each part of the split (test is [] without a test split, or in folders from before it). */
  data: { segments: number; length: number; features: number; train: number[]; val: number[]; test: number[] };
  machine: MachineFacts;
}

export type RunStatus = 'done' | 'interrupted' | 'diverged';

/** summary.json. */
export interface RunSummary {
  status: RunStatus;
  epochs: number;
  final_train_loss: number | null;
  final_val_loss: number | null;
  best_val_loss: number | null;
  best_epoch: number | null;
  /** The final model's loss on the test segments, once the run is done; null without a test split or before the end. */
  final_test_loss: number | null;
  /** sMAPE of the free-running test (mackey-glass), once the run is done. */
  free_run_smape?: number;
  train_seconds: number;
  /** Peak resident memory of the process that trained (the last session of a resumed run), MB. */
  peak_rss_mb: number;
  val_segments: number[];
  train_segments: number[];
  test_segments: number[];
  cost: CostReport | null;
  error?: string;
}

const COST_JSON: { [K in keyof Required<CostReport>]: string } = {
  params: 'params',
  trainable: 'trainable',
  memoryBytes: 'memory_bytes',
  macsPerFrame: 'macs_per_frame',
  effectiveMacsPerFrame: 'effective_macs_per_frame',
  activationSparsity: 'activation_sparsity',
  connectionSparsity: 'connection_sparsity',
};

export function costToJson(cost: CostReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, name] of Object.entries(COST_JSON)) {
    const v = cost[k as keyof CostReport];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

export function costFromJson(json: unknown): CostReport | null {
  if (typeof json !== 'object' || json === null) return null;
  const record = json as Record<string, unknown>;
  const cost: Record<string, number> = {};
  for (const [k, name] of Object.entries(COST_JSON)) {
    const v = record[name] ?? record[k]; // camelCase in run folders from before snake_case
    if (typeof v === 'number') cost[k] = v;
  }
  return cost as unknown as CostReport;
}

export function configRecordToJson(record: RunConfigRecord): Record<string, unknown> {
  return { ...record, config: configToJson(record.config) };
}

/** How a new run's folder is named: TIME-UNIT-sSEED (a name taken already gets -2, -3, … in folder.ts). */
export function runFolderName(unitKey: string, seed: number): string {
  return `${timestamp()}-${unitKey}-s${seed}`;
}

/** config.json's `data`: the segments and which are train, val and test. */
export function dataRecord(segments: Segments, split: Split): RunConfigRecord['data'] {
  return { segments: segments.count, length: segments.length, features: segments.features, train: [...split.train], val: [...split.val], test: [...split.test] };
}

/** An epoch as metrics.jsonl records it. */
export function metricsLine(report: EpochReport): MetricsLine {
  return { epoch: report.epoch, train_loss: report.trainLoss, val_loss: report.valLoss, seconds: report.seconds, epochs_per_second: report.epochsPerSecond };
}

/** How a run ended, beyond its metrics: what summary.json is made of. */
export interface RunEnd {
  split: Split;
  testLoss?: number;
  freeRunSmape?: number;
  cost?: CostReport;
  error?: string;
}

/** summary.json's content: the run's end as its metrics and `end` give it. */
export function summarizeRun(status: RunStatus, metrics: readonly MetricsLine[], end: RunEnd, peakMb: number): RunSummary {
  const last = metrics.at(-1);
  let best: MetricsLine | undefined;
  for (const m of metrics) if (Number.isFinite(m.val_loss) && (!best || m.val_loss < best.val_loss)) best = m;
  return {
    status,
    epochs: last?.epoch ?? 0,
    final_train_loss: last?.train_loss ?? null,
    final_val_loss: last?.val_loss ?? null,
    best_val_loss: best?.val_loss ?? null,
    best_epoch: best?.epoch ?? null,
    final_test_loss: end.testLoss ?? null,
    ...(end.freeRunSmape !== undefined ? { free_run_smape: end.freeRunSmape } : {}),
    train_seconds: last?.seconds ?? 0,
    peak_rss_mb: Math.round(peakMb * 10) / 10,
    val_segments: [...end.split.val],
    train_segments: [...end.split.train],
    test_segments: [...end.split.test],
    cost: end.cost ?? null,
    ...(end.error ? { error: end.error } : {}),
  };
}

/** The text of summary.json. */
export function summaryText(summary: RunSummary): string {
  const json = { ...summary, cost: summary.cost ? costToJson(summary.cost) : null, neurobench: summary.cost ? neurobenchMetrics(summary.cost) : null };
  return JSON.stringify(json, null, 2) + '\n';
}

/** The text of metrics.jsonl. */
export function metricsText(metrics: readonly MetricsLine[]): string {
  return metrics.map((m) => JSON.stringify(m)).join('\n') + (metrics.length ? '\n' : '');
}

/** The text of config.json. */
export function configText(record: RunConfigRecord): string {
  return JSON.stringify(configRecordToJson(record), null, 2) + '\n';
}
