/**
 * The causality probe: a backprop unit's output at step t is scored against
 * frame t + horizon, so it may read frames 0 … t of its sequence and nothing
 * later. forward gets whole sequences, so nothing in the interface stops a
 * unit from reading ahead (`out[t] = x[t + 2]` trains to a near-zero loss);
 * this probe does, once, before training.
 *
 * With the unit's initial parameters, seeded random input x (ROWS rows of T
 * steps) goes through forward. Then, for a few cut points t, every frame after
 * step t in every row is replaced by other random values and forward runs
 * again: the outputs at steps 0 … t must not change, bit for bit (compared as
 * Uint32 so NaN and −0 count). Changing every row at once also catches a unit
 * that mixes rows. A unit that fails is refused with a UsageError (exit code
 * 2) naming the earliest step whose output moved.
 */
import { Xoshiro128 } from '../data/rng.js';
import { UsageError } from '../errors.js';
import type { Backend } from '../kernels/backend.js';
import type { SequenceModel } from '../models/model.js';
import { unitThrew } from '../models/unit-errors.js';

/** Rows per probe batch: two, so a leak between rows shows too. */
const ROWS = 2;

const WHERE = 'causality probe, before training';

/** The cut points for sequences of T steps: 0, 1, about T/3 and 2T/3, and T − 2 (a cut at T − 1 changes nothing). */
export function causalityCuts(T: number): number[] {
  const cuts = [0, 1, Math.floor(T / 3), Math.floor((2 * T) / 3), T - 2].filter((t) => t >= 0 && t <= T - 2);
  return [...new Set(cuts)].sort((a, b) => a - b);
}

/**
 * Throws a UsageError unless `unit`'s outputs at steps 0 … t depend on input
 * steps 0 … t only, over sequences of T steps, on backend `be` with
 * parameters `params` (from be.alloc; forward only reads them). `seed` seeds
 * the probe's input. A throw inside the unit becomes unitThrew's one-line
 * error (exit code 2).
 */
export function checkCausality(unit: SequenceModel, label: string, be: Backend, T: number, params: Float32Array, seed: number): void {
  const cuts = causalityCuts(T);
  if (cuts.length === 0) return;
  const F = unit.features;
  const B = ROWS;
  const n = B * T * F;
  const x = be.alloc(n); // (B, T, F) the probe's input
  const cut = be.alloc(n); // (B, T, F) x with the frames after a cut replaced
  const out = be.alloc(n); // (B, T, F) forward(x)
  const moved = be.alloc(n); // (B, T, F) forward(cut)
  const other = new Float32Array(n); // (B, T, F) the replacement frames
  const rng = Xoshiro128.fromSeed(seed, 'causality');
  for (let i = 0; i < n; i++) x[i] = rng.normal();
  for (let i = 0; i < n; i++) other[i] = rng.normal();

  let method = 'createCache';
  try {
    const cache = unit.createCache(B, T);
    method = 'forward';
    unit.forward(out, cache, x, params, B, T);
    let leak: { step: number; cut: number } | undefined;
    for (const t of cuts) {
      cut.set(x);
      for (let b = 0; b < B; b++) {
        const from = (b * T + t + 1) * F, to = (b + 1) * T * F;
        cut.set(other.subarray(from, to), from);
      }
      unit.forward(moved, cache, cut, params, B, T);
      const step = firstChange(out, moved, B, T, F, t);
      if (step >= 0 && (leak === undefined || step <= leak.step)) leak = { step, cut: t }; // the latest cut for the earliest step
    }
    if (leak === undefined) return;
    unit.forward(moved, cache, x, params, B, T);
    const again = firstChange(out, moved, B, T, F, T - 1);
    if (again >= 0) {
      throw new UsageError(
        `unit ${label}: forward is not repeatable: two calls on the same input gave different outputs at step ${again}, so its causality cannot be checked; ` +
          'keep no state outside the cache and draw no random numbers in forward (docs/units.md#causality)',
      );
    }
    throw new UsageError(
      `unit ${label} reads the future: its output at step ${leak.step} changed when only inputs after step ${leak.cut} changed; ` +
        'the output at step t may depend on x_0…x_t only (docs/units.md#causality)',
    );
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw unitThrew(label, method, WHERE, err, 2);
  }
}

/** The first step s ≤ last at which a and b (B, T, F) differ in any row, bit for bit; −1 if none. */
function firstChange(a: Float32Array, b: Float32Array, B: number, T: number, F: number, last: number): number {
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const v = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let s = 0; s <= last; s++) {
    for (let r = 0; r < B; r++) {
      const at = (r * T + s) * F;
      for (let f = 0; f < F; f++) if (u[at + f] !== v[at + f]) return s;
    }
  }
  return -1;
}
