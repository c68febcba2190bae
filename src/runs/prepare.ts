import { loadFeatures, type Features } from '../audio/features.js';
import { cutSegments, splitSegments, type Segments, type Split } from '../data/dataset.js';
import { Xoshiro128 } from '../data/rng.js';
import type { UnitSource } from '../units/load.js';
import type { TrainConfig } from '../config/settings.js';
import { createLearner, type Learner } from './learner.js';

export interface PreparedRun {
  readonly audioPath: string;
  readonly features: Features;
  readonly segments: Segments;
  readonly split: Split;
  readonly trainer: Learner;
}

/** The split of a run's `count` segments: --split's fractions, drawn with --split-seed (or --seed). */
export function splitOfRun(count: number, config: TrainConfig, source: string): Split {
  return splitSegments(count, Xoshiro128.fromSeed(config.splitSeed ?? config.seed, 'split'), source, config.split);
}

/** Audio file → features → segments → seeded split → a unit ready to train (close the trainer when done). */
export async function prepareRun(audioPath: string, config: TrainConfig, source?: UnitSource): Promise<PreparedRun> {
  const features = await loadFeatures(audioPath, config.normalize);
  const segments = cutSegments(features.data, features.frames, features.coefficients, config.segment, audioPath);
  const split = splitOfRun(segments.count, config, audioPath);
  const trainer = await createLearner(segments, split, config, source);
  return { audioPath, features, segments, split, trainer };
}
