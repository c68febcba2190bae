/**
 * Canvas plots for the audiopred playground: loss-vs-epoch curves and
 * target/predicted MFCC heatmaps. Plain DOM + 2D canvas, no dependencies.
 * Every call redraws the whole canvas, so callers just call again with new data.
 */

export interface CurveSeries {
  label: string;
  color: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
}

export interface CurveOptions {
  /** Log10 y axis (default true: losses span decades). */
  logY?: boolean;
  /** Defaults to 'epoch'; pass '' for none. */
  xLabel?: string;
  /** Defaults to 'loss'; pass '' for none. */
  yLabel?: string;
}

export interface HeatmapPanel {
  title: string;
  /** Time-major: value of feature f at frame t is data[t * features + f]. */
  data: Float32Array;
  frames: number;
  features: number;
}

/** d3 category10 with grey swapped for cyan: distinct and legible on white. */
export const SERIES_COLORS: readonly string[] = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
];

const FONT = '12px system-ui, sans-serif';
const TITLE_FONT = '600 12px system-ui, sans-serif';
const TEXT_COLOR = '#222';
const MUTED_TEXT = '#777';
const AXIS_COLOR = '#888';
const GRID_COLOR = '#e4e4e4';
const MINOR_GRID_COLOR = '#f2f2f2';
const DASH = [6, 4];

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Surface {
  ctx: CanvasRenderingContext2D;
  width: number;
  height: number;
}

// ---------------------------------------------------------------- canvas setup

/** Sizes the backing store for the device pixel ratio and clears to white; sizes are CSS px. */
function prepareCanvas(canvas: HTMLCanvasElement): Surface | null {
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  let width = canvas.clientWidth;
  let height = canvas.clientHeight;
  let scale = window.devicePixelRatio || 1;
  if (width <= 0 || height <= 0) {
    // Not laid out (hidden/detached): draw at the current backing size, unscaled,
    // so repeated calls do not keep multiplying the size by the pixel ratio.
    width = canvas.width;
    height = canvas.height;
    scale = 1;
  }
  const backingW = Math.max(1, Math.round(width * scale));
  const backingH = Math.max(1, Math.round(height * scale));
  if (canvas.width !== backingW) canvas.width = backingW;
  if (canvas.height !== backingH) canvas.height = backingH;
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.font = FONT;
  ctx.lineCap = 'butt';
  ctx.setLineDash([]);
  return { ctx, width, height };
}

function drawCenteredMessage(ctx: CanvasRenderingContext2D, rect: Rect, text: string): void {
  ctx.font = FONT;
  ctx.fillStyle = MUTED_TEXT;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, rect.x + rect.w / 2, rect.y + rect.h / 2);
}

// ----------------------------------------------------------------------- ticks

interface Ticks {
  /** Positions in axis space (log10 of the value on a log axis). */
  values: number[];
  labels: string[];
  /** Unlabelled minor grid positions (log axes only). */
  minor: number[];
}

function niceStep(span: number, maxTicks: number): number {
  const raw = span / Math.max(1, maxTicks);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  const nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10;
  return nice * magnitude;
}

function formatTick(value: number, step: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-3) {
    const digits = Math.max(0, Math.floor(Math.log10(abs)) - Math.floor(Math.log10(step)));
    return value.toExponential(Math.min(digits, 6)).replace('e+', 'e');
  }
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return value.toFixed(decimals);
}

/** Compact value label with ~3 significant digits (colour bar ends). */
function formatValue(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e5 || abs < 1e-3)) return value.toExponential(2).replace('e+', 'e');
  return String(Number(value.toPrecision(3)));
}

function linearTicks(lo: number, hi: number, maxTicks: number, minStep = 0): Ticks {
  if (!(hi > lo)) return { values: [lo], labels: [formatTick(lo, Math.abs(lo) || 1)], minor: [] };
  const step = Math.max(minStep, niceStep(hi - lo, maxTicks));
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const values: number[] = [];
  const labels: string[] = [];
  for (let k = first; k <= last; k++) {
    values.push(k * step);
    labels.push(formatTick(k * step, step));
  }
  return { values, labels, minor: [] };
}

function formatDecade(exponent: number): string {
  if (exponent >= -3 && exponent < 0) return (10 ** exponent).toFixed(-exponent);
  if (exponent >= 0 && exponent <= 4) return String(10 ** exponent);
  return `1e${exponent}`;
}

