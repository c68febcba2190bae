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
import { configFromJson } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import {
  CONFIG_FILE, configText, costFromJson, METRICS_FILE, metricsText, summarizeRun, SUMMARY_FILE, summaryText,
  type AudioFacts, type MachineFacts, type MetricsLine, type RunConfigRecord, type RunEnd, type RunStatus, type RunSummary,
} from './record-json.js';

export * from './record-json.js';

const METRICS_EVERY_MS = 5000;

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

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
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
    await writeFileAtomic(join(this.dir, CONFIG_FILE), configText(record));
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
    await writeFileAtomic(join(this.dir, METRICS_FILE), metricsText(this.metrics));
  }

  async writeSummary(status: RunStatus, end: RunEnd): Promise<RunSummary> {
    const summary = summarizeRun(status, this.metrics, end, peakRssMb());
    await this.flushMetrics();
    await writeFileAtomic(join(this.dir, SUMMARY_FILE), summaryText(summary));
    return summary;
  }
}
