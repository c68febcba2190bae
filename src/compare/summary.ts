/**
 * Per recording and unit: the seeds' results summarised, and the
 * improvement over persistence, paired by seed (a seed fixes the split, so
 * both units are scored on the same validation segments).
 */
import type { CostReport } from '../models/cost.js';
import { fileName } from '../format.js';
import { costFromJson } from '../runs/record-json.js';
import type { JobResult } from '../jobs/job.js';
import { summarize, type Summary } from './stats.js';

export const REFERENCE_UNIT = 'persistence';

export interface UnitSummary {
  audio: string; // file name
  unit: string;
  seeds: number[];
  ok: number;
  diverged: number;
  failed: number;
  /** Stopped before the end (a `compare --resume` continues them). */
  interrupted: number;
  /** First error line of a run that did not finish. */
  error?: string;
  /** Mean epochs run (closed-form units stop early); null when no run finished. */
  epochs: number | null;
  /** Each summary is null when no run finished (and its std and ci95 are null with one run). */
  final_val: Summary | null;
  best_val: Summary | null;
  final_train: Summary | null;
  /** 100·(1 − val / persistence's val on the same seed), in %: > 0 beats persistence; null without a persistence run to pair with. */
  improvement: Summary | null;
  /** Training seconds of the runs that finished; null if none did. */
  seconds: Summary | null;
  /** sMAPE of the free-running test (mackey-glass); absent for tasks without one. */
  smape?: Summary | null;
  cost: CostReport | null;
}

const summaryOf = (values: number[]): Summary | null => (values.length ? summarize(values) : null);

export function summarizeResults(results: readonly JobResult[]): UnitSummary[] {
  const groups = new Map<string, JobResult[]>();
  for (const r of results) {
    const key = `${r.job.audio}\u0000${r.job.label}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const referenceVal = new Map<string, number>(); // audio + seed → persistence's final val
  for (const r of results) {
    if (r.job.label === REFERENCE_UNIT && r.status === 'ok') referenceVal.set(`${r.job.audio}\u0000${r.job.seed}`, r.finalVal);
  }
  return [...groups.values()].map((runs) => {
    const ok = runs.filter((r) => r.status === 'ok');
    const improvements = ok
      .map((r) => [r.finalVal, referenceVal.get(`${r.job.audio}\u0000${r.job.seed}`)] as const)
      // Against a zero loss (persistence on digital silence) no relative improvement exists.
      .filter((pair): pair is readonly [number, number] => pair[1] !== undefined && pair[1] > 0)
      .map(([val, ref]) => 100 * (1 - val / ref));
    const notOk = runs.find((r) => r.status !== 'ok');
    return {
      audio: fileName(runs[0].job.audio),
      unit: runs[0].job.label,
      seeds: runs.map((r) => r.job.seed),
      ok: ok.length,
      diverged: runs.filter((r) => r.status === 'diverged').length,
      failed: runs.filter((r) => r.status === 'failed').length,
      interrupted: runs.filter((r) => r.status === 'interrupted').length,
      ...(notOk?.error ? { error: notOk.error } : {}),
      epochs: ok.length ? ok.reduce((a, r) => a + r.curve.length, 0) / ok.length : null,
      final_val: summaryOf(ok.map((r) => r.finalVal)),
      best_val: summaryOf(ok.map((r) => r.bestVal)),
      final_train: summaryOf(ok.map((r) => r.finalTrain)),
      improvement: summaryOf(improvements),
      seconds: summaryOf(ok.map((r) => r.seconds).filter(Number.isFinite)),
      ...(ok.some((r) => r.smape !== undefined) ? { smape: summaryOf(ok.flatMap((r) => (r.smape !== undefined ? [r.smape] : []))) } : {}),
      cost: ok[0]?.cost ?? null,
    };
  });
}

/**
 * The `summaries` of a compare.json, read back. Comparisons written before
 * the keys were snake_case (finalVal, bestVal, finalTrain; ciLow, ciHigh,
 * and std 0 for one seed) are converted, so old folders still report.
 */
export function readUnitSummaries(raw: readonly Record<string, unknown>[]): UnitSummary[] {
  const stat = (v: unknown): Summary | null => {
    if (v === null || typeof v !== 'object') return null;
    const o = v as Record<string, unknown> & { n: number; mean: number };
    if ('ci95' in o) return o as unknown as Summary;
    const single = o.n === 1;
    return { n: o.n, mean: o.mean, std: single ? null : (o.std as number), ci95: single ? null : [o.ciLow as number, o.ciHigh as number] };
  };
  return raw.map((u) => {
    const { finalVal, bestVal, finalTrain, ...rest } = u;
    const pick = (snake: string, camel: unknown) => stat(snake in u ? u[snake] : camel);
    return {
      ...(rest as unknown as UnitSummary),
      final_val: pick('final_val', finalVal),
      best_val: pick('best_val', bestVal),
      final_train: pick('final_train', finalTrain),
      interrupted: (u.interrupted as number | undefined) ?? 0,
      improvement: stat(u.improvement),
      epochs: u.ok ? (u.epochs as number) : null,
      seconds: stat(u.seconds),
      ...('smape' in u ? { smape: stat(u.smape) } : {}),
      cost: costFromJson(u.cost),
    };
  });
}
