/**
 * What a trained unit predicts on one segment, beside what it should have predicted: the
 * report's and the playground's target-vs-predicted heatmaps. Backprop units run a forward over
 * the segment; online units are reset and stepped through it (learning off).
 */
import type { Segments } from '../data/dataset.js';
import type { PredictorUnit } from '../models/unit.js';

export interface SegmentPrediction {
  /** Which segment of the recording (its index), and its position in the validation split. */
  segment: number;
  /** Frames scored: T + 1 − horizon. */
  frames: number;
  features: number;
  horizon: number;
  /** Of the recording: frames are hop (160) samples apart at this rate; null for a series task. */
  sampleRate: number | null;
  /** (frames, F) the frames the unit should have predicted, x_{t+horizon}. */
  target: Float32Array;
  /** (frames, F) what it predicted. */
  prediction: Float32Array;
}

/** `unit` (built on the plain backend, `params` a plain array) on segment `segment` of `segments`, scored at `horizon`. */
export function predictSegment(unit: PredictorUnit, params: Float32Array, segments: Segments, segment: number, horizon: number): Omit<SegmentPrediction, 'sampleRate'> {
  const L = segments.length;
  const T = L - 1;
  const F = segments.features;
  const seq = segments.data.subarray(segment * L * F, (segment + 1) * L * F);
  const out = new Float32Array(T * F);
  if (unit.kind === 'online') {
    unit.reset();
    for (let t = 0; t < T; t++) out.set(Array.from(unit.step(seq.subarray(t * F, (t + 1) * F))), t * F);
  } else {
    const x = seq.slice(0, T * F);
    unit.forward(out, unit.createCache(1, T), x, params, 1, T);
  }
  const frames = T + 1 - horizon;
  return { segment, frames, features: F, horizon, target: seq.slice(horizon * F, (horizon + frames) * F), prediction: out.slice(0, frames * F) };
}
