/**
 * Every setting of a training run, in one table: its key, flag, help, default,
 * parser, JSON name and whether a resumed run may change it. The command-line
 * flags, their --help, config resolution, the config.json record and the
 * equivalent command line of a run are all generated from SETTINGS, so adding a
 * setting is one entry here (a missing entry is a compile error).
 */
import { NORMALIZATIONS, type Normalization } from '../audio/standardize.js';
import { DEFAULT_SPLIT, type SplitFractions } from '../data/dataset.js';
import { UsageError } from '../errors.js';
import { fileExtension } from '../format.js';
import { BUILTIN_INFO, isModelName, modelNames } from '../models/registry.js';
import { TASK_NAMES, TASKS, type TaskName } from '../tasks/registry.js';

export const BACKEND_CHOICES = ['auto', 'wasm', 'plain'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** How online units are scored on validation and test segments: learning off, or predict, score, then learn. */
export const EVAL_PROTOCOLS = ['frozen', 'prequential'] as const;
export type EvalProtocol = (typeof EVAL_PROTOCOLS)[number];

/** Everything a training run depends on. Defaults are the original script's. */
export interface TrainConfig {
  /** What the unit predicts: MFCC frames of audio (the original), or any series from a file (src/tasks). */
  task: TaskName;
  /** Passes over the training segments. */
  epochs: number;
  /** AdamW learning rate (online units read it as their own). */
  lr: number;
  /** AdamW decoupled weight decay (PyTorch's default). */
  weightDecay: number;
  /** Hidden units of the recurrent models, reservoir size, transformer width. */
  hidden: number;
  /** Segments per training batch (the last batch of an epoch may be shorter). */
  batch: number;
  /** Frames per segment; each gives segment − 1 input steps. */
  segment: number;
  /** Seed of every random stream: initialisation, split (unless splitSeed is set), batch order. */
  seed: number;
  /** Fractions of the segments for training, validation and test; the original's 0.75/0.25/0 holds out no test segments. */
  split: SplitFractions;
  /** Seed of the split alone; null = seed. A study sets it to keep the same segments across seeds. */
  splitSeed: number | null;
  /** Online units on validation and test segments: learning off (frozen) or predict, score, then learn (prequential). */
  eval: EvalProtocol;
  /** Which unit to train: a built-in name (see modelNames) or the path of a unit module. */
  model: string;
  /** Unit-specific settings (`--opt key=value`), read and checked by the unit. */
  options: Record<string, string>;
  /** Output at step t is scored against frame t + horizon; 2 is the original's alignment, 1 true next-frame prediction. */
  horizon: number;
  /** Standardise each frame across its coefficients (original), each coefficient over time, or not at all. */
  normalize: Normalization;
  /** Threads that share each batch; 0 = one per core. Same seed and threads → bit-identical results. */
  threads: number;
  /** Kernels: wasm SIMD where the engine supports it (auto), or the plain TypeScript reference. */
  backend: BackendChoice;
}

export type SettingKey = keyof TrainConfig;

export interface Setting<K extends SettingKey> {
  /** The flag, e.g. '--weight-decay'. */
  readonly flag: string;
  /** The value's placeholder in --help: '<n>', '<x>', '<mode>'. */
  readonly value: string;
  readonly help: string;
  readonly default: TrainConfig[K];
  /** A string from the command line or a typed value from the library API → a checked value (or a UsageError naming the flag). */
  readonly parse: (raw: unknown) => TrainConfig[K];
  /** Its key in config.json and every JSON the tool writes. */
  readonly json: string;
  /** Whether `train --resume` may change it; the others continue as the run began. */
  readonly resumable: boolean;
  /**
   * 'run': one value for a whole run (train) or study (compare); 'per-run': compare varies it
   * itself (seed, model, threads), so only `train` has the flag.
   */
  readonly scope: 'run' | 'per-run';
  readonly choices?: readonly string[];
  /** Spellings of the original script, accepted and hidden from --help. */
  readonly aliases?: readonly string[];
  /** Repeatable flag (each use adds a value). */
  readonly repeatable?: boolean;
  /** The value as the command line spells it, if String(value) does not. */
  readonly format?: (value: TrainConfig[K]) => string;
}

const number = (raw: unknown): number => (typeof raw === 'number' ? raw : String(raw).trim() === '' ? NaN : Number(String(raw).trim()));

const integer = (flag: string, min: number) => (raw: unknown): number => {
  const n = number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got '${raw}'`);
  return n;
};

const positive = (flag: string, allowZero = false) => (raw: unknown): number => {
  const n = number(raw);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new UsageError(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got '${raw}'`);
  }
  return n;
};

