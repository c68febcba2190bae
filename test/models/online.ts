/** Shared by the online-unit tests: driving a unit the way src/train/online-trainer.ts does. */
import type { OnlineUnit } from '../../src/models/online.js';

/**
 * One training pass as the trainer runs it: per segment (T frames, F each)
 * reset, step every frame, learn while frame t + horizon exists; then endPass.
 */
export function trainPass(unit: OnlineUnit, segments: Float32Array[], T: number, F: number, horizon: number): void {
  const prediction = new Float32Array(F);
  const error = new Float32Array(F);
  for (const seg of segments) {
    unit.reset();
    for (let t = 0; t < T; t++) {
      const input = seg.subarray(t * F, (t + 1) * F);
      const p = unit.step(input);
      if (t + horizon > T - 1) continue;
      const target = seg.subarray((t + horizon) * F, (t + horizon + 1) * F);
      for (let f = 0; f < F; f++) {
        prediction[f] = p[f];
        error[f] = p[f] - target[f];
      }
      unit.learn({ input, prediction, target, error, t });
    }
    unit.endSequence?.();
  }
  unit.endPass?.();
}