/** Ticks for an axis whose coordinates are log10(value), given lo/hi in log10 space. */
function logTicks(lo: number, hi: number, maxTicks: number): Ticks {
  const firstDecade = Math.ceil(lo - 1e-9);
  const lastDecade = Math.floor(hi + 1e-9);
  if (lastDecade - firstDecade < 1) {
    // Under two decade lines in view: decades alone would leave the axis unlabelled.
    const linear = linearTicks(10 ** lo, 10 ** hi, maxTicks);
    const values: number[] = [];
    const labels: string[] = [];
    linear.values.forEach((v, i) => {
      if (v > 0) {
        values.push(Math.log10(v));
        labels.push(linear.labels[i] ?? '');
      }
    });
    return { values, labels, minor: [] };
  }
  const every = Math.max(1, Math.ceil((lastDecade - firstDecade + 1) / Math.max(1, maxTicks)));
  const values: number[] = [];
  const labels: string[] = [];
  for (let d = firstDecade; d <= lastDecade; d++) {
    if (((d % every) + every) % every !== 0) continue;
    values.push(d);
    labels.push(formatDecade(d));
  }
  const minor: number[] = [];
  if (every === 1) {
    // With only a couple of decades in view, also label 2× and 5× so the axis reads easily.
    const labelMultiples = values.length <= 2;
    for (let d = Math.floor(lo); d <= lastDecade; d++) {
      for (let m = 2; m <= 9; m++) {
        const v = d + Math.log10(m);
        if (v < lo || v > hi) continue;
        if (labelMultiples && (m === 2 || m === 5)) {
          values.push(v);
          labels.push(formatTick(m * 10 ** d, m * 10 ** d));
        } else {
          minor.push(v);
        }
      }
    }
  }
  return { values, labels, minor };
}

// ---------------------------------------------------------------------- curves

interface Extent {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
  count: number;
}

function isPlottable(x: number, y: number, logY: boolean): boolean {
  return Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0);
}

/** Data extent with y already in axis space (log10 when logY). */
function curveExtent(series: CurveSeries[], logY: boolean): Extent {
  const ext: Extent = { xMin: Infinity, xMax: -Infinity, yMin: Infinity, yMax: -Infinity, count: 0 };
  for (const s of series) {
    for (const p of s.points) {
      if (!isPlottable(p.x, p.y, logY)) continue;
      const y = logY ? Math.log10(p.y) : p.y;
      if (p.x < ext.xMin) ext.xMin = p.x;
      if (p.x > ext.xMax) ext.xMax = p.x;
      if (y < ext.yMin) ext.yMin = y;
      if (y > ext.yMax) ext.yMax = y;
      ext.count++;
    }
  }
  return ext;
}

/** Widens a degenerate range so a single value sits mid-axis; adds `fraction` of headroom otherwise. */
function padDomain(lo: number, hi: number, fraction: number, log: boolean): [number, number] {
  const span = hi - lo;
  if (!(span > 1e-12 * Math.max(1, Math.abs(lo)))) {
    const pad = log ? 0.5 : Math.abs(lo) * 0.1 || 1;
    return [lo - pad, hi + pad];
  }
  return [lo - span * fraction, hi + span * fraction];
}

interface Transform {
  sx: number;
  ox: number;
  sy: number;
  oy: number;
}

function makeTransform(rect: Rect, xDomain: [number, number], yDomain: [number, number]): Transform {
  const sx = rect.w / (xDomain[1] - xDomain[0]);
  const sy = -rect.h / (yDomain[1] - yDomain[0]);
  return { sx, ox: rect.x - xDomain[0] * sx, sy, oy: rect.y + rect.h - yDomain[0] * sy };
}

/**
 * Adds one series to the current path. In line mode, consecutive plottable points are
 * joined and gaps (non-finite / non-positive on log) break the line; in dot mode only
 * isolated points are added, as circles. Returns how many isolated points there were.
 */
function traceSeries(
  ctx: CanvasRenderingContext2D,
  points: { x: number; y: number }[],
  t: Transform,
  logY: boolean,
  dots: boolean,
): number {
  const radius = 2.5;
  let isolated = 0;
  let runLength = 0;
  let lastX = 0;
  let lastY = 0;
  const endRun = (): void => {
    if (runLength === 1) {
      isolated++;
      if (dots) {
        ctx.moveTo(lastX + radius, lastY);
        ctx.arc(lastX, lastY, radius, 0, 2 * Math.PI);
      }
    }
    runLength = 0;
  };
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (!isPlottable(p.x, p.y, logY)) {
      endRun();
      continue;
    }
    const px = p.x * t.sx + t.ox;
    const py = (logY ? Math.log10(p.y) : p.y) * t.sy + t.oy;
    if (!dots) {
      if (runLength === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    }
    runLength++;
    lastX = px;
    lastY = py;
  }
  endRun();
  return isolated;
}