const oneOf = <T extends string>(flag: string, choices: readonly T[]) => (raw: unknown): T => {
  if (!choices.includes(raw as T)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got '${raw}'`);
  return raw as T;
};

/** The files a unit module may be. */
export const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** A --model value that names a file rather than a built-in unit. */
export function isUnitPath(spec: string): boolean {
  return /[\\/]/.test(spec) || MODULE_EXTENSIONS.includes(fileExtension(spec));
}

function parseModel(raw: unknown): string {
  const spec = String(raw);
  if (!isModelName(spec) && !isUnitPath(spec)) {
    throw new UsageError(`--model must be one of ${modelNames.join(', ')} or a unit module such as ./my-unit.ts, got '${spec}'`);
  }
  return spec;
}

/** `--opt` values: 'key=value' strings (or a ready object from the library API) → { key: value }. */
function parseUnitOptions(raw: unknown): Record<string, string> {
  const options: Record<string, string> = {};
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) options[k] = String(v);
    return options;
  }
  const items = Array.isArray(raw) ? raw : [raw];
  for (const item of items) {
    const m = /^([A-Za-z_][\w.-]*)=(.*)$/.exec(String(item).trim());
    if (!m || m[2] === '') throw new UsageError(`--opt takes key=value (e.g. --opt leak=0.3), got '${item}'`);
    options[m[1]] = m[2];
  }
  return options;
}

const SPLIT_EXAMPLE = 'e.g. --split 0.6,0.2,0.2 (train,val,test), or --split 0.75,0.25 for no test split';

/** '0.6,0.2,0.2', '0.75,0.25' (no test split) or an array of two or three numbers → checked fractions. */
function parseSplit(raw: unknown): SplitFractions {
  const shown = Array.isArray(raw) ? raw.join(',') : String(raw);
  const refuse = (why: string) => new UsageError(`--split ${why}, got '${shown}'; ${SPLIT_EXAMPLE}`);
  const values = (Array.isArray(raw) ? raw : String(raw).split(',')).map(number);
  if (values.length !== 2 && values.length !== 3) throw refuse('takes two or three fractions separated by commas');
  if (values.some((v) => !Number.isFinite(v) || v < 0)) throw refuse('fractions must be numbers ≥ 0');
  const [train, val, test = 0] = values;
  if (train === 0 || val === 0) throw refuse('needs a training and a validation fraction above 0');
  const sum = train + val + test;
  if (Math.abs(sum - 1) > 1e-9) throw refuse(`fractions must sum to 1, these sum to ${Number(sum.toPrecision(12))}`);
  return [train, val, test];
}

/** --split-seed: an integer ≥ 0, or null (from config.json or the library) for the run's --seed. */
function parseSplitSeed(raw: unknown): number | null {
  return raw === null ? null : integer('--split-seed', 0)(raw);
}

export const SETTINGS: { readonly [K in SettingKey]: Setting<K> } = {
  task: {
    flag: '--task', value: '<name>', json: 'task', scope: 'run', resumable: false, default: 'audio',
    parse: oneOf('--task', TASK_NAMES), choices: TASK_NAMES,
    help: 'what to predict: MFCC frames of an audio file (audio), any time series in a .npy/.csv file (series), or NeuroBench\'s Mackey-Glass benchmark (mackey-glass); see audiopred tasks',
  },
  model: {
    flag: '--model', value: '<unit>', json: 'model', scope: 'per-run', resumable: false, default: 'rnn', parse: parseModel,
    help: `built-in unit (${modelNames.join(', ')}) or a unit module ./my-unit.ts`,
  },
  epochs: {
    flag: '--epochs', value: '<n>', json: 'epochs', scope: 'run', resumable: true, default: 1000, parse: integer('--epochs', 1),
    help: 'passes over the training segments',
  },
  lr: {
    flag: '--lr', value: '<x>', json: 'lr', scope: 'run', resumable: false, default: 1e-3, parse: positive('--lr'),
    help: 'learning rate (AdamW for backprop units)',
  },
  weightDecay: {
    flag: '--weight-decay', value: '<x>', json: 'weight_decay', scope: 'run', resumable: false, default: 0.01, parse: positive('--weight-decay', true),
    help: 'AdamW decoupled weight decay',
  },
  hidden: {
    flag: '--hidden', value: '<n>', json: 'hidden', scope: 'run', resumable: false, default: 128, parse: integer('--hidden', 1),
    help: 'hidden units (reservoir size, transformer width)', aliases: ['--hidden_size'],
  },
  batch: {
    flag: '--batch', value: '<n>', json: 'batch', scope: 'run', resumable: false, default: 16, parse: integer('--batch', 1),
    help: 'segments per batch', aliases: ['--batch_size'],
  },
  segment: {
    flag: '--segment', value: '<n>', json: 'segment', scope: 'run', resumable: false, default: 500, parse: integer('--segment', 2),
    help: 'frames per segment', aliases: ['--segment_length'],
  },
  seed: {
    flag: '--seed', value: '<n>', json: 'seed', scope: 'per-run', resumable: false, default: 12345, parse: integer('--seed', 0),
    help: 'seed of initialisation, split and batch order',
  },
  split: {
    flag: '--split', value: '<train,val,test>', json: 'split', scope: 'run', resumable: false, default: DEFAULT_SPLIT,
    parse: parseSplit, format: (fractions) => fractions.join(','),
    help: 'fractions of the segments for training, validation and test; test segments are drawn first (default: 0.75,0.25,0)',
  },
  splitSeed: {
    flag: '--split-seed', value: '<n>', json: 'split_seed', scope: 'run', resumable: false, default: null, parse: parseSplitSeed,
    help: "seed of the split alone, so runs with different seeds share their segments (default: the run's seed)",
  },
  eval: {
    flag: '--eval', value: '<protocol>', json: 'eval', scope: 'run', resumable: false, default: 'frozen',
    parse: oneOf('--eval', EVAL_PROTOCOLS), choices: EVAL_PROTOCOLS,
    help: 'how online units are scored on validation and test segments: learning off (frozen), or predict, score, then learn on every segment (prequential); backprop units are always frozen',
  },
  horizon: {
    flag: '--horizon', value: '<n>', json: 'horizon', scope: 'run', resumable: false, default: 2, parse: integer('--horizon', 1),
    help: 'score the output at step t against frame t+n (2 = the original, 1 = next frame)',
  },
  normalize: {
    flag: '--normalize', value: '<mode>', json: 'normalize', scope: 'run', resumable: false, default: 'frame',
    parse: oneOf('--normalize', NORMALIZATIONS), choices: NORMALIZATIONS,
    help: 'per-frame (original), per-coefficient or no standardisation',
  },
  options: {
    flag: '--opt', value: '<key=value>', json: 'options', scope: 'run', resumable: false, default: {}, parse: parseUnitOptions, repeatable: true,
    help: 'unit setting, repeatable; unit.key=value for one unit (see audiopred units, docs/units.md)',
  },
  threads: {
    flag: '--threads', value: '<n>', json: 'threads', scope: 'per-run', resumable: false, default: 0, parse: integer('--threads', 0),
    help: 'threads sharing each batch (0 = one per core)',
  },
  backend: {
    flag: '--backend', value: '<name>', json: 'backend', scope: 'run', resumable: false, default: 'auto',
    parse: oneOf('--backend', BACKEND_CHOICES), choices: BACKEND_CHOICES,
    help: 'kernels: wasm SIMD where supported, or the plain TypeScript reference',
  },
};

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** A setting's value as the command line spells it ('0.6,0.2,0.2' for a split). */
export function settingText(key: SettingKey, value: TrainConfig[SettingKey]): string {
  const s = SETTINGS[key] as Setting<SettingKey>;
  return s.format ? s.format(value) : String(value);
}

function setting(key: string): Setting<SettingKey> | undefined {
  return Object.hasOwn(SETTINGS, key) ? (SETTINGS[key as SettingKey] as Setting<SettingKey>) : undefined;
}

export const DEFAULT_CONFIG: Readonly<TrainConfig> = Object.freeze(
  Object.fromEntries(SETTING_KEYS.map((k) => [k, SETTINGS[k].default])) as unknown as TrainConfig,
);

/**
 * Defaults overridden by `overrides` (strings from the command line or typed
 * values from the library API), every value checked. Unknown keys and bad
 * values are UsageErrors that name the flag.
 */
export function resolveConfig(overrides: Partial<Record<SettingKey, unknown>> = {}): TrainConfig {
  const config: Record<string, unknown> = { ...DEFAULT_CONFIG };
  // A task's own defaults (e.g. series: next-frame, per-feature) stand where the user gave nothing.
  const task = overrides.task === undefined ? DEFAULT_CONFIG.task : SETTINGS.task.parse(overrides.task);
  for (const [key, value] of Object.entries(TASKS[task].defaults)) if (overrides[key as SettingKey] === undefined) config[key] = value;
  for (const key of TASKS[task].fixed ?? []) {
    const k = key as SettingKey;
    const raw = overrides[k];
    const fixed = TASKS[task].defaults[key] as TrainConfig[SettingKey];
    if (raw !== undefined && JSON.stringify(SETTINGS[k].parse(raw)) !== JSON.stringify(fixed)) {
      throw new UsageError(`--task ${task} fixes ${SETTINGS[k].flag} (${settingText(k, fixed)}): its protocol decides the data; drop ${SETTINGS[k].flag}`);
    }
  }
  for (const [key, raw] of Object.entries(overrides)) {
    if (raw === undefined) continue;
    const s = setting(key);
    if (!s) throw new UsageError(`unknown setting '${key}'; known: ${SETTING_KEYS.join(', ')}`);
    config[key] = s.parse(raw);
  }
  const resolved = config as unknown as TrainConfig;
  if (resolved.horizon > resolved.segment - 1) {
    throw new UsageError(
      `--horizon ${resolved.horizon} leaves nothing to score in a ${resolved.segment}-frame segment; use --horizon ≤ ${resolved.segment - 1}`,
    );
  }
  const heads = isModelName(resolved.model) ? BUILTIN_INFO[resolved.model].heads : undefined;
  if (heads !== undefined && resolved.hidden % heads !== 0) {
    throw new UsageError(`--hidden ${resolved.hidden} is the ${resolved.model}'s width, split over ${heads} heads: use a multiple of ${heads}`);
  }
  if (resolved.backend === 'plain' && resolved.threads > 1) {
    throw new UsageError('--threads > 1 needs the wasm backend (threads share its memory); drop --backend plain or use --threads 1');
  }
  return resolved;
}

