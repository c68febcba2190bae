/**
 * A multivariate time series from a file, for `--task series`: a .npy array of shape
 * (frames, features) or (frames,), or a .csv with one row per frame. Every problem the user can
 * fix is a one-line UsageError naming the file.
 */
import { UsageError } from '../errors.js';
import { decodeNpy } from '../formats/npy.js';
import { fileExtension } from '../format.js';
import { displayName } from '../audio/messages.js';
import { readWholeFile } from './whole-file.js';

export interface Series {
  data: Float32Array; // (T, F), time-major: row t is frame t
  frames: number; // T
  features: number; // F
}

/** Fewer frames than this leave nothing to predict after the first; the caller checks the segment length. */
const MIN_FRAMES = 3;

/** Reads a .npy or .csv series and checks it: at least 3 frames, at least one feature, all finite. */
export async function readSeriesFile(path: string): Promise<Series> {
  const name = displayName(path);
  const ext = fileExtension(path).toLowerCase();
  if (ext !== '.npy' && ext !== '.csv') throw new UsageError(`${name}: give a .npy or .csv file`);
  const bytes = await readWholeFile(path, name);
  if (ext === '.npy') return checkSeries(npySeries(bytes, name), name);
  const { firstDataLine, ...series } = csvSeries(bytes, name);
  return checkSeries(series, name, firstDataLine);
}

function npySeries(bytes: Uint8Array, name: string): Series {
  const { data, shape } = decodeNpy(bytes, name, { accept: ['<f4', '<f8'] });
  if (shape.length < 1 || shape.length > 2) {
    throw new UsageError(`${name} holds an array of shape (${shape.join(', ')}); give a (frames, features) array`);
  }
  return { data, frames: shape[0], features: shape.length === 2 ? shape[1] : 1 };
}

/**
 * One row per frame, comma-separated numbers. The first row is a header when any of its cells is
 * not a number. Parsed line by line straight into a growing Float32Array, so a large file costs
 * its text and its values, not an array of strings per cell.
 */
function csvSeries(bytes: Uint8Array, name: string): Series & { firstDataLine: number } {
  let text = new TextDecoder().decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // the byte-order mark spreadsheets write
  const lines = lineReader(text);
  // Blank lines may only trail: one in the middle would silently drop a frame.
  let blankLine = 0;
  const nextRow = (): { line: number; cells: string[] } | undefined => {
    for (let row = lines.next(); row !== undefined; row = lines.next()) {
      if (row.text.trim() === '') {
        blankLine ||= row.line;
        continue;
      }
      if (blankLine) throw new UsageError(`${name} line ${blankLine} is blank; only trailing lines may be blank`);
      return { line: row.line, cells: row.text.split(',') };
    }
    return undefined;
  };

  let first = nextRow();
  let header: { line: number; cells: string[] } | undefined;
  if (first && !first.cells.every((cell) => parseCell(cell) !== undefined)) {
    header = first;
    first = nextRow();
  }
  if (!first) return { data: new Float32Array(0), frames: 0, features: header?.cells.length ?? 0, firstDataLine: 1 };
  const F = first.cells.length;
  if (header && header.cells.length !== F) {
    throw new UsageError(
      `${name} line ${header.line} (the header) has ${header.cells.length} names, line ${first.line} has ${F} values: every row needs the same number of columns`,
    );
  }

  const values = new GrowingFloat32Array(F * 1024);
  let frames = 0;
  for (let row: typeof first | undefined = first; row !== undefined; row = nextRow()) {
    if (row.cells.length !== F) {
      throw new UsageError(`${name} line ${row.line} has ${row.cells.length} values, line ${first.line} has ${F}: every row needs the same number of columns`);
    }
    for (let f = 0; f < F; f++) {
      const cell = row.cells[f];
      const x = parseCell(cell);
      if (x === undefined) {
        throw new UsageError(`${name} line ${row.line} column ${f + 1}: '${shortText(cell.trim())}' is not a number; give comma-separated numbers`);
      }
      if (Number.isFinite(x) && !Number.isFinite(Math.fround(x))) {
        throw new UsageError(`${name} line ${row.line} column ${f + 1}: ${cell.trim()} is outside the float32 range (±3.4e38); rescale the data`);
      }
      values.push(x);
    }
    frames++;
  }
  return { data: values.toArray(), frames, features: F, firstDataLine: first.line };
}

/** A cell as it appears in a message: one line, and short (a whole line of another delimiter can be long). */
function shortText(cell: string): string {
  const shown = displayName(cell);
  return shown.length > 40 ? `${shown.slice(0, 37)}...` : shown;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^([+-]?)(nan|inf|infinity)$/i; // as numpy.savetxt and most tools write them

/** A cell's number (surrounding whitespace allowed), NaN and ±Infinity included; undefined if it is not one. */
function parseCell(cell: string): number | undefined {
  const s = cell.trim();
  if (DECIMAL.test(s)) return Number(s);
  const m = NON_FINITE.exec(s);
  if (!m) return undefined;
  if (m[2].toLowerCase() === 'nan') return NaN;
  return m[1] === '-' ? -Infinity : Infinity;
}

/** The lines of `text` one at a time, numbered from 1, without their "\n" (a trailing "\r" stays; callers trim). */
function lineReader(text: string): { next(): { line: number; text: string } | undefined } {
  let at = 0;
  let line = 0;
  return {
    next() {
      if (at >= text.length) return undefined;
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      const row = { line: ++line, text: text.slice(at, end) };
      at = end + 1;
      return row;
    },
  };
}

/** A Float32Array that doubles its capacity as values arrive. */
class GrowingFloat32Array {
  private buffer: Float32Array;
  private length = 0;

  constructor(capacity: number) {
    this.buffer = new Float32Array(Math.max(1, capacity));
  }

  push(x: number): void {
    if (this.length === this.buffer.length) {
      const bigger = new Float32Array(this.buffer.length * 2);
      bigger.set(this.buffer);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = x;
  }

  /** The values pushed, in a buffer of exactly their length. */
  toArray(): Float32Array {
    return this.buffer.slice(0, this.length);
  }
}

/**
 * Returns the series unless it has too few frames, no features, or a value that is not finite.
 * A .csv's `firstDataLine` lets the message name the line too (rows are contiguous lines).
 */
function checkSeries(series: Series, name: string, firstDataLine?: number): Series {
  const { data, frames, features } = series;
  if (frames < MIN_FRAMES) throw new UsageError(`${name} has ${frames} frames; a series needs at least ${MIN_FRAMES}`);
  if (features === 0) throw new UsageError(`${name} has 0 features; give at least one column`);
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i])) continue;
    const frame = Math.floor(i / features);
    const feature = i % features;
    const line = firstDataLine === undefined ? '' : `, line ${firstDataLine + frame}`;
    throw new UsageError(
      `${name} frame ${frame}, feature ${feature} (counting from 0${line}) is ${data[i]}; a series must be finite — fill or drop the gaps first`,
    );
  }
  return series;
}
