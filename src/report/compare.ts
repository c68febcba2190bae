/**
 * The figures of a comparison (what `audiopred compare` writes to
 * compare.json): the final validation loss of every unit on every recording,
 * mean and 95 % CI over the seeds, and the mean validation-loss curves.
 *
 *   renderCompareReport(record, { dir, png })  → DIR/compare.html (+ PNGs)
 */
import { join } from 'node:path';
import type { EpochPoint } from '../jobs/job.js';
import type { Summary } from '../compare/stats.js';
import { REFERENCE_UNIT, type UnitSummary } from '../compare/summary.js';
import { bytes, compactCount } from '../format.js';
import { version } from '../version.js';
import { escapeHtml, table, type TableRow } from './html.js';
import { requireFont, type FontChoice } from './render.js';
import { compareCurvesSpec, compareFinalSpec, type CurvePoint, type FinalPoint } from './specs.js';
import { checkOutputPath, writeReportFiles, type Figure, type ReportFiles } from './write.js';

/** What the figures read of compare.json (the record compareCommand writes fits it). */
export interface CompareRecord {
  audiopred?: string;
  created?: string;
  wall_seconds?: number;
  seeds?: readonly number[];
  files?: readonly { path: string; segments?: number }[];
  config?: Record<string, unknown>;
  summaries: readonly UnitSummary[];
  runs: readonly { audio: string; unit: string; seed: number; status: string; curve: readonly EpochPoint[] }[];
}

export interface CompareReportOptions {
  /** Folder to write into. */
  dir: string;
  /** Also write each figure as a PNG: NAME-final.png, NAME-curves.png. */
  png: boolean;
  /** Log scale for the PNGs and the page's first view (the page switches either way). Default false. */
  log?: boolean;
  /** File name without extension; default 'compare' → compare.html. */
  name?: string;
  /** The font for PNG text; found on the system when not given. */
  font?: FontChoice | null;
}

const unique = <T>(xs: readonly T[]) => [...new Set(xs)];

/** The figures' data: final-loss points (null summaries left out) and mean curves per (recording, unit). */
export function compareData(record: CompareRecord): { units: string[]; recordings: string[]; finals: FinalPoint[]; curves: CurvePoint[]; missing: string[] } {
  const units = unique([...record.summaries.map((s) => s.unit), ...record.runs.map((r) => r.unit)]);
  const recordings = unique([...record.summaries.map((s) => s.audio), ...record.runs.map((r) => r.audio)]);
  const finals: FinalPoint[] = [];
  const missing: string[] = [];
  for (const s of record.summaries) {
    const v = s.final_val;
    if (v && Number.isFinite(v.mean)) {
      finals.push({ recording: s.audio, unit: s.unit, mean: v.mean, low: v.ci95?.[0] ?? null, high: v.ci95?.[1] ?? null, seeds: v.n });
    } else {
      missing.push(`${s.unit} on ${s.audio}`);
    }
  }
  const lastEpoch = Math.max(1, ...record.runs.map((r) => r.curve.length ? r.curve[r.curve.length - 1].epoch : 0));
  const curves: CurvePoint[] = [];
  for (const recording of recordings) {
    for (const unit of units) {
      const runs = record.runs.filter((r) => r.audio === recording && r.unit === unit && r.status === 'ok' && r.curve.length);
      if (!runs.length) continue;
      const byEpoch = new Map<number, number[]>();
      for (const r of runs) for (const p of r.curve) if (Number.isFinite(p.val)) byEpoch.set(p.epoch, [...(byEpoch.get(p.epoch) ?? []), p.val]);
      const mean = [...byEpoch].sort((a, b) => a[0] - b[0]).map(([epoch, vals]) => ({ epoch, loss: vals.reduce((a, b) => a + b, 0) / vals.length }));
      if (mean.length === 1) {
        // A baseline or a closed-form fit: one pass, drawn flat over the others' epochs.
        for (const epoch of [1, lastEpoch]) curves.push({ recording, unit, epoch, loss: mean[0].loss, kind: 'one pass' });
      } else {
        for (const m of mean) curves.push({ recording, unit, ...m, kind: 'trained' });
      }
    }
  }
  return { units, recordings, finals, curves, missing };
}

/** A loss is never negative: a CI that reaches below 0 is cut at 0, on a log scale at a tenth of its mean. */
function cutIntervals(points: readonly FinalPoint[], log: boolean): { points: FinalPoint[]; cut: boolean } {
  let cut = false;
  const out = points.map((p) => {
    if (p.low === null || p.low > 0) return p;
    cut = true;
    return { ...p, low: log ? p.mean / 10 : 0 };
  });
  return { points: out, cut };
}

/** '—' where a statistic does not exist (the spread of one seed, a unit with no finished run). */
const fixed = (x: number | null, digits = 4) => (x === null ? '—' : x.toFixed(digits));
const meanStd = (s: Summary | null) => (s ? `${fixed(s.mean)} ± ${fixed(s.std)}` : '—');

