/**
 * The reports' figures as Vega-Lite specs: plain data in, a spec out, no
 * rendering here (render.ts does that). Every figure is about 700 px wide and
 * colours runs (or units) in the order given, so one run keeps its colour
 * from figure to figure.
 */
import type { TopLevelSpec } from 'vega-lite';
import { heatmapImage } from './raster.js';

/** Plot width in px (the plotting area; labels and legends come on top). */
export const WIDTH = 700;

/** Categorical colours (Tableau 10), assigned in the order runs or units are given. */
/** The heatmaps' diverging colour scheme (Vega's), centred on 0. */
const SCHEME = 'blueorange';

const COLOURS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

const colourScale = (domain: readonly string[]) => ({ domain: [...domain], range: domain.map((_, i) => COLOURS[i % COLOURS.length]) });

const CONFIG = {
  background: 'white',
  padding: 8,
  axis: { labelFontSize: 11, titleFontSize: 12, titlePadding: 8, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' as const, offset: 12 },
};

/**
 * Ticks (and grid lines) for a log axis over `values`: 1…9 per decade when
 * the data spans about one decade, 1, 2, 5 up to three, else the decades
 * only, so a wide range does not turn into a mesh of grid lines.
 */
export function logTicks(values: readonly number[]): number[] {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  if (!positive.length) return [];
  const lo = Math.floor(Math.log10(Math.min(...positive)));
  const hi = Math.ceil(Math.log10(Math.max(...positive)));
  const span = Math.log10(Math.max(...positive) / Math.min(...positive));
  const mantissas = span <= 1.3 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : span <= 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let k = lo; k <= hi; k++) for (const m of mantissas) if (k < hi || m === 1) ticks.push(Number((m * 10 ** k).toPrecision(6)));
  return ticks;
}

/** A loss axis: linear from the data (not from 0), or log with logTicks over `values`. */
const yLoss = (log: boolean, title: string, values: readonly number[]) => ({
  type: 'quantitative' as const,
  title,
  scale: log ? { type: 'log' as const } : { zero: false },
  axis: log ? { values: logTicks(values), format: '~g' } : {},
});

// ---- audiopred report ----------------------------------------------------

export interface LossPoint {
  run: string;
  epoch: number;
  split: 'train' | 'val';
  loss: number;
}

/** Runs with at most this many epochs get a marker per epoch (a one-epoch run is otherwise invisible). */
const MARKERS_UP_TO = 25;

/** Train (dashed) and validation (solid) loss per epoch, one colour per run. */
export function lossCurvesSpec(points: readonly LossPoint[], runs: readonly string[], log: boolean): TopLevelSpec {
  const epochs = new Map<string, number>();
  for (const p of points) epochs.set(p.run, Math.max(epochs.get(p.run) ?? 0, p.epoch));
  const markers = [...epochs.values()].some((e) => e <= MARKERS_UP_TO);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Loss per epoch', subtitle: `mean squared error of the predicted frames; ${log ? 'log' : 'linear'} scale` },
    config: CONFIG,
    width: WIDTH,
    height: 320,
    data: { values: points.map((p) => ({ ...p, marker: (epochs.get(p.run) ?? 0) <= MARKERS_UP_TO })) },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 }, scale: { nice: false } },
      y: { field: 'loss', ...yLoss(log, 'loss (MSE)', points.map((p) => p.loss)) },
      color: { field: 'run', type: 'nominal', title: 'run', scale: colourScale(runs), sort: [...runs], legend: { symbolType: 'stroke', symbolStrokeWidth: 2.5 } },
    },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1.8, clip: true },
        encoding: {
          strokeDash: {
            field: 'split',
            type: 'nominal',
            title: 'loss on',
            scale: { domain: ['val', 'train'], range: [[1, 0], [5, 3]] },
            legend: { labelExpr: "datum.label === 'val' ? 'validation' : 'training'", symbolStrokeWidth: 1.8, symbolType: 'stroke' },
          },
        },
      },
      ...(markers ? [{ transform: [{ filter: 'datum.marker' }], mark: { type: 'point' as const, filled: true, size: 22, clip: true } }] : []),
    ],
  };
}

const msLabel = (ms: number) => ms.toFixed(ms < 10 ? 2 : 1);

/**
 * The time axis of the segment figures. A frame is a hop of 160 samples at
 * the run's own sample rate, so runs on recordings of different rates have
 * frames of different lengths: then the axis is in seconds, each run scaled
 * by its own frame length; otherwise it counts frames and says how long one is.
 */
export function segmentTime(frameMs: readonly number[]): { inFrames: boolean; title: string; at: (frame: number, frameMs: number) => number } {
  // A series' frames have no duration: count them.
  if (!frameMs.every(Number.isFinite)) return { inFrames: true, title: 'time in the segment (frames)', at: (frame) => frame };
  const same = frameMs.every((ms) => Math.abs(ms - frameMs[0]) <= 1e-9 * frameMs[0]);
  if (same) return { inFrames: true, title: `time in the segment (frames of ${msLabel(frameMs[0])} ms)`, at: (frame) => frame };
  return { inFrames: false, title: 'time in the segment (s; each run at its own frame length)', at: (frame, ms) => (frame * ms) / 1000 };
}