/** The config as config.json and every other JSON record spell it (snake_case keys). */
export type ConfigJson = Record<string, unknown>;

export function configToJson(config: TrainConfig): ConfigJson {
  return Object.fromEntries(SETTING_KEYS.map((k) => [SETTINGS[k].json, config[k]]));
}

/**
 * A config read back from JSON, checked as if given anew; `where` names the file in errors.
 * A key it lacks takes its default, so run folders from before a setting existed still resume.
 */
export function configFromJson(json: unknown, where: string): TrainConfig {
  if (typeof json !== 'object' || json === null) throw new UsageError(`${where}: no config in it; the run folder is damaged`);
  const record = json as Record<string, unknown>;
  const overrides: Partial<Record<SettingKey, unknown>> = {};
  for (const k of SETTING_KEYS) {
    const name = SETTINGS[k].json;
    // Run folders written before the JSON keys became snake_case spell a few keys in camelCase.
    const value = name in record ? record[name] : record[k];
    if (value !== undefined) overrides[k] = value;
  }
  return resolveConfig(overrides);
}

/** The command-line arguments that give `config` (defaults left out), for the record and for reproducing a run. */
export function configToArgs(config: TrainConfig, keys: readonly SettingKey[] = SETTING_KEYS): string[] {
  const args: string[] = [];
  for (const k of keys) {
    const s = SETTINGS[k];
    const value = config[k];
    // What reading the arguments back would give when a flag is left out: the task's default, else the table's.
    const fallback = (TASKS[config.task].defaults[k] ?? s.default) as TrainConfig[SettingKey];
    if (k === 'options') {
      for (const [key, v] of Object.entries(value as Record<string, string>)) args.push(s.flag, `${key}=${v}`);
    } else if (settingText(k, value) !== settingText(k, fallback)) {
      args.push(s.flag, settingText(k, value));
    }
  }
  return args;
}
