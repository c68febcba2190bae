import { loadFeatures, type FeatureStage } from '../audio/features.js';
import { UsageError } from '../errors.js';
import { encodeNpy } from '../formats/npy.js';
import { resolveConfig } from '../config/settings.js';
import { writeFileAtomic } from '../files.js';

export interface FeaturesCommandOptions {
  output: string;
  stage: string;
  normalize?: string;
}

const STAGES: readonly FeatureStage[] = ['mfcc', 'standardized'];

/** `audiopred features AUDIO -o OUT.npy`: the features as NumPy float32, (frames, 12). */
export async function featuresCommand(audio: string, options: FeaturesCommandOptions): Promise<void> {
  if (!STAGES.includes(options.stage as FeatureStage)) {
    throw new UsageError(`--stage must be one of ${STAGES.join(', ')}, got '${options.stage}'`);
  }
  const { normalize } = resolveConfig({ normalize: options.normalize });
  const features = await loadFeatures(audio, normalize, options.stage as FeatureStage);
  await writeFileAtomic(options.output, encodeNpy(features.data, [features.frames, features.coefficients]));
  process.stdout.write(`Wrote ${options.output}: float32 (${features.frames}, ${features.coefficients}), ${options.stage}\n`);
}
