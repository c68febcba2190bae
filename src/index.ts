/**
 * audiopred as a library: the same pieces the CLI is made of.
 *
 *   const result = await trainRun({ audio: 'speech.flac', config: resolveConfig({ epochs: 100, horizon: 1 }),
 *                                   onEpoch: (e) => console.log(e.epoch, e.valLoss) });
 *   console.log(result.status, result.summary.final_val_loss, result.dir);
 */
export { decodeAudioFile, decodeAudioBytes, type DecodedAudio } from './audio/decode.js';
export { mfcc, MFCC_DEFAULTS } from './audio/mfcc.js';
export type { MfccOptions } from './audio/mfcc-types.js';
export { standardize, NORMALIZATIONS, type Normalization } from './audio/standardize.js';
export { loadFeatures, EXAMPLE_AUDIO, type Features, type FeatureStage } from './audio/features.js';
export { cutSegments, splitSegments, checkSplit, DEFAULT_SPLIT, type Segments, type Split, type SplitFractions, type SplitCounts } from './data/dataset.js';
export { Xoshiro128, type Rng } from './data/rng.js';
export { encodeNpy, decodeNpy } from './formats/npy.js';
export { createModel, modelNames, type ModelName } from './models/registry.js';
export type { SequenceModel } from './models/model.js';
export type { OnlineUnit, LearnSignal } from './models/online.js';
export type { PredictorUnit, UnitContext, UnitFactory } from './models/unit.js';
export type { UnitCost } from './models/cost.js';
export { readOptions, type OptionSpec } from './models/options.js';
export type { SearchSpace, SearchParam } from './models/search.js';
export { layoutParams, paramViews, type ParamLayout, type ParamSpec } from './models/params.js';
export { createAdamW, adamwStep, type AdamWOptions, type AdamWState } from './optim/adamw.js';
export {
  resolveConfig, DEFAULT_CONFIG, SETTINGS, configToJson, configFromJson, configToArgs, type TrainConfig, type Setting, type SettingKey,
} from './config/settings.js';
export { trainRun, type TrainRunOptions, type RunResult, type RunStart, type EpochReport } from './runs/train-run.js';
export { openRun, type RunFolder } from './runs/open.js';
export type { RunConfigRecord, RunSummary, MetricsLine, RunStatus } from './runs/record.js';
export { runStudy, resumeStudy, type StudyPlan, type StudyOptions, type StudyResult, type StudyRecord } from './compare/study.js';
export { createLocalExecutor, type Executor, type PendingJob } from './jobs/executor.js';
export type { Job, JobResult, EpochPoint } from './jobs/job.js';
export { runTune, resumeTune, type TunePlan, type TuneOptions, type TuneResult } from './tune/study.js';
export type { TuneRecord } from './tune/record.js';
export { shiftedMse, shiftedMseBackward } from './train/loss.js';
export { prepareRun, type PreparedRun } from './runs/prepare.js';
export { loadTaskData, splitOfRun, bundledInputs, type TaskData } from './tasks/data.js';
export { TASKS, TASK_NAMES, type TaskName } from './tasks/registry.js';
export { readSeriesFile, type Series } from './tasks/series-file.js';
export { MACKEY_GLASS, mackeyGlassSeries, mackeyGlassRepeat } from './tasks/mackey-glass.js';
export { loadMackeyGlass, EXAMPLE_MACKEY_GLASS } from './tasks/mackey-glass-data.js';
export { smape } from './tasks/smape.js';
export { freeRun } from './train/free-run.js';
export { Trainer, type EpochResult } from './train/trainer.js';
export { OnlineTrainer, type EvalProtocol } from './train/online-trainer.js';
export { createLearner, costReport, type Learner, type CostReport } from './runs/learner.js';
export { resolveUnit, type UnitSource } from './units/load.js';
export { UsageError } from './errors.js';