function drawSeries(ctx: CanvasRenderingContext2D, s: CurveSeries, t: Transform, logY: boolean): void {
  ctx.strokeStyle = s.color;
  ctx.fillStyle = s.color;
  ctx.lineWidth = 1.5;
  ctx.lineJoin = 'round';
  ctx.setLineDash(s.dashed ? DASH : []);
  ctx.beginPath();
  const isolated = traceSeries(ctx, s.points, t, logY, false);
  ctx.stroke();
  if (isolated > 0) {
    ctx.beginPath();
    traceSeries(ctx, s.points, t, logY, true);
    ctx.fill();
  }
  ctx.setLineDash([]);
}

function drawGrid(ctx: CanvasRenderingContext2D, rect: Rect, t: Transform, xTicks: Ticks, yTicks: Ticks): void {
  ctx.lineWidth = 1;
  const hLine = (v: number, color: string): void => {
    const y = Math.round(v * t.sy + t.oy) + 0.5;
    if (y < rect.y || y > rect.y + rect.h) return;
    ctx.strokeStyle = color;
    ctx.beginPath();
    ctx.moveTo(rect.x, y);
    ctx.lineTo(rect.x + rect.w, y);
    ctx.stroke();
  };
  for (const v of yTicks.minor) hLine(v, MINOR_GRID_COLOR);
  for (const v of yTicks.values) hLine(v, GRID_COLOR);
  ctx.strokeStyle = GRID_COLOR;
  ctx.beginPath();
  for (const v of xTicks.values) {
    const x = Math.round(v * t.sx + t.ox) + 0.5;
    if (x < rect.x || x > rect.x + rect.w) continue;
    ctx.moveTo(x, rect.y);
    ctx.lineTo(x, rect.y + rect.h);
  }
  ctx.stroke();
}

function drawTickLabels(ctx: CanvasRenderingContext2D, rect: Rect, t: Transform, xTicks: Ticks, yTicks: Ticks): void {
  ctx.font = FONT;
  ctx.fillStyle = TEXT_COLOR;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  yTicks.values.forEach((v, i) => {
    const y = v * t.sy + t.oy;
    if (y >= rect.y - 1 && y <= rect.y + rect.h + 1) ctx.fillText(yTicks.labels[i] ?? '', rect.x - 6, y);
  });
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  xTicks.values.forEach((v, i) => {
    const x = v * t.sx + t.ox;
    if (x >= rect.x - 1 && x <= rect.x + rect.w + 1) ctx.fillText(xTicks.labels[i] ?? '', x, rect.y + rect.h + 5);
  });
}

function drawAxisLabels(
  ctx: CanvasRenderingContext2D,
  rect: Rect,
  height: number,
  xLabel: string,
  yLabel: string,
): void {
  ctx.font = FONT;
  ctx.fillStyle = TEXT_COLOR;
  ctx.textAlign = 'center';
  if (xLabel) {
    ctx.textBaseline = 'bottom';
    ctx.fillText(xLabel, rect.x + rect.w / 2, height - 4);
  }
  if (yLabel) {
    ctx.save();
    ctx.translate(4, rect.y + rect.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'top';
    ctx.fillText(yLabel, 0, 0);
    ctx.restore();
  }
}

function drawLegend(ctx: CanvasRenderingContext2D, series: CurveSeries[], rect: Rect): void {
  if (series.length === 0) return;
  const pad = 6;
  const rowHeight = 16;
  const swatchWidth = 24;
  const gap = 6;
  ctx.font = FONT;
  let textWidth = 0;
  for (const s of series) textWidth = Math.max(textWidth, ctx.measureText(s.label).width);
  const boxW = pad * 2 + swatchWidth + gap + textWidth;
  const boxH = pad * 2 + series.length * rowHeight - 4;
  const x = Math.round(rect.x + rect.w - boxW - 8) + 0.5;
  const y = Math.round(rect.y + 8) + 0.5;
  ctx.fillStyle = 'rgba(255,255,255,0.88)';
  ctx.strokeStyle = '#ccc';
  ctx.lineWidth = 1;
  ctx.fillRect(x, y, boxW, boxH);
  ctx.strokeRect(x, y, boxW, boxH);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  series.forEach((s, i) => {
    const rowY = y + pad + i * rowHeight + (rowHeight - 4) / 2;
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dashed ? DASH : []);
    ctx.beginPath();
    ctx.moveTo(x + pad, rowY);
    ctx.lineTo(x + pad + swatchWidth, rowY);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = TEXT_COLOR;
    ctx.fillText(s.label, x + pad + swatchWidth + gap, rowY);
  });
}

