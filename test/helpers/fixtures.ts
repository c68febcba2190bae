import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Paths under the repository's test/fixtures/. This file runs compiled as
 * dist/test/helpers/fixtures.js, so the repository root is three levels up.
 */
export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(`../../../test/fixtures/${relative}`, import.meta.url));
}

/** A little-endian float32 fixture (C order), e.g. 'speech.mfcc.f32'. */
export function readF32(relative: string): Float32Array {
  const bytes = readFileSync(fixturePath(relative));
  const out = new Float32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** A JSON fixture, e.g. 'speech.json'. */
export function readJson<T = unknown>(relative: string): T {
  return JSON.parse(readFileSync(fixturePath(relative), 'utf8')) as T;
}

/** The decoder facts and shapes in NAME.json. */
export interface AudioFacts {
  audio: string;
  sample_rate: number;
  channels: number;
  samples_per_channel: number;
  first_samples: number[][];
  sum_of_squares: number;
  mfcc_shape: [number, number];
  features_shape: [number, number];
}

/** Largest |a[i] − b[i]| over two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) worst = d; // NaN counts as the worst difference
  }
  return worst;
}
