/**
 * A task's input as frames: (frames, features), time-major, standardised as the run asks. Every
 * run, study and report reads its data through here, so units, train, compare, tune and report
 * work on every task unchanged (a unit only ever sees F features per frame).
 */
import { loadFeatures } from '../audio/features.js';
import { standardize, type Normalization } from '../audio/standardize.js';
import type { TaskName } from './registry.js';
import { readSeriesFile } from './series-file.js';

export interface TaskFrames {
  readonly data: Float32Array; // (frames, F), time-major
  readonly frames: number;
  readonly features: number; // F
  /** Audio: frames are hop (160) samples apart at this rate; null for a series, whose frames have no rate. */
  readonly sampleRate: number | null;
}

/** The frames of a task that cuts its input into segments (the audio and series tasks). */
export async function loadTaskFrames(task: Exclude<TaskName, 'mackey-glass'>, path: string, normalize: Normalization): Promise<TaskFrames> {
  switch (task) {
    case 'audio': {
      const f = await loadFeatures(path, normalize);
      return { data: f.data, frames: f.frames, features: f.coefficients, sampleRate: f.sampleRate };
    }
    case 'series': {
      const s = await readSeriesFile(path);
      return { data: standardize(s.data, s.frames, s.features, normalize), frames: s.frames, features: s.features, sampleRate: null };
    }
    default: {
      const unknown: never = task;
      throw new RangeError(`loadTaskFrames: unknown task ${String(unknown)}`);
    }
  }
}
