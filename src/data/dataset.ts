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

/** Share of segments held out for validation (floor of it), as the original. */
export const VALIDATION_FRACTION = 0.25;

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
}

/**
 * Seeded random split: the first floor(n/4) indices of a permutation are
 * validation, the rest training (what the original does with torch.randperm).
 */
export function splitSegments(count: number, rng: Rng, source: string): Split {
  const valCount = Math.floor(count * VALIDATION_FRACTION);
  if (valCount === 0) {
    throw new UsageError(
      `${source}: only ${count} segment${count === 1 ? '' : 's'}, too few for a validation split (need at least 4); use a longer recording or a smaller --segment`,
    );
  }
  const perm = permutation(count, rng);
  return { val: perm.slice(0, valCount), train: perm.slice(valCount) };
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
