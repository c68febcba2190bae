/**
 * Per recording and unit: the seeds' results summarised, and the
 * improvement over persistence, paired by seed (a seed fixes the split, so
 * both units are scored on the same validation segments).
 */
import { basename } from 'node:path';
import type { CostReport } from '../train/learner.js';
import type { JobResult } from './job.js';
import { summarize, type Summary } from './stats.js';

export const REFERENCE_UNIT = 'persistence';

export interface UnitSummary {
  audio: string; // file name
  unit: string;
  seeds: number[];
  ok: number;
  diverged: number;
  failed: number;
  /** First error line of a run that did not finish. */
  error?: string;
  epochs: number; // mean epochs run (closed-form units stop early)
  finalVal: Summary | null;
  bestVal: Summary | null;
  finalTrain: Summary | null;
  /** 100·(1 − val / persistence's val on the same seed), in %: > 0 beats persistence. */
  improvement: Summary | null;
  seconds: Summary;
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
      audio: basename(runs[0].job.audio),
      unit: runs[0].job.label,
      seeds: runs.map((r) => r.job.seed),
      ok: ok.length,
      diverged: runs.filter((r) => r.status === 'diverged').length,
      failed: runs.filter((r) => r.status === 'failed').length,
      ...(notOk?.error ? { error: notOk.error } : {}),
      epochs: ok.length ? ok.reduce((a, r) => a + r.curve.length, 0) / ok.length : 0,
      finalVal: summaryOf(ok.map((r) => r.finalVal)),
      bestVal: summaryOf(ok.map((r) => r.bestVal)),
      finalTrain: summaryOf(ok.map((r) => r.finalTrain)),
      improvement: summaryOf(improvements),
      seconds: summarize(runs.map((r) => r.seconds)),
      cost: ok[0]?.cost ?? null,
    };
  });
}