export function drawCurves(canvas: HTMLCanvasElement, series: CurveSeries[], options: CurveOptions = {}): void {
  const surface = prepareCanvas(canvas);
  if (!surface) return;
  const { ctx, width, height } = surface;
  const logY = options.logY ?? true;
  const xLabel = options.xLabel ?? 'epoch';
  const yLabel = options.yLabel ?? 'loss';

  const ext = curveExtent(series, logY);
  const empty = ext.count === 0;
  // A lone epoch gets ±1 so its neighbours appear as ticks.
  const xDomain: [number, number] = empty
    ? [0, 1]
    : ext.xMax > ext.xMin
      ? [ext.xMin, ext.xMax]
      : [ext.xMin - 1, ext.xMax + 1];
  const yDomain: [number, number] = empty ? (logY ? [-1, 0] : [0, 1]) : padDomain(ext.yMin, ext.yMax, 0.05, logY);

  const top = 12;
  const bottom = 24 + (xLabel ? 18 : 0);
  const plotHeight = height - top - bottom;
  const maxYTicks = Math.max(3, Math.floor(plotHeight / 35));
  const yTicks = logY ? logTicks(yDomain[0], yDomain[1], maxYTicks) : linearTicks(yDomain[0], yDomain[1], maxYTicks);
  ctx.font = FONT;
  let labelWidth = 0;
  for (const label of yTicks.labels) labelWidth = Math.max(labelWidth, ctx.measureText(label).width);
  const left = Math.ceil(labelWidth) + 10 + (yLabel ? 20 : 0);
  const rect: Rect = { x: left, y: top, w: width - left - 16, h: plotHeight };
  if (rect.w < 10 || rect.h < 10) return;
  const xTicks = linearTicks(xDomain[0], xDomain[1], Math.max(3, Math.floor(rect.w / 80)));
  const t = makeTransform(rect, xDomain, yDomain);

  drawGrid(ctx, rect, t, xTicks, yTicks);
  ctx.strokeStyle = AXIS_COLOR;
  ctx.lineWidth = 1;
  ctx.strokeRect(Math.round(rect.x) + 0.5, Math.round(rect.y) + 0.5, Math.round(rect.w), Math.round(rect.h));
  drawTickLabels(ctx, rect, t, xTicks, yTicks);
  drawAxisLabels(ctx, rect, height, xLabel, yLabel);

  if (empty) {
    drawCenteredMessage(ctx, rect, 'no data');
  } else {
    ctx.save();
    ctx.beginPath();
    // Slack so dots and line caps on the domain edge are not cut in half.
    ctx.rect(rect.x - 3, rect.y - 3, rect.w + 6, rect.h + 6);
    ctx.clip();
    for (const s of series) drawSeries(ctx, s, t, logY);
    ctx.restore();
  }
  drawLegend(ctx, series, rect);
}

// -------------------------------------------------------------------- heatmaps

/** matplotlib viridis sampled at 16 evenly spaced points. */
const VIRIDIS_STOPS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [72, 26, 108],
  [71, 47, 125],
  [65, 68, 135],
  [57, 86, 140],
  [49, 104, 142],
  [42, 120, 142],
  [35, 136, 142],
  [31, 152, 139],
  [34, 168, 132],
  [53, 183, 121],
  [84, 197, 104],
  [122, 209, 81],
  [165, 219, 54],
  [210, 226, 27],
  [253, 231, 37],
];
const LUT_SIZE = 256;
const MISSING_GREY = 160;
/** Cap on image columns; longer panels are subsampled (more than any screen shows anyway). */
const MAX_IMAGE_COLUMNS = 4096;
/** Cap on values sorted for the percentile scale. */
const MAX_SCALE_SAMPLES = 200_000;

let viridisLut: Uint8ClampedArray | null = null;

