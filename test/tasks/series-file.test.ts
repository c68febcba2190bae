import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSeriesFile } from '../../src/tasks/series-file.js';
import { encodeNpy } from '../../src/formats/npy.js';
import { UsageError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-series-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `contents` to a fresh file called `name` in the test folder and returns its path. */
function fixture(name: string, contents: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

/**
 * .npy bytes of a C-order array, written by hand as numpy.save writes them: the header dict, 21 −
 * len(repr(shape[0])) spare spaces, then spaces and "\n" up to a multiple of 64 bytes.
 */
function npyBytes(descr: string, shape: number[], values: number[]): Uint8Array {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  header += ' '.repeat(shape.length > 0 ? 21 - String(shape[0]).length : 0);
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const width = descr === '<f8' ? 8 : 4;
  const bytes = new Uint8Array(10 + header.length + width * values.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  const view = new DataView(bytes.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  const start = 10 + header.length;
  for (let i = 0; i < values.length; i++) {
    if (descr === '<f8') view.setFloat64(start + 8 * i, values[i], true);
    else if (descr === '<f4') view.setFloat32(start + 4 * i, values[i], true);
    else view.setInt32(start + 4 * i, values[i], true);
  }
  return bytes;
}

/** Asserts that reading `path` fails with a one-line UsageError matching `pattern`. */
async function assertRefused(path: string, pattern: RegExp): Promise<void> {
  await assert.rejects(readSeriesFile(path), (err: unknown) => {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), `message is not one line: ${err.message}`);
    return true;
  });
}

test('a float32 .npy of shape (T, F) is read time-major, row t being frame t', async () => {
  const values = Float32Array.from([0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32]);
  const series = await readSeriesFile(fixture('tf.npy', encodeNpy(values, [4, 3])));
  assert.equal(series.frames, 4);
  assert.equal(series.features, 3);
  assert.deepEqual([...series.data], [...values]);
});

test('a float32 .npy of shape (T,) is one feature', async () => {
  const series = await readSeriesFile(fixture('t.npy', encodeNpy(Float32Array.from([1, 2, 3, 4, 5]), [5])));
  assert.deepEqual(series, { data: Float32Array.from([1, 2, 3, 4, 5]), frames: 5, features: 1 });
});

test('the hand-written float64 header is byte for byte what numpy.save writes', () => {
  // numpy 2.4: np.save(f, np.arange(8, dtype='<f8').reshape(4, 2)) → 128 header bytes, then 64 of data.
  const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }";
  const expected = '\x93NUMPY\x01\x00\x76\x00' + dict + ' '.repeat(58) + '\n';
  const bytes = npyBytes('<f8', [4, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(String.fromCharCode(...bytes.subarray(0, 128)), expected);
  assert.equal(bytes.length, 128 + 8 * 8);
});

test('a float64 .npy of shape (4, 2) round-trips to float32, rounding each value as Math.fround does', async () => {
  const values = [0.1, -2.5, 1e-3, 3, 1 / 3, 65504.25, -0, 1e30];
  const series = await readSeriesFile(fixture('f8.npy', npyBytes('<f8', [4, 2], values)));
  assert.equal(series.frames, 4);
  assert.equal(series.features, 2);
  assert.ok(series.data instanceof Float32Array);
  for (let i = 0; i < values.length; i++) {
    assert.ok(Object.is(series.data[i], Math.fround(values[i])), `element ${i}: ${series.data[i]} vs ${values[i]}`);
  }
});

test('a float64 .npy of shape (T,) is one feature', async () => {
  const series = await readSeriesFile(fixture('f8-1d.npy', npyBytes('<f8', [3], [1.5, 2.5, 3.5])));
  assert.deepEqual(series, { data: Float32Array.from([1.5, 2.5, 3.5]), frames: 3, features: 1 });
});

test('a CSV without a header is one frame per row', async () => {
  const series = await readSeriesFile(fixture('plain.csv', '1,2\n3,4\n5,6\n7,8\n'));
  assert.deepEqual(series, { data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), frames: 4, features: 2 });
});

test('a CSV whose first row is not all numbers has that row skipped as a header', async () => {
  const series = await readSeriesFile(fixture('header.csv', 'time,value\n0,1.5\n1,-2e3\n2,.25\n'));
  assert.deepEqual(series, { data: Float32Array.from([0, 1.5, 1, -2000, 2, 0.25]), frames: 3, features: 2 });
});

test('a CSV with CRLF line ends, spaces and tabs around values and blank trailing lines is read', async () => {
  const text = '\ufeff a , b ,c\r\n 1 ,\t2,  3 \r\n4,5,6\r\n+7, 8.0 ,9e0\r\n\r\n  \r\n\n';
  const series = await readSeriesFile(fixture('crlf.csv', text));
  assert.deepEqual(series, { data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), frames: 3, features: 3 });
});

test('a one-column CSV without a final newline is one feature', async () => {
  const series = await readSeriesFile(fixture('column.CSV', '0.5\n1.5\n2.5'));
  assert.deepEqual(series, { data: Float32Array.from([0.5, 1.5, 2.5]), frames: 3, features: 1 });
});

test('a CSV row with a different number of values names both lines', async () => {
  const text = 'a,b,c,d\n' + '1,2,3,4\n'.repeat(5) + '1,2,3\n';
  await assertRefused(fixture('ragged.csv', text), /ragged\.csv line 7 has 3 values, line 2 has 4: every row needs the same number of columns$/);
});

test('a CSV header with a different number of names than the rows is refused', async () => {
  await assertRefused(fixture('header-ragged.csv', 'a,b,c\n1,2\n3,4\n5,6\n'), /header-ragged\.csv line 1 \(the header\) has 3 names, line 2 has 2 values/);
});

test('a CSV value that is not a number names its line, column and text', async () => {
  await assertRefused(fixture('word.csv', 'x,y\n1,2\n3,oops\n5,6\n'), /word\.csv line 3 column 2: 'oops' is not a number; give comma-separated numbers$/);
  await assertRefused(fixture('empty-cell.csv', '1,2\n3,\n5,6\n'), /empty-cell\.csv line 2 column 2: '' is not a number/);
  await assertRefused(fixture('hex.csv', '1\n0x10\n3\n'), /hex\.csv line 2 column 1: '0x10' is not a number/);
});

test('a file with another delimiter is refused as not comma-separated numbers', async () => {
  await assertRefused(fixture('semicolons.csv', '1;2\n3;4\n5;6\n'), /semicolons\.csv line 2 column 1: '3;4' is not a number/);
});

test('a blank line between rows is refused rather than dropping a frame', async () => {
  await assertRefused(fixture('gap.csv', '1,2\n3,4\n\n5,6\n'), /gap\.csv line 3 is blank; only trailing lines may be blank$/);
});

test('NaN or Infinity in a CSV names the first frame, feature and line', async () => {
  await assertRefused(
    fixture('nan.csv', 'a,b\n1,2\n3,4\n5,nan\n-inf,8\n'),
    /nan\.csv frame 2, feature 1 \(counting from 0, line 4\) is NaN; a series must be finite/,
  );
  await assertRefused(fixture('inf.csv', '1,2\n3,4\n-Infinity,6\n'), /inf\.csv frame 2, feature 0 \(counting from 0, line 3\) is -Infinity/);
});

test('a CSV value beyond the float32 range is refused rather than read as Infinity', async () => {
  await assertRefused(fixture('huge.csv', '1\n2\n1e39\n'), /huge\.csv line 3 column 1: 1e39 is outside the float32 range/);
});

test('NaN or Infinity in a .npy names the first frame and feature', async () => {
  await assertRefused(
    fixture('nan.npy', encodeNpy(Float32Array.from([0, 1, 2, 3, NaN, 5, Infinity, 7]), [4, 2])),
    /nan\.npy frame 2, feature 0 \(counting from 0\) is NaN; a series must be finite — fill or drop the gaps first$/,
  );
  await assertRefused(fixture('inf-f8.npy', npyBytes('<f8', [4], [0, 1, 2, -Infinity])), /inf-f8\.npy frame 3, feature 0 \(counting from 0\) is -Infinity/);
});

test('a float64 .npy value beyond the float32 range is refused, naming the element', async () => {
  await assertRefused(
    fixture('huge.npy', npyBytes('<f8', [4, 2], [0, 1, 2, 3, 4, -1e300, 6, 7])),
    /huge\.npy: element \[2, 1\] is -1e\+300, outside the float32 range/,
  );
});

test('a .npy of another dtype is refused, naming the dtypes that are read', async () => {
  await assertRefused(fixture('int.npy', npyBytes('<i4', [3, 1], [1, 2, 3])), /int\.npy: holds dtype <i4, expected little-endian float32 \('<f4'\) or little-endian float64 \('<f8'\)/);
});

test('a .npy of rank 0 or above 2 is refused with its shape', async () => {
  await assertRefused(fixture('rank3.npy', encodeNpy(new Float32Array(8), [2, 2, 2])), /rank3\.npy holds an array of shape \(2, 2, 2\); give a \(frames, features\) array$/);
  await assertRefused(fixture('rank0.npy', encodeNpy(new Float32Array(1), [])), /rank0\.npy holds an array of shape \(\); give a \(frames, features\) array$/);
});

test('fewer than 3 frames is refused, saying how many there are', async () => {
  await assertRefused(fixture('short.npy', encodeNpy(new Float32Array(6), [2, 3])), /short\.npy has 2 frames; a series needs at least 3$/);
  await assertRefused(fixture('short.csv', 'a\n1\n2\n'), /short\.csv has 2 frames; a series needs at least 3$/);
  await assertRefused(fixture('header-only.csv', 'a,b\n'), /header-only\.csv has 0 frames/);
  await assertRefused(fixture('empty.csv', ''), /empty\.csv has 0 frames/);
});

test('a .npy with zero features is refused', async () => {
  await assertRefused(fixture('no-features.npy', encodeNpy(new Float32Array(0), [5, 0])), /no-features\.npy has 0 features; give at least one column$/);
});

test('a file that is not .npy or .csv is refused by its extension', async () => {
  await assertRefused(fixture('series.txt', '1\n2\n3\n'), /series\.txt: give a \.npy or \.csv file$/);
  await assertRefused(join(dir, 'no-extension'), /no-extension: give a \.npy or \.csv file$/);
});

test('a missing file or a directory is refused in one line naming it', async () => {
  await assertRefused(join(dir, 'missing.csv'), /^no such file: .*missing\.csv — give the path of a \.npy or \.csv file$/);
  await assertRefused(join(dir, 'missing-folder', 'x.npy'), /^no such file: .*x\.npy/);
  mkdirSync(join(dir, 'folder.npy'));
  await assertRefused(join(dir, 'folder.npy'), /folder\.npy is a directory — give the path of a \.npy or \.csv file$/);
});
