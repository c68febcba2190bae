/**
 * The tasks a unit can be set: what each reads, what it is, and the settings it changes from the
 * audio task's (the original's) defaults unless the user gives them. Pure data, so the settings
 * table can read it; the loaders are in load.ts.
 */

export const TASK_NAMES = ['audio', 'series'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

export interface TaskInfo {
  /** One line for `audiopred tasks` and --help. */
  readonly about: string;
  /** What the positional argument is. */
  readonly input: string;
  /** Settings (by TrainConfig key) this task defaults differently, with why. */
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly why?: string;
}

export const TASKS: { readonly [K in TaskName]: TaskInfo } = {
  audio: {
    about: "the original: MFCC frames of a recording (torchaudio's, 12 coefficients), standardised per frame",
    input: 'an audio file: FLAC, WAV, OGG/Vorbis or MP3 (default: the bundled speech)',
    defaults: {},
  },
  series: {
    about: 'any time series: a (frames, features) float array from a .npy or .csv file, cut into segments like the audio',
    input: 'a .npy file of shape (frames, features) or (frames,), float32 or float64, or a .csv with a row per frame',
    defaults: { normalize: 'coefficient', horizon: 1 },
    why: 'a series has no spectral frames to standardise one by one (one feature would become all zeros), and its natural target is the next frame',
  },
};

export const isTaskName = (name: string): name is TaskName => (TASK_NAMES as readonly string[]).includes(name);
