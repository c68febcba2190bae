/** Shared by the online-unit tests: driving a unit the way src/train/online-trainer.ts does. */
import type { OnlineUnit } from '../../src/models/online.js';

/**
 * One training pass as the trainer runs it: per segment (T frames, F each)
 * reset, step every frame, and when frame t + 1 arrives, learn for the
 * prediction of step t + 1 − horizon, whose target it is; then endPass.
 */
export function trainPass(unit: OnlineUnit, segments: Float32Array[], T: number, F: number, horizon: number): void {
  const predictions = new Float32Array(T * F); // (T, F) what step returned
  const error = new Float32Array(F);
  for (const seg of segments) {
    unit.reset();
    for (let t = 0; t < T; t++) {
      predictions.set(unit.step(seg.subarray(t * F, (t + 1) * F)), t * F);
      const p = t + 1 - horizon;
      if (p < 0 || t + 1 > T - 1) continue;
      const prediction = predictions.subarray(p * F, (p + 1) * F);
      const target = seg.subarray((t + 1) * F, (t + 2) * F);
      for (let f = 0; f < F; f++) error[f] = prediction[f] - target[f];
      unit.learn({ input: seg.subarray(p * F, (p + 1) * F), prediction, target, error, t: p });
    }
    unit.endSequence?.();
  }
  unit.endPass?.();
}