/** 256 RGB triples interpolated from the viridis stops, built once. */
function getViridisLut(): Uint8ClampedArray {
  if (viridisLut) return viridisLut;
  const lut = new Uint8ClampedArray(LUT_SIZE * 3);
  const segments = VIRIDIS_STOPS.length - 1;
  for (let i = 0; i < LUT_SIZE; i++) {
    const pos = (i / (LUT_SIZE - 1)) * segments;
    const k = Math.min(segments - 1, Math.floor(pos));
    const frac = pos - k;
    const a = VIRIDIS_STOPS[k]!;
    const b = VIRIDIS_STOPS[k + 1]!;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = a[c]! + (b[c]! - a[c]!) * frac;
  }
  viridisLut = lut;
  return lut;
}

function panelIsDrawable(p: HeatmapPanel): boolean {
  return p.frames > 0 && p.features > 0 && p.data.length >= p.frames * p.features;
}

/** Shared colour range: 1st..99th percentile of all finite values, so outliers don't wash out the rest. */
function robustRange(panels: HeatmapPanel[]): [number, number] {
  let total = 0;
  for (const p of panels) if (panelIsDrawable(p)) total += p.frames * p.features;
  const stride = Math.max(1, Math.ceil(total / MAX_SCALE_SAMPLES));
  const sample = new Float32Array(Math.ceil(total / stride) + panels.length);
  let n = 0;
  for (const p of panels) {
    if (!panelIsDrawable(p)) continue;
    const len = p.frames * p.features;
    for (let i = 0; i < len; i += stride) {
      const v = p.data[i]!;
      if (Number.isFinite(v)) sample[n++] = v;
    }
  }
  if (n === 0) return [0, 1];
  const sorted = sample.subarray(0, n).sort();
  let lo = sorted[Math.floor(0.01 * (n - 1))]!;
  let hi = sorted[Math.ceil(0.99 * (n - 1))]!;
  if (!(hi > lo)) {
    lo = sorted[0]!;
    hi = sorted[n - 1]!;
  }
  if (!(hi > lo)) return padDomain(lo, hi, 0, false);
  return [lo, hi];
}

let scratchCanvas: HTMLCanvasElement | null = null;

/** Offscreen canvas holding `image`, ready to be drawn scaled. */
function imageToCanvas(image: ImageData): HTMLCanvasElement | null {
  scratchCanvas ??= document.createElement('canvas');
  scratchCanvas.width = image.width;
  scratchCanvas.height = image.height;
  const ctx = scratchCanvas.getContext('2d');
  if (!ctx) return null;
  ctx.putImageData(image, 0, 0);
  return scratchCanvas;
}

/** One pixel per (frame, feature), feature 0 on the bottom row. */
function panelImage(p: HeatmapPanel, lo: number, hi: number): ImageData {
  const lut = getViridisLut();
  const columns = Math.min(p.frames, MAX_IMAGE_COLUMNS);
  const image = new ImageData(columns, p.features);
  const px = image.data;
  const scale = (LUT_SIZE - 1) / (hi - lo);
  const { data, features, frames } = p;
  for (let f = 0; f < features; f++) {
    let o = (features - 1 - f) * columns * 4;
    for (let c = 0; c < columns; c++) {
      const t = columns === frames ? c : Math.floor((c * frames) / columns);
      const v = data[t * features + f]!;
      if (Number.isFinite(v)) {
        const k = Math.max(0, Math.min(LUT_SIZE - 1, Math.round((v - lo) * scale))) * 3;
        px[o] = lut[k]!;
        px[o + 1] = lut[k + 1]!;
        px[o + 2] = lut[k + 2]!;
      } else {
        px[o] = px[o + 1] = px[o + 2] = MISSING_GREY;
      }
      px[o + 3] = 255;
      o += 4;
    }
  }
  return image;
}

function colorBarImage(): ImageData {
  const lut = getViridisLut();
  const image = new ImageData(1, LUT_SIZE);
  for (let row = 0; row < LUT_SIZE; row++) {
    const k = (LUT_SIZE - 1 - row) * 3;
    image.data.set([lut[k]!, lut[k + 1]!, lut[k + 2]!, 255], row * 4);
  }
  return image;
}

function blitImage(ctx: CanvasRenderingContext2D, image: ImageData, rect: Rect): void {
  const source = imageToCanvas(image);
  if (!source) return;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(source, rect.x, rect.y, rect.w, rect.h);
  ctx.imageSmoothingEnabled = true;
}

