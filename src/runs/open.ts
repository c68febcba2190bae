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
import { predictSegment, type SegmentPrediction } from './predict.js';
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

export type { SegmentPrediction };

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

  return { ...predictSegment(unit, params, segments, segment, config.horizon), sampleRate };
}