export interface HeatmapPanel {
  /** The panel's heading, e.g. 'target' or 'predicted by rA (rnn)'. */
  label: string;
  frames: number;
  features: number;
  /** Frame index (within the segment) of the first row of `values`. */
  firstFrame: number;
  /** How long one frame is, in ms: the hop (160 samples) at the run's own sample rate. */
  frameMs: number;
  /** (frames, features) */
  values: Float32Array;
}

/** The value that bounds the colour scale: the 99.5th percentile of |v| over all panels, so one outlier does not wash the rest out. */
export function symmetricBound(panels: readonly HeatmapPanel[]): number {
  const all: number[] = [];
  for (const p of panels) for (const v of p.values) if (Number.isFinite(v)) all.push(Math.abs(v));
  if (all.length === 0) return 1;
  all.sort((a, b) => a - b);
  const bound = all[Math.min(all.length - 1, Math.floor(0.995 * all.length))];
  return bound > 0 ? bound : 1;
}

/**
 * Panels of (time × coefficient) heatmaps stacked one above the other, on one
 * shared, symmetric colour scale (values beyond it take the end colours).
 * The cells are an image per panel (raster.ts); Vega draws the axes, the
 * headers and the legend, whose scale an invisible layer carries.
 */
export function heatmapSpec(panels: readonly HeatmapPanel[], options: { valueTitle: string; subtitle: string }): TopLevelSpec {
  const bound = symmetricBound(panels);
  const features = Math.max(...panels.map((p) => p.features));
  const time = segmentTime(panels.map((p) => p.frameMs));
  // Where frame lengths differ, each panel's heading says its own.
  const label = (p: HeatmapPanel) => (time.inFrames ? p.label : `${p.label} (frames of ${msLabel(p.frameMs)} ms)`);
  const first = Math.min(...panels.map((p) => time.at(p.firstFrame, p.frameMs)));
  const last = Math.max(...panels.map((p) => time.at(p.firstFrame + p.frames, p.frameMs)));
  const rows = panels.flatMap((p) => [
    {
      panel: label(p),
      url: heatmapImage(p.values, p.frames, p.features, bound, SCHEME),
      t0: time.at(p.firstFrame, p.frameMs),
      t1: time.at(p.firstFrame + p.frames, p.frameMs),
      c0: -0.5,
      c1: p.features - 0.5,
    },
    // Two rows that only give the colour scale (and so the legend) its domain.
    { panel: label(p), v: -bound, t0: first, c0: 0 },
    { panel: label(p), v: bound, t0: first, c0: 0 },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Target and predicted MFCC frames', subtitle: options.subtitle },
    config: { ...CONFIG, view: { stroke: '#999' } },
    data: { values: rows },
    facet: {
      row: {
        field: 'panel',
        type: 'nominal',
        sort: panels.map(label),
        title: null,
        header: { labelOrient: 'top', labelAnchor: 'start', labelAngle: 0, labelFontWeight: 'bold', labelPadding: 4, labelLimit: WIDTH },
      },
    },
    spacing: 14,
    spec: {
      width: WIDTH,
      height: Math.max(84, features * 11),
      encoding: {
        x: { field: 't0', type: 'quantitative', title: time.title, scale: { domain: [first, last], nice: false, zero: false } },
        y: {
          field: 'c0',
          type: 'quantitative',
          title: 'MFCC coefficient',
          scale: { domain: [-0.5, features - 0.5], nice: false, zero: false },
          axis: { values: coefficientTicks(features), format: 'd', grid: false, labelFontSize: 9, labelOverlap: false },
        },
      },
      layer: [
        {
          transform: [{ filter: 'isValid(datum.url)' }],
          mark: { type: 'image', aspect: false, smooth: false, aria: false },
          encoding: { x2: { field: 't1' }, y2: { field: 'c1' }, url: { field: 'url', type: 'nominal' } },
        },
        {
          transform: [{ filter: 'isValid(datum.v)' }],
          mark: { type: 'point', opacity: 0, aria: false },
          encoding: {
            color: {
              field: 'v',
              type: 'quantitative',
              title: options.valueTitle,
              scale: { scheme: SCHEME, domain: [-bound, bound], domainMid: 0, clamp: true },
              legend: { orient: 'right', gradientLength: 160, format: '.2~f' },
            },
          },
        },
      ],
    },
  };
}

/** Tick labels for the coefficient axis: every one when few, else the even ones. */
function coefficientTicks(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i).filter((i) => n <= 13 || i % 2 === 0);
}

export interface ErrorPoint {
  run: string;
  t: number;
  error: number;
}

