/**
 * A free-running test: the unit reads the true frames of a warm-up, then predicts on its own,
 * each prediction fed back as its next input; it never sees a true frame after the warm-up.
 * NeuroBench's Mackey-Glass protocol (their LSTM's and ESN's "autonomous" mode).
 *
 *   online units   reset, step through the warm-up (learning off), then step on their outputs
 *   backprop units a causal forward over the last T frames (T: the length they trained on, so
 *                  no unit sees a longer sequence than it learnt on), once per prediction
 */
import type { Backend } from '../kernels/backend.js';
import type { PredictorUnit } from '../models/unit.js';

/**
 * Predictions (steps, F) of the frames after `warmup` (W, F): prediction 0 follows from the
 * warm-up's last frame, prediction i from prediction i − 1. Horizon 1: a unit's output at a step
 * predicts the next frame.
 */
export function freeRun(unit: PredictorUnit, params: Float32Array, be: Backend, warmup: Float32Array, steps: number, T: number): Float32Array {
  const F = unit.features;
  const W = warmup.length / F;
  if (!Number.isInteger(W) || W < 1) throw new RangeError(`freeRun: the warm-up holds ${warmup.length} values, not whole frames of ${F}`);
  const predictions = new Float32Array(steps * F); // (steps, F)
  if (unit.kind === 'online') {
    unit.reset();
    let out: ArrayLike<number> = [];
    for (let t = 0; t < W; t++) out = unit.step(warmup.subarray(t * F, (t + 1) * F));
    const frame = new Float32Array(F);
    for (let i = 0; i < steps; i++) {
      predictions.set(Array.from(out), i * F);
      if (i + 1 < steps) {
        frame.set(predictions.subarray(i * F, (i + 1) * F)); // its own prediction, copied: the unit may keep what it is given
        out = unit.step(frame);
      }
    }
    return predictions;
  }
  // All frames so far: the warm-up, then the predictions as they come.
  const frames = new Float32Array((W + steps) * F); // (W + steps, F)
  frames.set(warmup);
  const x = be.alloc(T * F); // (1, T, F)
  const out = be.alloc(T * F); // (1, T, F)
  const cache = unit.createCache(1, T);
  for (let i = 0; i < steps; i++) {
    const end = W + i; // frames known: 0 … end − 1
    const length = Math.min(T, end);
    x.set(frames.subarray((end - length) * F, end * F));
    unit.forward(out.subarray(0, length * F), cache, x.subarray(0, length * F), params, 1, length);
    const next = out.subarray((length - 1) * F, length * F);
    predictions.set(next, i * F);
    frames.set(next, end * F);
  }
  return predictions;
}
