import { loadFeatures, type Features } from '../audio/features.js';
import { cutSegments, splitSegments, type Segments, type Split } from '../data/dataset.js';
import { Xoshiro128 } from '../data/rng.js';
import type { TrainConfig } from './config.js';
import { Trainer } from './trainer.js';

export interface PreparedRun {
  readonly audioPath: string;
  readonly features: Features;
  readonly segments: Segments;
  readonly split: Split;
  readonly trainer: Trainer;
}

/** Audio file → features → segments → seeded split → a model ready to train (close the trainer when done). */
export async function prepareRun(audioPath: string, config: TrainConfig): Promise<PreparedRun> {
  const features = await loadFeatures(audioPath, config.normalize);
  const segments = cutSegments(features.data, features.frames, features.coefficients, config.segment, audioPath);
  const split = splitSegments(segments.count, Xoshiro128.fromSeed(config.seed, 'split'), audioPath);
  const trainer = await Trainer.create(segments, split, config);
  return { audioPath, features, segments, split, trainer };
}
