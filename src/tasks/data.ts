/**
 * A run's data, whatever its task: the segments it trains, validates and tests on, and which is
 * which. Audio and series files are cut into --segment frames and split by --split, seeded;
 * every run, study check and report gets its data here, so they agree.
 */
import type { TrainConfig } from '../config/settings.js';
import { cutSegments, splitSegments, type Segments, type Split } from '../data/dataset.js';
import { Xoshiro128 } from '../data/rng.js';
import { loadTaskFrames } from './load.js';

export interface TaskData {
  readonly segments: Segments;
  readonly split: Split;
  /** Audio: frames are hop (160) samples apart at this rate; null when frames have no rate. */
  readonly sampleRate: number | null;
}

/** The split of a run's `count` segments: --split's fractions, drawn with --split-seed (or --seed). */
export function splitOfRun(count: number, config: TrainConfig, source: string): Split {
  return splitSegments(count, Xoshiro128.fromSeed(config.splitSeed ?? config.seed, 'split'), source, config.split);
}

/** The segments and split of a run of `config` on `input` (an audio or series file). */
export async function loadTaskData(config: TrainConfig, input: string): Promise<TaskData> {
  const f = await loadTaskFrames(config.task, input, config.normalize);
  const segments = cutSegments(f.data, f.frames, f.features, config.segment, input);
  return { segments, split: splitOfRun(segments.count, config, input), sampleRate: f.sampleRate };
}
