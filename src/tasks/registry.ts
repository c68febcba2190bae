/**
 * The tasks a unit can be set: what each reads, what it is, and the settings it changes from the
 * audio task's (the original's) defaults unless the user gives them. Pure data, so the settings
 * table can read it; the loaders are in load.ts.
 */

export const TASK_NAMES = ['audio', 'series', 'mackey-glass'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

export interface TaskInfo {
  /** One line for `audiopred tasks` and --help. */
  readonly about: string;
  /** What the positional argument is. */
  readonly input: string;
  /** Settings (by TrainConfig key) this task defaults differently, with why. */
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly why?: string;
  /** Of those, the ones its protocol fixes: giving another value is an error. */
  readonly fixed?: readonly string[];
  /** Scored by a free-running test (the unit fed its own predictions) and sMAPE, besides the one-step test loss. */
  readonly freeRun?: boolean;
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
  'mackey-glass': {
    about:
      "NeuroBench's chaotic-series benchmark (τ 17): train one-step on 750 points, then predict the next 750 feeding on its own predictions, scored by sMAPE; --seed picks the repeat (seed mod 30, each half a Lyapunov time later)",
    input: 'the Mackey-Glass series (default: the bundled examples/series/mackey-glass-17.npy, made by audiopred; NeuroBench\'s mg_17.npy works too)',
    // split: one train, one validation and one test window (src/tasks/mackey-glass-data.ts); --split-seed has nothing to draw.
    defaults: { segment: 751, horizon: 1, normalize: 'none', split: [1 / 3, 1 / 3, 1 / 3], batch: 1, epochs: 200, lr: 0.005, weightDecay: 0.001 },
    fixed: ['segment', 'horizon', 'normalize', 'split'],
    freeRun: true,
    why: "NeuroBench's protocol: one 750-step training sequence, one-step targets, raw values (sMAPE is scored on them); its LSTM's 200 full-batch epochs at lr 0.005, weight decay 0.001",
  },
};

export const isTaskName = (name: string): name is TaskName => (TASK_NAMES as readonly string[]).includes(name);