/**
 * Squared error per frame (mean over coefficients) along the segment, one
 * colour per run; `frameMs[i]` is the frame length of `runs[i]`. On the log
 * scale, zero errors are left out.
 */
export function errorSpec(
  points: readonly ErrorPoint[],
  runs: readonly string[],
  options: { frameMs: readonly number[]; log: boolean; subtitle: string },
): TopLevelSpec {
  const time = segmentTime(options.frameMs);
  const msOf = new Map(runs.map((r, i) => [r, options.frameMs[i]]));
  const at = (p: ErrorPoint, frame: number) => time.at(frame, msOf.get(p.run)!);
  const first = Math.min(...points.map((p) => at(p, p.t)));
  const last = Math.max(...points.map((p) => at(p, p.t + 1)));
  const shown = points.filter((p) => !options.log || p.error > 0);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Squared error over time', subtitle: options.subtitle },
    config: CONFIG,
    width: WIDTH,
    height: 220,
    data: { values: shown.map((p) => ({ ...p, t: at(p, p.t) })) },
    mark: { type: 'line', strokeWidth: 1.2, clip: true },
    encoding: {
      x: { field: 't', type: 'quantitative', title: time.title, scale: { domain: [first, last], nice: false, zero: false } },
      y: { field: 'error', ...yLoss(options.log, 'squared error', shown.map((p) => p.error)), ...(options.log ? {} : { scale: { zero: true } }) },
      color: { field: 'run', type: 'nominal', title: 'run', scale: colourScale(runs), sort: [...runs] },
    },
  };
}

// ---- audiopred compare ---------------------------------------------------

export interface FinalPoint {
  recording: string;
  unit: string;
  mean: number;
  /** The 95 % CI; null with one seed (no bar drawn). */
  low: number | null;
  high: number | null;
  seeds: number;
}

/** Final validation loss per unit: a point at the mean and a bar over the 95 % CI (where there is one), one colour per recording. */
export function compareFinalSpec(points: readonly FinalPoint[], units: readonly string[], recordings: readonly string[], log: boolean): TopLevelSpec {
  const x = yLoss(log, 'final validation loss (MSE)', points.flatMap((p) => [p.mean, p.low ?? p.mean, p.high ?? p.mean]));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Final validation loss per unit', subtitle: `mean over seeds with its 95 % confidence interval (Student's t); ${log ? 'log' : 'linear'} scale` },
    config: CONFIG,
    width: WIDTH,
    height: { step: recordings.length > 1 ? 16 : 26 },
    data: { values: points.map((p) => ({ ...p })) },
    encoding: {
      y: { field: 'unit', type: 'nominal', title: 'unit', sort: [...units], axis: { labelFontSize: 12, grid: true, gridDash: [2, 2] } },
      yOffset: { field: 'recording', type: 'nominal', sort: [...recordings], scale: { paddingOuter: 0.4 } },
      color: { field: 'recording', type: 'nominal', title: 'recording', scale: colourScale(recordings), sort: [...recordings] },
    },
    layer: [
      {
        transform: [{ filter: 'isValid(datum.low) && isValid(datum.high)' }],
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: { x: { field: 'low', ...x }, x2: { field: 'high' } },
      },
      {
        mark: { type: 'point', filled: true, size: 50, opacity: 1 },
        encoding: { x: { field: 'mean', ...x } },
      },
    ],
  };
}

export interface CurvePoint {
  recording: string;
  unit: string;
  epoch: number;
  /** Mean validation loss over the seeds that reached this epoch. */
  loss: number;
  /** 'trained' for a curve; 'one pass' for units that finish in one epoch (baselines, closed-form fits), drawn flat across. */
  kind: 'trained' | 'one pass';
}

/** Mean validation-loss curves per unit, one panel per recording. */
export function compareCurvesSpec(points: readonly CurvePoint[], units: readonly string[], recordings: readonly string[], log: boolean): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Validation loss per epoch', subtitle: `mean over seeds; units that finish in one pass drawn flat; ${log ? 'log' : 'linear'} scale` },
    config: CONFIG,
    data: { values: points.map((p) => ({ ...p })) },
    facet: {
      row: {
        field: 'recording',
        type: 'nominal',
        sort: [...recordings],
        title: null,
        header: { labelOrient: 'top', labelAnchor: 'start', labelAngle: 0, labelFontWeight: 'bold', labelPadding: 4 },
      },
    },
    spacing: 18,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: WIDTH,
      height: 220,
      mark: { type: 'line', strokeWidth: 1.8, clip: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 }, scale: { nice: false } },
        y: { field: 'loss', ...yLoss(log, 'validation loss (MSE)', points.map((p) => p.loss)) },
        color: { field: 'unit', type: 'nominal', title: 'unit', scale: colourScale(units), sort: [...units] },
        strokeDash: { field: 'kind', type: 'nominal', title: 'curve', scale: { domain: ['trained', 'one pass'], range: [[1, 0], [4, 3]] } },
      },
    },
  };
}