function drawPanel(ctx: CanvasRenderingContext2D, p: HeatmapPanel, rect: Rect, lo: number, hi: number): void {
  ctx.font = TITLE_FONT;
  ctx.fillStyle = TEXT_COLOR;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'bottom';
  ctx.fillText(p.title, rect.x, rect.y - 3);

  if (!panelIsDrawable(p)) {
    ctx.strokeStyle = AXIS_COLOR;
    ctx.strokeRect(rect.x + 0.5, rect.y + 0.5, rect.w, rect.h);
    drawCenteredMessage(ctx, rect, 'no data');
    return;
  }
  blitImage(ctx, panelImage(p, lo, hi), rect);
  ctx.strokeStyle = AXIS_COLOR;
  ctx.lineWidth = 1;
  ctx.strokeRect(Math.round(rect.x) - 0.5, Math.round(rect.y) - 0.5, Math.round(rect.w) + 1, Math.round(rect.h) + 1);

  // Feature index labels at the centres of the bottom and top rows.
  ctx.font = FONT;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const rowHeight = rect.h / p.features;
  ctx.fillText('0', rect.x - 5, rect.y + rect.h - rowHeight / 2);
  if (p.features > 1 && rect.h >= 28) ctx.fillText(String(p.features - 1), rect.x - 5, rect.y + rowHeight / 2);
}

function drawFrameAxis(ctx: CanvasRenderingContext2D, frames: number, rect: Rect, height: number): void {
  const ticks = linearTicks(0, frames, Math.max(3, Math.floor(rect.w / 80)), 1);
  ctx.font = FONT;
  ctx.fillStyle = TEXT_COLOR;
  ctx.strokeStyle = AXIS_COLOR;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ticks.values.forEach((v, i) => {
    const x = Math.round(rect.x + (v / frames) * rect.w) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, rect.y + rect.h);
    ctx.lineTo(x, rect.y + rect.h + 4);
    ctx.stroke();
    ctx.fillText(ticks.labels[i] ?? '', x, rect.y + rect.h + 6);
  });
  ctx.textBaseline = 'bottom';
  ctx.fillText('frame', rect.x + rect.w / 2, height - 2);
}

function drawColorBar(ctx: CanvasRenderingContext2D, rect: Rect, lo: number, hi: number): void {
  blitImage(ctx, colorBarImage(), rect);
  ctx.strokeStyle = AXIS_COLOR;
  ctx.lineWidth = 1;
  ctx.strokeRect(Math.round(rect.x) - 0.5, Math.round(rect.y) - 0.5, Math.round(rect.w) + 1, Math.round(rect.h) + 1);
  ctx.font = FONT;
  ctx.fillStyle = TEXT_COLOR;
  ctx.textAlign = 'left';
  const labelX = rect.x + rect.w + 5;
  ctx.textBaseline = 'top';
  ctx.fillText(formatValue(hi), labelX, rect.y);
  ctx.textBaseline = 'bottom';
  ctx.fillText(formatValue(lo), labelX, rect.y + rect.h);
  if (rect.h >= 60) {
    ctx.textBaseline = 'middle';
    ctx.fillText(formatValue((lo + hi) / 2), labelX, rect.y + rect.h / 2);
  }
}

export function drawHeatmaps(canvas: HTMLCanvasElement, panels: HeatmapPanel[]): void {
  const surface = prepareCanvas(canvas);
  if (!surface) return;
  const { ctx, width, height } = surface;
  if (panels.length === 0) {
    drawCenteredMessage(ctx, { x: 0, y: 0, w: width, h: height }, 'no data');
    return;
  }
  const [lo, hi] = robustRange(panels);

  const left = 30;
  const right = 72; // colour bar + its value labels
  const titleHeight = 18;
  const panelGap = 6;
  const bottom = 36; // frame ticks + 'frame'
  const n = panels.length;
  const panelHeight = (height - bottom - n * titleHeight - (n - 1) * panelGap) / n;
  const panelWidth = width - left - right;
  if (panelHeight < 4 || panelWidth < 10) return;

  const rects: Rect[] = panels.map((_, i) => ({
    x: left,
    y: titleHeight + i * (titleHeight + panelHeight + panelGap),
    w: panelWidth,
    h: panelHeight,
  }));
  panels.forEach((p, i) => drawPanel(ctx, p, rects[i]!, lo, hi));

  const last = panels[n - 1]!;
  const lastRect = rects[n - 1]!;
  if (panelIsDrawable(last)) drawFrameAxis(ctx, last.frames, lastRect, height);

  const firstRect = rects[0]!;
  drawColorBar(
    ctx,
    { x: left + panelWidth + 12, y: firstRect.y, w: 12, h: lastRect.y + lastRect.h - firstRect.y },
    lo,
    hi,
  );
}
