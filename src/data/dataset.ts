import { UsageError } from '../errors.js';
import { permutation, shuffleInPlace, type Rng } from './rng.js';

/**
 * Features cut into equal segments: n = floor(frames / L) segments of L
 * consecutive frames, the tail dropped, exactly as the original does.
 */
export interface Segments {
  readonly data: Float32Array; // (N, L, F)
  readonly count: number; // N
  readonly length: number; // L
  readonly features: number; // F
}

export function cutSegments(features: Float32Array, frames: number, F: number, L: number, source: string): Segments {
  if (features.length !== frames * F) throw new Error(`features hold ${features.length} values, expected ${frames}×${F}`);
  const count = Math.floor(frames / L);
  if (count === 0) {
    throw new UsageError(
      `${source}: too short for one segment: ${frames} frames < --segment ${L}; use a longer recording or a smaller --segment`,
    );
  }
  return { data: features.slice(0, count * L * F), count, length: L, features: F };
}

export interface Split {
  readonly train: Int32Array; // segment indices
  readonly val: Int32Array; // segment indices, in the order they are evaluated
  readonly test: Int32Array; // segment indices, in the order they are evaluated; empty without a test fraction
}

/** Shares of the segments for training, validation and test; they sum to 1 and only the test share may be 0. */
export type SplitFractions = readonly [train: number, val: number, test: number];

/** The original's: a quarter for validation, the rest for training, no test split. */
export const DEFAULT_SPLIT: SplitFractions = Object.freeze([0.75, 0.25, 0] as const);

export interface SplitCounts {
  readonly train: number;
  readonly val: number;
  readonly test: number;
}

/** floor(count · fraction), forgiving the rounding of decimal fractions: 0.29 · 100 is 28.999999999999996. */
function share(count: number, fraction: number): number {
  return Math.floor(count * fraction + 1e-9);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * How many of `count` segments each part of the split gets: floor(count · test) test and
 * floor(count · val) validation segments, the rest training. A part left empty (only the test
 * part may be, and only when its fraction is 0) is a UsageError naming `source` and the fix.
 */
export function checkSplit(count: number, fractions: SplitFractions, source: string): SplitCounts {
  const [, valFraction, testFraction] = fractions;
  const test = share(count, testFraction);
  const val = share(count, valFraction);
  const train = count - test - val;
  const need = (fraction: number) => Math.ceil((1 - 1e-9) / fraction);
  if (val === 0) {
    throw new UsageError(
      `${source}: only ${plural(count, 'segment')}, too few for a validation split of ${valFraction} (need at least ${need(valFraction)}); use a longer recording or a smaller --segment`,
    );
  }
  if (testFraction > 0 && test === 0) {
    throw new UsageError(
      `${source}: only ${plural(count, 'segment')}, too few for a test split of ${testFraction} (need at least ${need(testFraction)}); use a longer recording, a smaller --segment or a larger test fraction in --split`,
    );
  }
  if (train <= 0) {
    throw new UsageError(
      `${source}: only ${plural(count, 'segment')}: --split ${fractions.join(',')} leaves none for training; use a longer recording, a smaller --segment or a larger training fraction`,
    );
  }
  return { train, val, test };
}

/**
 * Seeded random split of `count` segments: of one permutation, the first floor(count · test)
 * indices are test, the next floor(count · val) validation and the rest training. Drawn first,
 * the test segments depend only on the seed and the test fraction; with the default fractions
 * the first floor(count/4) are validation, as the original's torch.randperm split.
 */
export function splitSegments(count: number, rng: Rng, source: string, fractions: SplitFractions = DEFAULT_SPLIT): Split {
  const sizes = checkSplit(count, fractions, source);
  const perm = permutation(count, rng);
  return {
    test: perm.slice(0, sizes.test),
    val: perm.slice(sizes.test, sizes.test + sizes.val),
    train: perm.slice(sizes.test + sizes.val),
  };
}

/**
 * Copies the segments `indices[start, start+B)` into a contiguous batch:
 * `seg` gets the whole segments (B, L, F) and `x` the model input, frames
 * 0..L−2 of each (B, L−1, F). Returns B (the last batch may be short).
 */
export function packBatch(
  x: Float32Array, // (B, L-1, F)
  seg: Float32Array, // (B, L, F)
  segments: Segments,
  indices: Int32Array,
  start: number,
  batchSize: number,
): number {
  const { data, length: L, features: F } = segments;
  const B = Math.min(batchSize, indices.length - start);
  const segSize = L * F;
  const inSize = (L - 1) * F;
  // Plain loops rather than set(subarray(…)): a batch allocates nothing, not even views.
  for (let b = 0; b < B; b++) {
    const from = indices[start + b] * segSize;
    const toSeg = b * segSize;
    const toX = b * inSize;
    for (let i = 0; i < segSize; i++) seg[toSeg + i] = data[from + i];
    for (let i = 0; i < inSize; i++) x[toX + i] = data[from + i];
  }
  return B;
}

/**
 * This epoch's batch order: a fresh permutation of the training indices
 * (as the original's `tr[torch.randperm(len(tr))]`), so the order depends on
 * the shuffle stream alone and a resumed run reproduces it.
 */
export function epochOrder(order: Int32Array, train: Int32Array, rng: Rng): void {
  order.set(train);
  shuffleInPlace(order, rng);
}
