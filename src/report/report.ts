/**
 * `audiopred report RUN…`: one HTML page about one or more run folders —
 * their loss curves overlaid, their configs and results side by side, and
 * each saved unit's prediction of one validation segment (heatmaps of the
 * target and predicted MFCC frames, and the squared error along the
 * segment) — plus, with --png, each figure as a PNG beside the page.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { MFCC_DEFAULTS } from '../audio/mfcc.js';
import { readUnitSummaries } from '../compare/summary.js';
import { UsageError } from '../errors.js';
import { bytes, compactCount, duration } from '../format.js';
import { MODEL_FILE } from '../runs/checkpoint.js';
import { ensureFolder } from '../runs/folder.js';
import type { CostReport } from '../models/cost.js';
import { openRun, predictValidationSegment, type RunFolder, type SegmentPrediction } from '../runs/open.js';
import { version } from '../version.js';
import { renderCompareReport, type CompareRecord } from './compare.js';
import { escapeHtml, table, type TableRow } from './html.js';
import { requireFont } from './render.js';
import { errorSpec, heatmapSpec, lossCurvesSpec, type ErrorPoint, type HeatmapPanel, type LossPoint } from './specs.js';
import { checkOutputPath, writeReportFiles, type Figure, type ReportFiles } from './write.js';

export interface RunReportOptions {
  /** The HTML file to write. */
  out: string;
  /** Also write each figure as a PNG beside it. */
  png: boolean;
  /** Log-scale y for the loss and error figures (the page can switch either way). */
  log: boolean;
  /** Which validation segment to predict: its position in each run's split (0 = the first). */
  valSegment: number;
}

interface ReportRun {
  folder: RunFolder;
  /** How figures and tables name it: 'rA (rnn)'. */
  name: string;
  prediction: SegmentPrediction | null;
  /** Why there is no prediction. */
  missing?: string;
}

const unitLabel = (run: RunFolder) => run.record.unit?.label ?? String(run.record.config.model);

/** 'FOLDER (unit)' (or just the unit when the folder is named after it), with a longer path where two folders share a name. */
function runNames(runs: readonly RunFolder[]): string[] {
  const short = runs.map((r) => basename(r.dir.replace(/[/\\]+$/, '')) || r.dir);
  const names = runs.map((r, i) => {
    const folder = short.filter((s) => s === short[i]).length > 1 ? relative(process.cwd(), r.dir) || r.dir : short[i];
    return folder === unitLabel(r) ? folder : `${folder} (${unitLabel(r)})`;
  });
  return names.map((n, i) => (names.indexOf(n) === i ? n : `${n} #${i + 1}`));
}

const fixed = (x: unknown, digits = 4) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : x === null || x === undefined ? '—' : String(x));
const seconds = (s: unknown) => (typeof s === 'number' ? duration(s) : '—');
/** How long a frame is, in ms; NaN for a series task, whose frames have no rate. */
const frameMsOf = (p: SegmentPrediction) => (p.sampleRate === null ? NaN : (1000 * MFCC_DEFAULTS.hopLength) / p.sampleRate);

/** The segment's place in the recording, for captions. */
function segmentPlace(run: ReportRun): string {
  const p = run.prediction!;
  const L = run.folder.record.config.segment;
  const ms = frameMsOf(p);
  if (!Number.isFinite(ms)) return `validation segment ${p.segment} of ${run.folder.record.audio.name} (frames ${p.segment * L}–${(p.segment + 1) * L})`;
  const start = (p.segment * L * ms) / 1000;
  const end = ((p.segment + 1) * L * ms) / 1000;
  return `validation segment ${p.segment} of ${run.folder.record.audio.name} (${start.toFixed(1)}–${end.toFixed(1)} s)`;
}

/** Runs whose targets are the same frames (same audio, features, segmentation, split, horizon) share one target panel. */
function targetKey(run: ReportRun): string {
  const c = run.folder.record.config;
  const audio = run.folder.record.audio as { sha256?: string; path: string };
  return [audio.sha256 ?? audio.path, c.normalize, c.segment, c.horizon, run.prediction!.segment].join('|');
}

