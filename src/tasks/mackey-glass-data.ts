/**
 * The Mackey-Glass task's data for one repeat, from a series file (the bundled one, or
 * NeuroBench's mg_17.npy): the 1501-point window of the repeat (--seed mod 30), trained
 * one-step on its first 750 inputs and tested on the next 750, as NeuroBench does; and a
 * validation window, the 750 steps after the test window, which neither training nor the test
 * reads, so that choosing by validation (tune) never looks at the test.
 *
 *   segment 0 (train)  x[o … o+750]         inputs x[o … o+749], one-step targets x[o+1 … o+750]
 *   segment 1 (val)    x[o+1500 … o+2250]
 *   segment 2 (test)   x[o+750 … o+1500]    one-step test loss; the free-running test predicts
 *                                           x[o+751 … o+1500] from x[o … o+750] and its own outputs
 *
 * o = int(k · 37.5), k = seed mod 30 (NeuroBench shifts each repeat by half a Lyapunov time).
 */
import type { Segments, Split } from '../data/dataset.js';
import { UsageError } from '../errors.js';
import { MACKEY_GLASS } from './mackey-glass.js';
import { readSeriesFile } from './series-file.js';

export { EXAMPLE_MACKEY_GLASS } from '../examples.js';

const STEPS = MACKEY_GLASS.trainPoints; // 750 steps a segment, one-step targets
const L = STEPS + 1; // frames a segment
/** Points the last repeat needs: its window and the validation window after it. */
export const MACKEY_GLASS_FILE_POINTS = MACKEY_GLASS.repeatOffset(MACKEY_GLASS.repeats - 1) + MACKEY_GLASS.windowPoints - 1 + L;

export interface MackeyGlassData {
  segments: Segments;
  split: Split;
  /** The repeat, 0 … 29. */
  repeat: number;
  /** What the free-running test reads first (x[o … o+750], 751 values) and must predict after (x[o+751 … o+1500], 750 values). */
  warmup: Float32Array;
  targets: Float32Array;
}

export const repeatOfSeed = (seed: number) => seed % MACKEY_GLASS.repeats;

export async function loadMackeyGlass(path: string, seed: number): Promise<MackeyGlassData> {
  const series = await readSeriesFile(path);
  if (series.features !== 1) throw new UsageError(`${path} has ${series.features} features; the mackey-glass task reads one series, shape (points,) or (points, 1)`);
  const repeat = repeatOfSeed(seed);
  const o = MACKEY_GLASS.repeatOffset(repeat);
  const needed = o + MACKEY_GLASS.windowPoints - 1 + L;
  if (series.frames < needed) {
    throw new UsageError(`${path} has ${series.frames} points; repeat ${repeat} (--seed ${seed}) needs ${needed} (its window at ${o} and the validation window after it)`);
  }
  const x = series.data;
  const data = new Float32Array(3 * L); // (3, L, 1): train, val, test
  data.set(x.subarray(o, o + L), 0);
  data.set(x.subarray(o + 2 * STEPS, o + 2 * STEPS + L), L);
  data.set(x.subarray(o + STEPS, o + STEPS + L), 2 * L);
  return {
    segments: { data, count: 3, length: L, features: 1 },
    split: { train: Int32Array.of(0), val: Int32Array.of(1), test: Int32Array.of(2) },
    repeat,
    warmup: x.slice(o, o + L),
    targets: x.slice(o + L, o + 2 * STEPS + 1),
  };
}
