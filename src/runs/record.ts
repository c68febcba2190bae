/**
 * The files of a run folder besides the checkpoints:
 *
 *   config.json    what was run: the resolved config, the unit, the audio file
 *                  (name, size, SHA-256), the split, the machine, the version
 *   metrics.jsonl  one line per epoch: losses, wall time, epochs/s
 *   summary.json   how it ended: final and best losses, the validation
 *                  segments, the cost metrics, the status
 *
 * Every write replaces the file atomically. metrics.jsonl is rewritten with
 * each checkpoint, at the end, and at most every few seconds between, so it
 * never holds a torn line and never lags a checkpoint.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import type { CostReport } from '../train/learner.js';
import type { EpochResult } from '../train/trainer.js';


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

export function audioFacts(path: string): AudioFacts {
  const bytes = readFileSync(path);
  return { path: resolve(path), name: basename(path), bytes: statSync(path).size, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function machineFacts(): Record<string, unknown> {
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

export class RunRecord {
  readonly metrics: MetricsLine[] = [];
  private lastWrite = 0;

  constructor(readonly dir: string) {}

  async writeConfig(config: Record<string, unknown>): Promise<void> {
    await writeFileAtomic(join(this.dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  }

  /** The epochs an earlier session recorded, up to `epoch` (a resumed run continues after them). */
  async loadMetrics(epoch: number): Promise<void> {
    const path = join(this.dir, 'metrics.jsonl');
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const m = JSON.parse(line) as MetricsLine;
        if (m.epoch <= epoch) this.metrics.push(m);
      } catch {
        throw new UsageError(`${path}: line '${line.slice(0, 40)}' is not JSON; the run folder is damaged`);
      }
    }
  }

  /** Seconds of training recorded before this session. */
  get previousSeconds(): number {
    return this.metrics.at(-1)?.seconds ?? 0;
  }

  async epoch(result: EpochResult, seconds: number, epochsPerSecond: number): Promise<void> {
    this.metrics.push({ epoch: result.epoch, train_loss: result.trainLoss, val_loss: result.valLoss, seconds, epochs_per_second: epochsPerSecond });
    if (performance.now() - this.lastWrite >= METRICS_EVERY_MS) await this.flushMetrics();
  }

  async flushMetrics(): Promise<void> {
    this.lastWrite = performance.now();
    await writeFileAtomic(join(this.dir, 'metrics.jsonl'), this.metrics.map((m) => JSON.stringify(m)).join('\n') + (this.metrics.length ? '\n' : ''));
  }

  async writeSummary(status: 'done' | 'interrupted' | 'diverged', extra: { valSegments: number[]; trainSegments: number[]; cost?: CostReport; error?: string }): Promise<void> {
    const last = this.metrics.at(-1);
    let best: MetricsLine | undefined;
    for (const m of this.metrics) if (Number.isFinite(m.val_loss) && (!best || m.val_loss < best.val_loss)) best = m;
    const summary = {
      status,
      epochs: last?.epoch ?? 0,
      final_train_loss: last?.train_loss ?? null,
      final_val_loss: last?.val_loss ?? null,
      best_val_loss: best?.val_loss ?? null,
      best_epoch: best?.epoch ?? null,
      train_seconds: last?.seconds ?? 0,
      val_segments: extra.valSegments,
      train_segments: extra.trainSegments,
      cost: extra.cost ?? null,
      ...(extra.error ? { error: extra.error } : {}),
    };
    await this.flushMetrics();
    await writeFileAtomic(join(this.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  }
}
