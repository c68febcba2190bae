/**
 * The files of a run folder besides the checkpoints, each with one type, written and read here:
 *
 *   config.json    RunConfigRecord: what was run: the resolved config, the unit, the audio file
 *                  (name, size, SHA-256), the split, the machine, the version
 *   metrics.jsonl  MetricsLine per epoch: losses, wall time, epochs/s
 *   summary.json   RunSummary: how it ended: final and best losses, the final model's loss on
 *                  the test segments, the segments of each part, the cost metrics, the status
 *
 * On disk every key is snake_case; in memory the config is a TrainConfig and the cost a
 * CostReport, converted at this boundary only. Every write replaces the file atomically.
 * metrics.jsonl is rewritten with each checkpoint, at the end, and at most every few seconds
 * between, so it never holds a torn line and never lags a checkpoint.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { configFromJson, configToJson, type TrainConfig } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { neurobenchMetrics, type CostReport } from '../models/cost.js';

export const CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.jsonl';
export const SUMMARY_FILE = 'summary.json';

const METRICS_EVERY_MS = 5000;

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

/** The SHA-256 of a file, read in pieces (a recording may be larger than the memory we allow ourselves). */
export async function audioFacts(path: string): Promise<AudioFacts> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { path: resolve(path), name: basename(path), bytes: statSync(path).size, sha256: hash.digest('hex') };
}

export function machineFacts(): MachineFacts {
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

/** Peak resident memory of this process so far, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
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

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function configRecordToJson(record: RunConfigRecord): Record<string, unknown> {
  return { ...record, config: configToJson(record.config) };
}

/** config.json of run folder `dir`; a UsageError if it is not a run folder. */
export function readConfigRecord(dir: string): RunConfigRecord {
  let json: Record<string, unknown>;
  try {
    json = readJson(join(dir, CONFIG_FILE)) as Record<string, unknown>;
    if (typeof json !== 'object' || json === null || typeof json.config !== 'object') throw new Error('no config');
  } catch {
    throw new UsageError(`${dir} is not a run folder (no readable config.json); give a folder that audiopred train wrote`);
  }
  const record = json as unknown as RunConfigRecord;
  const data = record.data && { ...record.data, test: record.data.test ?? [] };
  return { ...record, data, config: configFromJson(json.config, join(dir, CONFIG_FILE)) };
}

/** summary.json of run folder `dir`, or null while the run has none (in progress, or killed). */
export function readSummary(dir: string): RunSummary | null {
  let json: Record<string, unknown>;
  try {
    json = readJson(join(dir, SUMMARY_FILE)) as Record<string, unknown>;
  } catch {
    return null;
  }
  const summary = json as unknown as RunSummary;
  // Summaries from before the test split have neither test field.
  return { ...summary, final_test_loss: summary.final_test_loss ?? null, test_segments: summary.test_segments ?? [], cost: costFromJson(json.cost) };
}

/** The epochs metrics.jsonl holds ([] if none); a damaged line is a UsageError. */
export function readMetrics(dir: string): MetricsLine[] {
  const path = join(dir, METRICS_FILE);
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const lines: MetricsLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      lines.push(JSON.parse(line) as MetricsLine);
    } catch {
      throw new UsageError(`${path}: line '${line.slice(0, 40)}' is not JSON; the run folder is damaged`);
    }
  }
  return lines;
}

/** The writer of one run folder's records. */
export class RunRecord {
  readonly metrics: MetricsLine[] = [];
  private lastWrite = 0;

  constructor(readonly dir: string) {}

  async writeConfig(record: RunConfigRecord): Promise<void> {
    await writeFileAtomic(join(this.dir, CONFIG_FILE), JSON.stringify(configRecordToJson(record), null, 2) + '\n');
  }

  /** The epochs an earlier session recorded, up to `epoch` (a resumed run continues after them). */
  loadMetrics(epoch: number): void {
    for (const m of readMetrics(this.dir)) if (m.epoch <= epoch) this.metrics.push(m);
  }

  /** Seconds of training recorded before this session. */
  get previousSeconds(): number {
    return this.metrics.at(-1)?.seconds ?? 0;
  }

  async epoch(line: MetricsLine): Promise<void> {
    this.metrics.push(line);
    if (performance.now() - this.lastWrite >= METRICS_EVERY_MS) await this.flushMetrics();
  }

  async flushMetrics(): Promise<void> {
    this.lastWrite = performance.now();
    await writeFileAtomic(join(this.dir, METRICS_FILE), this.metrics.map((m) => JSON.stringify(m)).join('\n') + (this.metrics.length ? '\n' : ''));
  }

  async writeSummary(
    status: RunStatus,
    extra: { valSegments: number[]; trainSegments: number[]; testSegments: number[]; testLoss?: number; freeRunSmape?: number; cost?: CostReport; error?: string },
  ): Promise<RunSummary> {
    const last = this.metrics.at(-1);
    let best: MetricsLine | undefined;
    for (const m of this.metrics) if (Number.isFinite(m.val_loss) && (!best || m.val_loss < best.val_loss)) best = m;
    const summary: RunSummary = {
      status,
      epochs: last?.epoch ?? 0,
      final_train_loss: last?.train_loss ?? null,
      final_val_loss: last?.val_loss ?? null,
      best_val_loss: best?.val_loss ?? null,
      best_epoch: best?.epoch ?? null,
      final_test_loss: extra.testLoss ?? null,
      ...(extra.freeRunSmape !== undefined ? { free_run_smape: extra.freeRunSmape } : {}),
      train_seconds: last?.seconds ?? 0,
      peak_rss_mb: Math.round(peakRssMb() * 10) / 10,
      val_segments: extra.valSegments,
      train_segments: extra.trainSegments,
      test_segments: extra.testSegments,
      cost: extra.cost ?? null,
      ...(extra.error ? { error: extra.error } : {}),
    };
    await this.flushMetrics();
    const json = { ...summary, cost: summary.cost ? costToJson(summary.cost) : null, neurobench: summary.cost ? neurobenchMetrics(summary.cost) : null };
    await writeFileAtomic(join(this.dir, SUMMARY_FILE), JSON.stringify(json, null, 2) + '\n');
    return summary;
  }
}
