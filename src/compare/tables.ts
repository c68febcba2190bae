/**
 * A comparison's results as tables: Markdown per recording (table.md and the
 * terminal), compare.csv (a row per unit and recording) and runs.csv (a row
 * per run). A statistic that does not exist — the spread of one seed, an
 * improvement with no persistence run to pair with — reads '—' in Markdown
 * and is an empty cell in CSV, never 0.
 */
import { bytes, compactCount, duration, fileName, markdownTable } from '../format.js';
import type { JobResult } from '../jobs/job.js';
import type { Summary } from './stats.js';
import { REFERENCE_UNIT, type UnitSummary } from './summary.js';

const NONE = '—';
const fixed = (x: number | null, digits = 4) => (x === null ? NONE : x.toFixed(digits));
const meanStd = (s: Summary | null) => (s ? `${fixed(s.mean)} ± ${fixed(s.std)}` : NONE);
const interval = (s: Summary | null) => (s?.ci95 ? `[${fixed(s.ci95[0])}, ${fixed(s.ci95[1])}]` : NONE);
const percent = (s: Summary | null) => (s ? `${s.mean >= 0 ? '+' : ''}${s.mean.toFixed(1)} ± ${fixed(s.std, 1)} %` : NONE);

/** Columns of the text table and how each cell reads. */
const BASE_COLUMNS: [string, (u: UnitSummary) => string][] = [
  ['unit', (u) => u.unit],
  ['final val (mean ± std)', (u) => meanStd(u.final_val)],
  ['95 % CI', (u) => interval(u.final_val)],
  ['best val', (u) => meanStd(u.best_val)],
  ['vs persistence', (u) => (u.unit === REFERENCE_UNIT ? 'reference' : percent(u.improvement))],
  ['params', (u) => (u.cost ? compactCount(u.cost.params) : NONE)],
  ['memory', (u) => (u.cost ? bytes(u.cost.memoryBytes) : NONE)],
  ['MACs/frame', (u) => (u.cost?.macsPerFrame !== undefined ? compactCount(u.cost.macsPerFrame) : NONE)],
  ['epochs', (u) => (u.epochs !== null ? String(Math.round(u.epochs)) : NONE)],
  ['time/run', (u) => (u.seconds ? duration(u.seconds.mean) : NONE)],
];

/** For a task scored free-running (mackey-glass): its sMAPE, after the unit's name. */
const SMAPE_COLUMNS: [string, (u: UnitSummary) => string][] = [
  ['sMAPE free run (mean ± std)', (u) => (u.smape ? `${fixed(u.smape.mean, 2)} ± ${fixed(u.smape.std, 2)}` : NONE)],
  ['sMAPE 95 % CI', (u) => (u.smape?.ci95 ? `[${fixed(u.smape.ci95[0], 2)}, ${fixed(u.smape.ci95[1], 2)}]` : NONE)],
];

/** One table per recording, as Markdown (readable in a terminal, pasteable into a README). */
export function formatTables(summaries: readonly UnitSummary[], heading: (audio: string) => string): string {
  const out: string[] = [];
  const files = [...new Set(summaries.map((s) => s.audio))];
  for (const file of files) {
    const rows = summaries.filter((s) => s.audio === file);
    const COLUMNS = rows.some((u) => u.smape) ? [BASE_COLUMNS[0], ...SMAPE_COLUMNS, ...BASE_COLUMNS.slice(1)] : BASE_COLUMNS;
    const cells = rows.map((u) => COLUMNS.map(([, cell]) => cell(u)));
    out.push(heading(file), '', ...markdownTable(COLUMNS.map(([title]) => title), cells));
    for (const u of rows) {
      if (u.ok < u.seeds.length) {
        const why = [`${u.diverged} diverged`, `${u.failed} failed`, ...(u.interrupted ? [`${u.interrupted} interrupted`] : [])].join(', ');
        out.push(`${u.unit}: ${u.seeds.length - u.ok} of ${u.seeds.length} runs did not finish (${why}): ${u.error ?? ''}`);
      }
    }
    out.push('');
  }
  return out.join('\n');
}

/** A CSV cell: empty for what does not exist (null, undefined, NaN, ±Infinity), quoted when needed. */
const csvCell = (v: unknown) => {
  const s = v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csv = (rows: unknown[][]) => rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';

export function summariesCsv(summaries: readonly UnitSummary[]): string {
  const header = [
    'audio', 'unit', 'runs', 'ok', 'diverged', 'failed', 'epochs',
    'final_val_mean', 'final_val_std', 'final_val_ci_low', 'final_val_ci_high',
    'best_val_mean', 'best_val_std', 'final_train_mean', 'improvement_pct_mean', 'improvement_pct_std',
    'params', 'trainable', 'memory_bytes', 'macs_per_frame', 'effective_macs_per_frame', 'activation_sparsity', 'seconds_mean',
    'smape_mean', 'smape_std', 'smape_ci_low', 'smape_ci_high',
  ];
  return csv([
    header,
    ...summaries.map((u) => [
      u.audio, u.unit, u.seeds.length, u.ok, u.diverged, u.failed, u.epochs,
      u.final_val?.mean, u.final_val?.std, u.final_val?.ci95?.[0], u.final_val?.ci95?.[1],
      u.best_val?.mean, u.best_val?.std, u.final_train?.mean, u.improvement?.mean, u.improvement?.std,
      u.cost?.params, u.cost?.trainable, u.cost?.memoryBytes, u.cost?.macsPerFrame, u.cost?.effectiveMacsPerFrame,
      u.cost?.activationSparsity, u.seconds?.mean,
      u.smape?.mean, u.smape?.std, u.smape?.ci95?.[0], u.smape?.ci95?.[1],
    ]),
  ]);
}

/** A row per run; a run that did not finish has empty loss cells (its losses do not exist). */
export function runsCsv(results: readonly JobResult[]): string {
  return csv([
    ['audio', 'unit', 'seed', 'status', 'epochs', 'final_train', 'final_val', 'best_val', 'free_run_smape', 'seconds', 'error'],
    ...results.map((r) => [
      fileName(r.job.audio), r.job.label, r.job.seed, r.status, r.curve.length, r.finalTrain, r.finalVal, r.bestVal, r.smape, r.seconds, r.error,
    ]),
  ]);
}