function configRows(runs: readonly ReportRun[]): TableRow[] {
  const row = (name: string, cell: (r: ReportRun) => string): TableRow => ({ name, cells: runs.map(cell) });
  const rec = (r: ReportRun) => r.folder.record as Record<string, unknown> & RunFolder['record'];
  const cfg = (r: ReportRun) => r.folder.record.config;
  const sum = (r: ReportRun) => r.folder.summary; // null while the run is in progress
  const cost = (r: ReportRun) => (sum(r)?.cost ?? null) as CostReport | null;
  const data = (r: ReportRun) => (rec(r).data ?? {}) as { train?: number[]; val?: number[]; segments?: number };
  const segmentMse = (r: ReportRun) => {
    const p = r.prediction;
    if (!p) return '—';
    let s = 0;
    for (let i = 0; i < p.target.length; i++) s += (p.prediction[i] - p.target[i]) ** 2;
    return fixed(s / p.target.length);
  };
  return [
    { name: 'config', cells: [] },
    row('folder', (r) => r.folder.dir),
    row('unit', (r) => {
      const kind = (rec(r).unit as { kind?: string } | undefined)?.kind;
      return `${unitLabel(r.folder)}${kind ? ` (${kind})` : ''}`;
    }),
    row('audio', (r) => r.folder.record.audio.name),
    row('seed', (r) => String(cfg(r).seed)),
    row('epochs', (r) => String(cfg(r).epochs)),
    row('learning rate', (r) => String(cfg(r).lr)),
    row('weight decay', (r) => String(cfg(r).weightDecay)),
    row('hidden', (r) => String(cfg(r).hidden)),
    row('batch', (r) => String(cfg(r).batch)),
    row('segment (frames)', (r) => String(cfg(r).segment)),
    row('horizon', (r) => String(cfg(r).horizon)),
    row('normalize', (r) => String(cfg(r).normalize)),
    row('unit options', (r) => Object.entries(cfg(r).options ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || '—'),
    row('segments (train / val)', (r) => (data(r).train ? `${data(r).train!.length} / ${data(r).val?.length ?? '?'}` : '—')),
    row('backend', (r) => String(rec(r).backend ?? cfg(r).backend)),
    row('audiopred', (r) => String(rec(r).audiopred ?? '—')),
    { name: 'results', cells: [] },
    row('status', (r) => String(sum(r)?.status ?? (r.folder.metrics.length ? 'in progress' : 'no epochs yet'))),
    row('epochs run', (r) => String(sum(r)?.epochs ?? r.folder.metrics.at(-1)?.epoch ?? 0)),
    row('final train loss', (r) => fixed(sum(r)?.final_train_loss ?? r.folder.metrics.at(-1)?.train_loss)),
    row('final val loss', (r) => fixed(sum(r)?.final_val_loss ?? r.folder.metrics.at(-1)?.val_loss)),
    row('best val loss (epoch)', (r) => (sum(r)?.best_val_loss !== undefined && sum(r)?.best_val_loss !== null ? `${fixed(sum(r)?.best_val_loss)} (${sum(r)?.best_epoch})` : '—')),
    row('val loss on the segment shown', segmentMse),
    row('training time', (r) => seconds(sum(r)?.train_seconds ?? r.folder.metrics.at(-1)?.seconds)),
    { name: 'cost', cells: [] },
    row('parameters', (r) => {
      const c = cost(r);
      return c ? `${compactCount(c.params)}${c.trainable !== c.params ? ` (${compactCount(c.trainable)} trained)` : ''}` : '—';
    }),
    row('memory', (r) => {
      const c = cost(r);
      return c ? bytes(c.memoryBytes) : '—';
    }),
    row('MACs / frame', (r) => {
      const macs = cost(r)?.macsPerFrame;
      return macs !== undefined ? compactCount(macs) : '—';
    }),
    row('effective MACs / frame', (r) => {
      const macs = cost(r)?.effectiveMacsPerFrame;
      return macs !== undefined ? compactCount(macs) : '—';
    }),
    row('activation sparsity', (r) => {
      const sparsity = cost(r)?.activationSparsity;
      return sparsity !== undefined ? `${(100 * sparsity).toFixed(1)} %` : '—';
    }),
  ];
}

/** A folder that `audiopred compare` wrote (compare.json, no config.json). */
function compareRecordIn(dir: string): CompareRecord | null {
  if (existsSync(join(dir, 'config.json')) || !existsSync(join(dir, 'compare.json'))) return null;
  let record: CompareRecord & { summaries: Record<string, unknown>[] };
  try {
    record = JSON.parse(readFileSync(join(dir, 'compare.json'), 'utf8'));
  } catch {
    throw new UsageError(`${join(dir, 'compare.json')} is not readable JSON; the comparison folder is damaged`);
  }
  return { ...record, summaries: readUnitSummaries(record.summaries) };
}

/** Makes the output's folder if it is missing (as `compare -o` does), then checks the path can be written. */
function prepareOutput(out: string): void {
  ensureFolder(dirname(out));
  checkOutputPath(out);
}

/**
 * Writes the report on `dirs`. A single folder that `audiopred compare`
 * wrote gets the comparison's report instead (renderCompareReport).
 */
export async function writeRunReport(dirs: readonly string[], options: RunReportOptions): Promise<ReportFiles> {
  if (dirs.length === 0) throw new UsageError('give at least one run folder');
  if (!Number.isSafeInteger(options.valSegment) || options.valSegment < 0) {
    throw new UsageError(`--val-segment must be an integer ≥ 0, got '${options.valSegment}'`);
  }
  const font = options.png ? requireFont() : null;
  const comparison = dirs.length === 1 ? compareRecordIn(dirs[0]) : null;
  if (comparison) {
    prepareOutput(options.out);
    const ext = extname(options.out);
    return renderCompareReport(comparison, { dir: dirname(options.out), name: basename(options.out, ext), png: options.png, log: options.log, font });
  }
  for (const dir of dirs) if (compareRecordIn(dir)) throw new UsageError(`${dir} is a comparison (compare.json); report on it alone, or on run folders from its runs/`);

  const folders = dirs.map((d) => openRun(d));
  prepareOutput(options.out); // after the folders are found good, before the work
  const names = runNames(folders);
  const runs: ReportRun[] = [];
  for (const [i, folder] of folders.entries()) {
    if (!existsSync(join(folder.dir, MODEL_FILE))) {
      runs.push({ folder, name: names[i], prediction: null, missing: `no saved unit (${MODEL_FILE}) yet` });
      continue;
    }
    const valCount = (folder.record.data as { val?: unknown[] } | undefined)?.val?.length;
    if (valCount !== undefined && options.valSegment >= valCount) {
      throw new UsageError(`--val-segment ${options.valSegment}: ${folder.dir} has ${valCount} validation segments (0…${valCount - 1})`);
    }
    runs.push({ folder, name: names[i], prediction: await predictValidationSegment(folder, options.valSegment) });
  }
  const predicted = runs.filter((r) => r.prediction);

  const figures: Figure[] = [];
  const sections: (string | number)[] = [];

  // Loss curves.
  const loss: LossPoint[] = [];
  let dropped = 0;
  for (const r of runs) {
    for (const m of r.folder.metrics) {
      for (const [split, value] of [['train', m.train_loss], ['val', m.val_loss]] as const) {
        if (Number.isFinite(value) && value > 0) loss.push({ run: r.name, epoch: m.epoch, split, loss: value });
        else dropped++;
      }
    }
  }
  const oneEpoch = runs.filter((r) => r.folder.metrics.length === 1).map((r) => r.name);
  figures.push({
    name: 'loss',
    spec: (log) => lossCurvesSpec(loss, names, log),
    switchable: true,
    caption:
      'Training loss (dashed; the mean over the epoch\'s batches, while the weights change) and validation loss (solid; after the epoch) of each run.' +
      (oneEpoch.length ? ` ${escapeHtml(oneEpoch.join(', '))} finished in one epoch (a single point).` : '') +
      (dropped ? ` <span class="note">${dropped} non-finite or non-positive losses left out (a diverged run).</span>` : ''),
  });
  sections.push('<h2>Loss curves</h2>', 0);

  // The configs and results.
  sections.push('<h2>Runs</h2>', table(names, configRows(runs), { markDiffering: true }), '<p class="meta">Row headings in red: the runs differ there.</p>');

  // One validation segment.
  sections.push('<h2>One validation segment</h2>');
  for (const r of runs) if (!r.prediction) sections.push(`<p class="note">${escapeHtml(r.name)}: ${escapeHtml(r.missing ?? '')}; not shown below.</p>`);
  if (predicted.length) {
    const groups = new Map<string, ReportRun[]>();
    for (const r of predicted) groups.set(targetKey(r), [...(groups.get(targetKey(r)) ?? []), r]);
    const panels: HeatmapPanel[] = [];
    for (const group of groups.values()) {
      const p = group[0].prediction!;
      const target = { frames: p.frames, features: p.features, firstFrame: p.horizon, frameMs: frameMsOf(p) };
      panels.push({ label: groups.size === 1 ? 'target (the recording)' : `target for ${group.map((g) => g.name).join(', ')}`, ...target, values: p.target });
      for (const g of group) panels.push({ label: `predicted by ${g.name}`, ...target, values: g.prediction!.prediction });
    }
    const first = predicted[0].prediction!;
    const places = [...groups.values()].map((g) => segmentPlace(g[0]));
    const normalize = predicted[0].folder.record.config.normalize;
    const sameSegment = groups.size === 1;
    const horizon = first.horizon;
    figures.push({
      name: 'heatmap',
      spec: () =>
        heatmapSpec(panels, {
          valueTitle: normalize === 'none' ? 'MFCC value' : 'standardised MFCC',
          subtitle: sameSegment ? `${places[0]}; one colour scale for all panels` : 'each run on its own validation segment; one colour scale for all panels',
        }),
      switchable: false,
      caption:
        `Each column of a panel is one frame of MFCC coefficients (${normalize === 'none' ? 'raw' : `standardised ${normalize === 'frame' ? 'per frame' : 'per coefficient'}`}). ` +
        `The target at frame t is the recording's frame; the prediction at frame t is what the unit output ${horizon} frame${horizon === 1 ? '' : 's'} earlier, having seen the segment up to then ` +
        `(horizon ${horizon}). Values beyond the colour scale's ends (the 99.5th percentile of |value|) take the end colours.` +
        (sameSegment ? '' : ` Segments: ${[...groups.values()].map((g, i) => `${escapeHtml(g.map((x) => x.name).join(', '))}: ${escapeHtml(places[i])}`).join('; ')}.`),
    });
    const errors: ErrorPoint[] = [];
    for (const r of predicted) {
      const p = r.prediction!;
      for (let i = 0; i < p.frames; i++) {
        let s = 0;
        for (let f = 0; f < p.features; f++) s += (p.prediction[i * p.features + f] - p.target[i * p.features + f]) ** 2;
        errors.push({ run: r.name, t: p.horizon + i, error: s / p.features });
      }
    }
    figures.push({
      name: 'error',
      spec: (log) =>
        errorSpec(errors, predicted.map((r) => r.name), {
          frameMs: predicted.map((r) => frameMsOf(r.prediction!)),
          log,
          subtitle: `per frame, the mean over the ${first.features} coefficients; ${sameSegment ? places[0] : 'each run on its own validation segment (see the heatmaps)'}`,
        }),
      switchable: true,
      caption: 'Squared error of the prediction at each frame, averaged over the coefficients: its mean over the segment is the segment\'s validation loss (in the table).',
    });
    sections.push(1, 2);
  }

  const title = `audiopred report: ${names.join(', ')}`;
  const intro =
    `<p>${runs.length} run${runs.length === 1 ? '' : 's'} of <code>audiopred train</code>. ` +
    'Each unit reads a segment of MFCC frames (12 coefficients per frame) and predicts, at every frame, a later frame of the same segment; its loss is the mean squared error of those predictions. ' +
    'The first figure overlays the runs\' training and validation losses per epoch; the table lists how each run was configured and how it ended; ' +
    (predicted.length
      ? `the last two figures show one validation segment (number ${options.valSegment} of each run's split): the frames the unit should have predicted against those it did, and its error along the segment.</p>`
      : 'no run has a saved unit yet, so no segment is shown.</p>');
  const meta = `Written by audiopred ${version} on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC from ${runs.map((r) => r.folder.dir).join(', ')}.`;
  return writeReportFiles(options.out, { title, meta, intro, sections, figures }, { log: options.log, font });
}
