/**
 * Reading a run folder back: its record, and its trained unit's predictions
 * on a validation segment (for reports).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTaskData } from '../tasks/data.js';
import { resolveConfig } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { decodeSafetensors } from '../formats/safetensors.js';
import { getBackend } from '../kernels/index.js';
import { buildUnit } from './learner.js';
import { resolveUnit } from '../units/load.js';
import { MODEL_FILE } from './checkpoint.js';
import { readConfigRecord, readMetrics, readSummary, type MetricsLine, type RunConfigRecord, type RunSummary } from './record.js';

export interface RunFolder {
  dir: string;
  /** config.json. */
  record: RunConfigRecord;
  metrics: MetricsLine[];
  /** summary.json, absent while a run is in progress. */
  summary: RunSummary | null;
}

/** A run folder's records; a UsageError if `dir` is not a run folder. */
export function openRun(dir: string): RunFolder {
  const record = readConfigRecord(dir);
  let metrics: MetricsLine[] = [];
  try {
    metrics = readMetrics(dir);
  } catch {
    metrics = []; // a report shows what it can of a damaged run
  }
  return { dir, record, metrics, summary: readSummary(dir) };
}

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

/** The run's saved unit on validation segment number `which` of its split. */
export async function predictValidationSegment(run: RunFolder, which = 0): Promise<SegmentPrediction> {
  const config = resolveConfig({ ...run.record.config, threads: 1 });
  const audio = run.record.audio.path;
  const { segments, split, sampleRate } = await loadTaskData(config, audio);
  const segment = split.val[Math.min(which, split.val.length - 1)];
  const L = segments.length;
  const T = L - 1;
  const F = segments.features;
  const source = await resolveUnit(config.model);
  const { unit } = buildUnit(source, config, F, T, getBackend('plain'), { trained: true });

  const path = join(run.dir, MODEL_FILE);
  let file;
  try {
    file = decodeSafetensors(await readFile(path));
  } catch (err) {
    throw new UsageError(`${path}: ${(err as Error).message}`);
  }
  const params = unit.kind === 'online' ? unit.params : new Float32Array(unit.layout.size);
  for (const e of unit.layout.entries) {
    const t = file.tensors[e.name];
    if (!t || t.data.length !== e.size) throw new UsageError(`${path}: ${e.name} is missing or has the wrong size for ${source.label}`);
    params.set(t.data, e.offset);
  }

  const seq = segments.data.subarray(segment * L * F, (segment + 1) * L * F);
  const out = new Float32Array(T * F);
  if (unit.kind === 'online') {
    unit.reset();
    for (let t = 0; t < T; t++) out.set(Array.from(unit.step(seq.subarray(t * F, (t + 1) * F))), t * F);
  } else {
    const x = seq.slice(0, T * F);
    unit.forward(out, unit.createCache(1, T), x, params, 1, T);
  }
  const h = config.horizon;
  const frames = T + 1 - h;
  return {
    segment,
    frames,
    features: F,
    horizon: h,
    sampleRate,
    target: seq.slice(h * F, (h + frames) * F),
    prediction: out.slice(0, frames * F),
  };
}
