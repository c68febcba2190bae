/**
 * The rendering pieces: the heatmap's PNG encoder, Vega's SVG with ids made
 * unique per figure, fonts, and SVG → PNG.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { crc32, encodePngRgb, heatmapImage } from '../../src/report/raster.js';
import { estimateTextWidth, findFont, prefixSvgIds, renderSvg, svgToPng } from '../../src/report/render.js';
import { lossCurvesSpec } from '../../src/report/specs.js';

test('crc32 gives the standard check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('encodePngRgb writes signature, IHDR, IDAT with the rows behind filter bytes, and IEND', () => {
  const [w, h] = [3, 2]; // awkward sizes: rows of 9 bytes
  const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37) & 255);
  const png = encodePngRgb(rgb, w, h);
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]], [w, h, 8, 2]);
  const idatLength = png.readUInt32BE(33);
  assert.equal(png.subarray(37, 41).toString('latin1'), 'IDAT');
  assert.equal(png.readUInt32BE(41 + idatLength), crc32(png.subarray(37, 41 + idatLength)));
  const rows = inflateSync(png.subarray(41, 41 + idatLength));
  assert.deepEqual([...rows], [0, ...rgb.subarray(0, 9), 0, ...rgb.subarray(9, 18)]);
  assert.equal(png.subarray(-8, -4).toString('latin1'), 'IEND');
  assert.throws(() => encodePngRgb(rgb, 4, 2), RangeError);
});

test('heatmapImage puts the highest coefficient on the top row and maps ±bound to the scheme ends', () => {
  // 2 frames × 3 coefficients: frame 0 = (−1, 0, 1), frame 1 = (NaN, 5, −5)
  const url = heatmapImage(Float32Array.from([-1, 0, 1, NaN, 5, -5]), 2, 3, 1);
  const png = Buffer.from(url.replace('data:image/png;base64,', ''), 'base64');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [2, 3]);
  const idat = png.readUInt32BE(33);
  const rows = inflateSync(png.subarray(41, 41 + idat));
  const pixel = (row: number, col: number) => [...rows.subarray(row * 7 + 1 + col * 3, row * 7 + 4 + col * 3)];
  // Rows top to bottom are coefficients 2, 1, 0; columns are frames.
  assert.deepEqual(pixel(0, 0), pixel(1, 1)); // +1 and +5 (clamped) are the same end colour
  assert.deepEqual(pixel(2, 0), pixel(0, 1)); // −1 and −5 (clamped): the other end
  assert.deepEqual(pixel(2, 1), [128, 128, 128]); // NaN is grey
  assert.notDeepEqual(pixel(0, 0), pixel(2, 0));
});

test('renderSvg draws a Vega-Lite spec, and prefixSvgIds keeps two figures\' clip paths apart', async () => {
  const spec = lossCurvesSpec([{ run: 'a', epoch: 1, split: 'val', loss: 1 }, { run: 'a', epoch: 2, split: 'val', loss: 0.5 }], ['a'], false);
  const svg = await renderSvg(spec);
  assert.match(svg, /^<svg[^>]*width="\d+"/);
  assert.match(svg, /Loss per epoch/);
  assert.match(svg, /id="clip1"/);
  const one = prefixSvgIds(svg, 'one');
  assert.doesNotMatch(one, /id="clip\d/);
  assert.match(one, /id="one-clip1"/);
  assert.match(one, /url\(#one-clip1\)/);
});

test('estimateTextWidth is wider for wide letters and bold text', () => {
  assert.ok(estimateTextWidth('mmmm', 12) > estimateTextWidth('iiii', 12));
  assert.ok(estimateTextWidth('epoch', 12, true) > estimateTextWidth('epoch', 12));
  assert.equal(estimateTextWidth('', 12), 0);
});

test('findFont finds nothing in an empty folder; svgToPng draws text with a system font', { skip: findFont() === null ? 'no font' : false }, async () => {
  const empty = mkdtempSync(join(tmpdir(), 'audiopred-fonts-'));
  try {
    assert.equal(findFont([empty]), null);
  } finally {
    rmSync(empty, { recursive: true });
  }
  const font = findFont()!;
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><text x="2" y="15" font-family="sans-serif" font-size="14">MSE</text></svg>';
  const blank = '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"></svg>';
  const png = svgToPng(svg, font, 2);
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [120, 40]);
  // With the glyphs drawn, the image holds more than a blank one of the same size.
  assert.ok(png.length > svgToPng(blank, font, 2).length + 100, 'the text was not drawn');
});
