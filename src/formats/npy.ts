/**
 * NumPy .npy files of little-endian float32 in C order, format version 1.0
 * (https://numpy.org/neps/nep-0001-npy-format.html). Decoding can also accept little-endian
 * float64, converted to float32, for inputs that come from elsewhere (numpy's default dtype).
 *
 * Layout: the magic "\x93NUMPY", version bytes 1 0, a uint16 LE header length, then the header:
 * a Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 12), }` padded
 * with spaces and ending in "\n" so that the data starts at a multiple of 64 bytes. `encodeNpy`
 * writes the same bytes as `numpy.save` (numpy ≥ 1.x also leaves 21 − len(repr(shape[0])) spare
 * spaces after the dict so the shape can grow in place; we do too).
 */
import { UsageError } from '../errors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21; // numpy.lib.format

/** The header dict for a C-order '<f4' array, as numpy writes it (Python repr of the shape tuple). */
function headerDict(shape: number[]): string {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`;
  const spare = shape.length > 0 ? GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length : 0;
  return dict + ' '.repeat(Math.max(0, spare));
}

/** data (product of shape) → .npy bytes. */
export function encodeNpy(data: Float32Array, shape: number[]): Uint8Array {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(`encodeNpy: shape must be non-negative integers, got (${shape.join(', ')})`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new RangeError(`encodeNpy: shape (${shape.join(', ')}) holds ${count} values, data has ${data.length}`);
  }
  const dict = headerDict(shape);
  // 10 bytes of magic, version and length; the header ends with "\n"; pad with spaces so the
  // total is a multiple of 64 (numpy pads a full 64 when it is already aligned).
  const unpadded = MAGIC.length + 4 + dict.length + 1;
  const pad = ALIGN - (unpadded % ALIGN);
  const headerLength = dict.length + pad + 1;
  if (headerLength > 0xffff) throw new RangeError('encodeNpy: header too long for format version 1.0');
  const dataStart = MAGIC.length + 4 + headerLength;

  const bytes = new Uint8Array(dataStart + 4 * data.length);
  bytes.set(MAGIC, 0);
  bytes[6] = 1; // major version
  bytes[7] = 0; // minor version
  const view = new DataView(bytes.buffer);
  view.setUint16(8, headerLength, true);
  const header = dict + ' '.repeat(pad) + '\n';
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  for (let i = 0; i < data.length; i++) view.setFloat32(dataStart + 4 * i, data[i], true);
  return bytes;
}

/** The element types decodeNpy can read: little-endian float32 and float64. */
export type NpyDtype = '<f4' | '<f8';

const DTYPES: { [D in NpyDtype]: { bytes: number; name: string } } = {
  '<f4': { bytes: 4, name: 'little-endian float32' },
  '<f8': { bytes: 8, name: 'little-endian float64' },
};

export interface DecodeNpyOptions {
  /** The dtypes to accept; others are refused. Default ['<f4'], what encodeNpy writes. */
  accept?: readonly NpyDtype[];
}

/**
 * .npy bytes of a C-order array of an accepted dtype → its data as float32, and its shape.
 * A float64 value too large for float32 is refused rather than turned into ±Infinity; NaN and
 * ±Infinity themselves pass through. Any other array is an error naming `nameForErrors`.
 */
export function decodeNpy(
  bytes: Uint8Array,
  nameForErrors = 'the .npy data',
  { accept = ['<f4'] }: DecodeNpyOptions = {},
): { data: Float32Array; shape: number[] } {
  const fail = (why: string): never => {
    throw new UsageError(`${nameForErrors}: ${why}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a NumPy .npy file (bad magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated .npy header');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    return fail(`unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (headerStart + headerLength > bytes.length) fail('truncated .npy header');
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const dtype = accept.find((d) => d === descr);
  if (dtype === undefined) {
    const expected = accept.map((d) => `${DTYPES[d].name} ('${d}')`).join(' or ');
    return fail(`holds dtype ${descr ?? '(none)'}, expected ${expected}`);
  }
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  if (fortran !== 'False') fail('is stored in Fortran order; expected C order');
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined) return fail('has no shape in its header');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`has a bad shape (${shapeText})`);

  const count = shape.reduce((a, b) => a * b, 1);
  const width = DTYPES[dtype].bytes;
  const dataStart = headerStart + headerLength;
  if (bytes.length - dataStart < width * count) {
    fail(`is truncated: shape (${shape.join(', ')}) needs ${width * count} data bytes, found ${bytes.length - dataStart}`);
  }
  const data = new Float32Array(count);
  if (dtype === '<f4') {
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + 4 * i, true);
  } else {
    for (let i = 0; i < count; i++) {
      const x = view.getFloat64(dataStart + 8 * i, true);
      data[i] = x;
      if (!Number.isFinite(data[i]) && Number.isFinite(x)) {
        fail(`element ${elementIndex(i, shape)} is ${x}, outside the float32 range (±3.4e38); rescale the data`);
      }
    }
  }
  return { data, shape };
}

/** The C-order flat index i as an index into `shape`, as numpy writes it: [2, 1]. */
function elementIndex(i: number, shape: number[]): string {
  const index: number[] = [];
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index.unshift(i % shape[axis]);
    i = Math.floor(i / shape[axis]);
  }
  return `[${index.join(', ')}]`;
}
