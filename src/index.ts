/**
 * audiopred as a library: the same pieces the CLI is made of.
 *
 *   const config = resolveConfig({ epochs: 100, horizon: 1 });
 *   const run = await prepareRun('speech.flac', config);
 *   while (run.trainer.epoch < config.epochs && !run.trainer.finished) console.log(run.trainer.step());
 */
export { decodeAudioFile, decodeAudioBytes, type DecodedAudio } from './audio/decode.js';
export { mfcc, MFCC_DEFAULTS, type MfccOptions } from './audio/mfcc.js';
export { standardize, NORMALIZATIONS, type Normalization } from './audio/standardize.js';
export { loadFeatures, EXAMPLE_AUDIO, type Features, type FeatureStage } from './audio/features.js';
export { cutSegments, splitSegments, type Segments, type Split } from './data/dataset.js';
export { Xoshiro128, type Rng } from './data/rng.js';
export { encodeNpy, decodeNpy } from './formats/npy.js';
export { createModel, modelNames, type ModelName } from './models/registry.js';
export type { SequenceModel } from './models/model.js';
export type { OnlineUnit, LearnSignal } from './models/online.js';
export type { PredictorUnit, UnitContext, UnitFactory } from './models/unit.js';
export type { UnitCost } from './models/cost.js';
export { readOptions, type OptionSpec } from './models/options.js';
export { layoutParams, paramViews, type ParamLayout, type ParamSpec } from './models/params.js';
export { createAdamW, adamwStep, type AdamWOptions, type AdamWState } from './train/adamw.js';
export { resolveConfig, DEFAULT_CONFIG, type TrainConfig } from './train/config.js';
export { shiftedMse, shiftedMseBackward } from './train/loss.js';
export { prepareRun, type PreparedRun } from './train/run.js';
export { Trainer, type EpochResult } from './train/trainer.js';
export { OnlineTrainer } from './train/online-trainer.js';
export { createLearner, costReport, type Learner, type CostReport } from './train/learner.js';
export { resolveUnit, type UnitSource } from './units/load.js';
export { UsageError } from './errors.js';