function summaryRows(record: CompareRecord, recordings: readonly string[]): TableRow[] {
  const rows: TableRow[] = [];
  for (const recording of recordings) {
    const file = record.files?.find((f) => f.path.endsWith(recording));
    rows.push({ name: `${recording}${file?.segments !== undefined ? ` (${file.segments} segments)` : ''}`, cells: [] });
    for (const u of record.summaries.filter((s) => s.audio === recording)) {
      rows.push({
        name: u.unit,
        cells: [
          meanStd(u.final_val),
          u.final_val?.ci95 ? `${fixed(u.final_val.ci95[0])} … ${fixed(u.final_val.ci95[1])}` : '—',
          u.unit === REFERENCE_UNIT ? 'reference' : u.improvement ? `${u.improvement.mean >= 0 ? '+' : ''}${u.improvement.mean.toFixed(1)} %` : '—',
          u.cost ? compactCount(u.cost.params) : '—',
          u.cost ? bytes(u.cost.memoryBytes) : '—',
          u.cost?.macsPerFrame !== undefined ? compactCount(u.cost.macsPerFrame) : '—',
          `${u.ok} / ${u.seeds.length}`,
          u.epochs !== null ? String(Math.round(u.epochs)) : '—',
        ],
      });
    }
  }
  return rows;
}

/**
 * Writes DIR/NAME.html (NAME defaults to 'compare') about `record`, the
 * content of compare.json, and with `png` also NAME-final.png and
 * NAME-curves.png. Returns the paths written. Throws a UsageError when a
 * file cannot be written or --png finds no font.
 */
export async function renderCompareReport(record: CompareRecord, options: CompareReportOptions): Promise<ReportFiles> {
  const name = options.name ?? 'compare';
  const out = join(options.dir, `${name}.html`);
  checkOutputPath(out);
  const font = options.png ? (options.font ?? requireFont()) : null;
  const log = options.log ?? false;
  const { units, recordings, finals, curves, missing } = compareData(record);
  const cut = cutIntervals(finals, false).cut;
  const seeds = record.seeds ?? unique(record.runs.map((r) => r.seed));
  const config = record.config ?? {};
  const figures: Figure[] = [
    {
      name: 'final',
      spec: (l) => compareFinalSpec(cutIntervals(finals, l).points, units, recordings, l),
      switchable: true,
      caption:
        `Validation loss after the last epoch: the point is the mean over ${seeds.length} seed${seeds.length === 1 ? '' : 's'}, the bar its 95 % confidence interval (Student's t; none with one seed). ` +
        `Lower is better; ${REFERENCE_UNIT} (predict the last frame seen) is the reference every unit should beat.` +
        (cut ? ' Intervals that reach below 0 are cut there (on the log scale at a tenth of their mean).' : '') +
        (missing.length ? ` <span class="note">No finished run: ${escapeHtml(missing.join(', '))}.</span>` : ''),
    },
    {
      name: 'curves',
      spec: (l) => compareCurvesSpec(l ? curves.filter((c) => c.loss > 0) : curves, units, recordings, l),
      switchable: true,
      caption: 'Validation loss per epoch, the mean over the seeds; units that finish in one pass (baselines, closed-form fits) are drawn as flat dashed lines. Each recording has its own y scale.',
    },
  ];
  const columns = ['final val (mean ± std)', '95 % CI', 'vs persistence', 'params', 'memory', 'MACs/frame', 'runs ok', 'epochs'];
  const settings = ['epochs', 'lr', 'hidden', 'batch', 'segment', 'horizon', 'normalize']
    .filter((k) => config[k] !== undefined)
    .map((k) => `${k} ${String(config[k])}`)
    .join(', ');
  const runs = record.runs.length;
  const intro =
    `<p>${units.length} units × ${seeds.length} seed${seeds.length === 1 ? '' : 's'} × ${recordings.length} recording${recordings.length === 1 ? '' : 's'} = ${runs} runs of <code>audiopred compare</code>` +
    (settings ? ` (${escapeHtml(settings)})` : '') +
    '. Each unit predicts later MFCC frames of held-out segments of each recording; the loss is the mean squared error. ' +
    'The first figure compares the units\' final validation loss with its spread over seeds, the second how it fell during training; the table gives the numbers.</p>';
  const meta =
    `Written by audiopred ${version} on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC` +
    (record.created ? ` from a comparison made ${record.created.slice(0, 16).replace('T', ' ')} UTC` : '') +
    (record.wall_seconds !== undefined ? ` in ${(record.wall_seconds / 60).toFixed(1)} min` : '') +
    '.';
  return writeReportFiles(
    out,
    {
      title: `audiopred compare: ${units.join(', ')}`,
      meta,
      intro,
      sections: ['<h2>Final validation loss</h2>', 0, '<h2>Validation loss during training</h2>', 1, '<h2>Numbers</h2>', table(columns, summaryRows(record, recordings))],
      figures,
    },
    { log, font },
  );
}
