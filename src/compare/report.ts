/** A comparison's results as a text table per recording, CSV rows and JSON. */
import { basename } from 'node:path';
import { bytes, compactCount } from '../cli/format.js';
import type { JobResult } from './job.js';
import type { Summary } from './stats.js';
import { REFERENCE_UNIT, type UnitSummary } from './summary.js';

const fixed = (x: number, digits = 4) => x.toFixed(digits);
const meanStd = (s: Summary | null) => (s ? `${fixed(s.mean)} ± ${fixed(s.std)}` : '—');
const interval = (s: Summary | null) => (s ? `[${fixed(s.ciLow)}, ${fixed(s.ciHigh)}]` : '—');
const percent = (s: Summary | null) => (s ? `${s.mean >= 0 ? '+' : ''}${s.mean.toFixed(1)} ± ${s.std.toFixed(1)} %` : '—');

function seconds(s: number): string {
  return s >= 90 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`;
}

/** Columns of the text table and how each cell reads. */
const COLUMNS: [string, (u: UnitSummary) => string][] = [
  ['unit', (u) => u.unit],
  ['final val (mean ± std)', (u) => meanStd(u.finalVal)],
  ['95 % CI', (u) => interval(u.finalVal)],
  ['best val', (u) => meanStd(u.bestVal)],
  ['vs persistence', (u) => (u.unit === REFERENCE_UNIT ? 'reference' : percent(u.improvement))],
  ['params', (u) => (u.cost ? compactCount(u.cost.params) : '—')],
  ['memory', (u) => (u.cost ? bytes(u.cost.memoryBytes) : '—')],
  ['MACs/frame', (u) => (u.cost?.macsPerFrame !== undefined ? compactCount(u.cost.macsPerFrame) : '—')],
  ['epochs', (u) => (u.ok ? String(Math.round(u.epochs)) : '—')],
  ['time/run', (u) => seconds(u.seconds.mean)],
];

/** One table per recording, as Markdown (readable in a terminal, pasteable into a README). */
export function formatTables(summaries: readonly UnitSummary[], heading: (audio: string) => string): string {
  const out: string[] = [];
  const files = [...new Set(summaries.map((s) => s.audio))];
  for (const file of files) {
    const rows = summaries.filter((s) => s.audio === file);
    const cells = rows.map((u) => COLUMNS.map(([, cell]) => cell(u)));
    const widths = COLUMNS.map(([title], c) => Math.max(title.length, ...cells.map((r) => r[c].length)));
    const line = (values: string[]) => `| ${values.map((v, c) => v.padEnd(widths[c])).join(' | ')} |`;
    out.push(heading(file), '', line(COLUMNS.map(([title]) => title)), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const r of cells) out.push(line(r));
    for (const u of rows) {
      if (u.ok < u.seeds.length) {
        out.push(`${u.unit}: ${u.seeds.length - u.ok} of ${u.seeds.length} runs did not finish (${u.diverged} diverged, ${u.failed} failed): ${u.error ?? ''}`);
      }
    }
    out.push('');
  }
  return out.join('\n');
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csv = (rows: unknown[][]) => rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';

export function summariesCsv(summaries: readonly UnitSummary[]): string {
  const header = [
    'audio', 'unit', 'runs', 'ok', 'diverged', 'failed', 'epochs',
    'final_val_mean', 'final_val_std', 'final_val_ci_low', 'final_val_ci_high',
    'best_val_mean', 'best_val_std', 'final_train_mean', 'improvement_pct_mean', 'improvement_pct_std',
    'params', 'trainable', 'memory_bytes', 'macs_per_frame', 'effective_macs_per_frame', 'activation_sparsity', 'seconds_mean',
  ];
  return csv([
    header,
    ...summaries.map((u) => [
      u.audio, u.unit, u.seeds.length, u.ok, u.diverged, u.failed, u.epochs,
      u.finalVal?.mean, u.finalVal?.std, u.finalVal?.ciLow, u.finalVal?.ciHigh,
      u.bestVal?.mean, u.bestVal?.std, u.finalTrain?.mean, u.improvement?.mean, u.improvement?.std,
      u.cost?.params, u.cost?.trainable, u.cost?.memoryBytes, u.cost?.macsPerFrame, u.cost?.effectiveMacsPerFrame,
      u.cost?.activationSparsity, u.seconds.mean,
    ]),
  ]);
}

export function runsCsv(results: readonly JobResult[]): string {
  return csv([
    ['audio', 'unit', 'seed', 'status', 'epochs', 'final_train', 'final_val', 'best_val', 'seconds', 'error'],
    ...results.map((r) => [
      basename(r.job.audio), r.job.label, r.job.seed, r.status, r.curve.length, r.finalTrain, r.finalVal, r.bestVal, r.seconds, r.error,
    ]),
  ]);
}
