import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeNpy, encodeNpy } from '../../src/formats/npy.js';
import { UsageError } from '../../src/errors.js';

const latin1 = (b: Uint8Array) => String.fromCharCode(...b);

test('the header for shape (3, 12) is byte for byte what numpy.save writes', () => {
  const bytes = encodeNpy(new Float32Array(36), [3, 12]);
  // numpy 2.4: np.save(f, np.zeros((3, 12), '<f4')) → 128 header bytes, header length 118 (0x76).
  const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 12), }";
  const expected = '\x93NUMPY\x01\x00\x76\x00' + dict + ' '.repeat(57) + '\n';
  assert.equal(latin1(bytes.subarray(0, 128)), expected);
  assert.equal(bytes.length, 128 + 36 * 4);
});

test('one-dimensional, zero-dimensional and long shapes are written as Python tuples, data 64-byte aligned', () => {
  for (const [shape, tuple] of [
    [[5], '(5,)'],
    [[], '()'],
    [[12252, 12], '(12252, 12)'],
    [[0, 12], '(0, 12)'],
  ] as const) {
    const count = shape.reduce((a: number, b: number) => a * b, 1);
    const bytes = encodeNpy(new Float32Array(count), [...shape]);
    const headerLength = bytes[8] | (bytes[9] << 8);
    const header = latin1(bytes.subarray(10, 10 + headerLength));
    assert.ok(header.startsWith(`{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`), header);
    assert.ok(header.endsWith('\n'));
    assert.equal((10 + headerLength) % 64, 0);
    assert.equal(10 + headerLength, 128); // what numpy 2.4 writes for each of these
  }
});

test('data round-trips exactly, including -0, NaN, Infinity and subnormals', () => {
  const data = Float32Array.from([1.5, -0, NaN, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, -2.5, 0.1]);
  const { data: back, shape } = decodeNpy(encodeNpy(data, [3, 3]));
  assert.deepEqual(shape, [3, 3]);
  assert.equal(back.length, data.length);
  for (let i = 0; i < data.length; i++) assert.ok(Object.is(back[i], data[i]), `element ${i}: ${back[i]} vs ${data[i]}`);
});

test('the data is little-endian float32', () => {
  const bytes = encodeNpy(Float32Array.from([1]), [1]);
  assert.deepEqual([...bytes.subarray(128)], [0x00, 0x00, 0x80, 0x3f]);
});

test('a shape that does not match the data is refused', () => {
  assert.throws(() => encodeNpy(new Float32Array(5), [2, 3]), RangeError);
  assert.throws(() => encodeNpy(new Float32Array(6), [2, -3]), RangeError);
});

test('decoding refuses other files, other dtypes, Fortran order and truncated data with a one-line error', () => {
  const good = encodeNpy(new Float32Array(6), [2, 3]);
  const cases: [Uint8Array, RegExp][] = [
    [new TextEncoder().encode('not numpy at all'), /bad magic/],
    [patchHeader(good, "'<f4'", "'<f8'"), /<f8/],
    [patchHeader(good, 'False', 'True '), /Fortran/],
    [good.subarray(0, good.length - 1), /truncated/],
  ];
  for (const [bytes, pattern] of cases) {
    assert.throws(
      () => decodeNpy(bytes, 'x.npy'),
      (err: unknown) => err instanceof UsageError && pattern.test(err.message) && !err.message.includes('\n') && err.message.startsWith('x.npy'),
    );
  }
});

test("float64 ('<f8') is read only when asked for, and comes back as float32", () => {
  const f4 = encodeNpy(Float32Array.from([1.5, -2, NaN, Infinity]), [2, 2]);
  const f8 = widenToFloat64(f4, [1.5, -2, NaN, Infinity]);
  assert.throws(() => decodeNpy(f8, 'x.npy'), /x\.npy: holds dtype <f8, expected little-endian float32 \('<f4'\)$/);
  const { data, shape } = decodeNpy(f8, 'x.npy', { accept: ['<f4', '<f8'] });
  assert.deepEqual(shape, [2, 2]);
  assert.ok(data instanceof Float32Array);
  assert.deepEqual([...data], [1.5, -2, NaN, Infinity]);
  assert.deepEqual([...decodeNpy(f4, 'x.npy', { accept: ['<f4', '<f8'] }).data], [1.5, -2, NaN, Infinity]);
});

test('a float64 value too large for float32 is refused, naming its element', () => {
  const f8 = widenToFloat64(encodeNpy(new Float32Array(4), [2, 2]), [0, 0, 1e39, 0]);
  assert.throws(
    () => decodeNpy(f8, 'x.npy', { accept: ['<f8'] }),
    (err: unknown) => err instanceof UsageError && /^x\.npy: element \[1, 0\] is 1e\+39, outside the float32 range/.test(err.message),
  );
});

/** The '<f4' file `bytes` (128-byte header) relabelled '<f8' with `values` as its data. */
function widenToFloat64(bytes: Uint8Array, values: number[]): Uint8Array {
  const header = patchHeader(bytes.subarray(0, 128), "'<f4'", "'<f8'");
  const out = new Uint8Array(128 + 8 * values.length);
  out.set(header, 0);
  const view = new DataView(out.buffer);
  values.forEach((x, i) => view.setFloat64(128 + 8 * i, x, true));
  return out;
}

/** A copy of an .npy file with one same-length substring of its header replaced. */
function patchHeader(bytes: Uint8Array, from: string, to: string): Uint8Array {
  assert.equal(from.length, to.length);
  const text = latin1(bytes.subarray(0, 128)).replace(from, to);
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
