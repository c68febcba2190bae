/**
 * A run's data, whatever its task: the segments it trains, validates and tests on, and which is
 * which. Audio and series files are cut into --segment frames and split by --split, seeded;
 * every run, study check and report gets its data here, so they agree.
 */
import type { TrainConfig } from '../config/settings.js';
import { cutSegments, splitSegments, type Segments, type Split } from '../data/dataset.js';
import { Xoshiro128 } from '../data/rng.js';
import { loadTaskFrames } from './load.js';
import { EXAMPLE_MACKEY_GLASS, loadMackeyGlass } from './mackey-glass-data.js';
import type { TaskName } from './registry.js';
import { EXAMPLE_RECORDINGS } from '../audio/features.js';

export interface TaskData {
  readonly segments: Segments;
  readonly split: Split;
  /** Audio: frames are hop (160) samples apart at this rate; null when frames have no rate. */
  readonly sampleRate: number | null;
  /** A task scored free-running: the true frames the unit reads first, then the frames it must predict feeding on its own outputs. */
  readonly freeRun?: { readonly warmup: Float32Array; readonly targets: Float32Array };
}

/** What a task reads when given no input: the bundled recordings (audio), the bundled series (mackey-glass); none for series. */
export function bundledInputs(task: TaskName): readonly string[] {
  return task === 'audio' ? EXAMPLE_RECORDINGS : task === 'mackey-glass' ? [EXAMPLE_MACKEY_GLASS] : [];
}

/** The split of a run's `count` segments: --split's fractions, drawn with --split-seed (or --seed). */
export function splitOfRun(count: number, config: TrainConfig, source: string): Split {
  return splitSegments(count, Xoshiro128.fromSeed(config.splitSeed ?? config.seed, 'split'), source, config.split);
}

/** The segments and split of a run of `config` on `input` (an audio or series file). */
export async function loadTaskData(config: TrainConfig, input: string): Promise<TaskData> {
  if (config.task === 'mackey-glass') {
    const mg = await loadMackeyGlass(input, config.seed);
    return { segments: mg.segments, split: mg.split, sampleRate: null, freeRun: { warmup: mg.warmup, targets: mg.targets } };
  }
  const f = await loadTaskFrames(config.task, input, config.normalize);
  const segments = cutSegments(f.data, f.frames, f.features, config.segment, input);
  return { segments, split: splitOfRun(segments.count, config, input), sampleRate: f.sampleRate };
}
