/**
 * A heatmap's cells as a small PNG (one pixel per cell), for Vega's image
 * mark. Drawn as vector rectangles, a 500-frame segment is 6,000 SVG paths
 * per panel (megabytes of page, hairline seams between cells); as an image it
 * is a few kilobytes and the browser or resvg scales it up pixel by pixel
 * (Vega writes `image-rendering: pixelated` for `smooth: false`). The same
 * thing matplotlib's imshow does in SVG output.
 *
 * The colours come from Vega's own scheme, so the legend (a Vega colour
 * scale over the same domain) matches the cells.
 */
import { deflateSync } from 'node:zlib';
import * as vega from 'vega';

/** CRC-32 (ISO 3309, as PNG uses it), table-driven. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An 8-bit RGB PNG of `rgb` (height, width, 3), rows top to bottom. */
export function encodePngRgb(rgb: Uint8Array, width: number, height: number): Buffer {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0) || rgb.length !== width * height * 3) {
    throw new RangeError(`encodePngRgb: ${rgb.length} bytes for ${width}×${height} RGB pixels`);
  }
  const rows = new Uint8Array(height * (1 + 3 * width)); // each row: filter type 0 (none), then its pixels
  for (let y = 0; y < height; y++) rows.set(rgb.subarray(y * 3 * width, (y + 1) * 3 * width), y * (1 + 3 * width) + 1);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** A Vega colour scheme as a function of t ∈ [0, 1] → [r, g, b]. */
function schemeRgb(name: string): (t: number) => [number, number, number] {
  const interpolate = vega.scheme(name) as ((t: number) => string) | undefined;
  if (typeof interpolate !== 'function') throw new Error(`no continuous Vega colour scheme '${name}'`);
  // 256 steps: finer than the eye (and than the legend's gradient) can tell apart.
  const lut = Array.from({ length: 256 }, (_, i) => {
    const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(interpolate(i / 255));
    if (!m) throw new Error(`colour scheme '${name}' gave '${interpolate(i / 255)}'`);
    return [Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number];
  });
  return (t) => lut[Math.round(255 * Math.min(1, Math.max(0, t)))];
}

/**
 * `values` (frames, F) as a PNG data URL, F pixels high (coefficient F−1 at
 * the top row, 0 at the bottom) and `frames` wide, coloured by `scheme` over
 * [−bound, bound] (values beyond take the end colours; NaN is grey).
 */
export function heatmapImage(values: Float32Array, frames: number, F: number, bound: number, scheme = 'blueorange'): string {
  const colour = schemeRgb(scheme);
  const rgb = new Uint8Array(frames * F * 3);
  for (let row = 0; row < F; row++) {
    const c = F - 1 - row;
    for (let t = 0; t < frames; t++) {
      const v = values[t * F + c];
      const [r, g, b] = Number.isFinite(v) ? colour((v + bound) / (2 * bound)) : [128, 128, 128];
      rgb.set([r, g, b], (row * frames + t) * 3);
    }
  }
  return `data:image/png;base64,${encodePngRgb(rgb, frames, F).toString('base64')}`;
}
