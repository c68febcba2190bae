import type { Segments, Split } from '../data/dataset.js';
import type { UnitSource } from '../units/load.js';
import type { TrainConfig } from '../config/settings.js';
import { loadTaskData, type TaskData } from '../tasks/data.js';
import { createLearner, type Learner } from './learner.js';

export interface PreparedRun {
  readonly audioPath: string;
  readonly segments: Segments;
  readonly split: Split;
  readonly trainer: Learner;
  /** For a task scored free-running (mackey-glass): its warm-up and targets. */
  readonly freeRun?: TaskData['freeRun'];
}

/** The task's input (an audio file, a series file) → segments → seeded split → a unit ready to train (close the trainer when done). */
export async function prepareRun(audioPath: string, config: TrainConfig, source?: UnitSource): Promise<PreparedRun> {
  const { segments, split, freeRun } = await loadTaskData(config, audioPath);
  const trainer = await createLearner(segments, split, config, source);
  return { audioPath, segments, split, trainer, ...(freeRun ? { freeRun } : {}) };
}
