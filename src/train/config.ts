import { NORMALIZATIONS, type Normalization } from '../audio/standardize.js';
import { UsageError } from '../errors.js';
import { isModelName, modelNames, TRANSFORMER_HEADS } from '../models/registry.js';
import { isUnitPath } from '../units/load.js';


/** Everything a training run depends on. Defaults are the original script's. */
export interface TrainConfig {
  /** Passes over the training segments. */
  epochs: number;
  /** AdamW learning rate. */
  lr: number;
  /** AdamW decoupled weight decay (PyTorch's default). */
  weightDecay: number;
  /** Hidden units of the recurrent models. */
  hidden: number;
  /** Segments per training batch (the last batch of an epoch may be shorter). */
  batch: number;
  /** Frames per segment; each gives segment − 1 input steps. */
  segment: number;
  /** Seed of every random stream: initialisation, split, batch order. */
  seed: number;
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

export const BACKEND_CHOICES = ['auto', 'wasm', 'plain'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export const DEFAULT_CONFIG: Readonly<TrainConfig> = Object.freeze({
  epochs: 1000,
  lr: 1e-3,
  weightDecay: 0.01,
  hidden: 128,
  batch: 16,
  segment: 500,
  seed: 12345,
  model: 'rnn',
  options: {},
  horizon: 2,
  normalize: 'frame',
  threads: 0,
  backend: 'auto',
});

/** How each key reads from a string and what values it accepts. */
type Rule = { flag: string; parse: (raw: unknown) => unknown };

const positiveInt = (flag: string, min = 1): Rule => ({
  flag,
  parse: (raw) => {
    const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
    if (!Number.isSafeInteger(n) || n < min || String(raw).trim() === '') {
      throw new UsageError(`${flag} must be an integer ≥ ${min}, got '${raw}'`);
    }
    return n;
  },
});

const positiveNumber = (flag: string, allowZero = false): Rule => ({
  flag,
  parse: (raw) => {
    const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
    if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0) || String(raw).trim() === '') {
      throw new UsageError(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got '${raw}'`);
    }
    return n;
  },
});

const oneOf = <T extends string>(flag: string, choices: readonly T[]): Rule => ({
  flag,
  parse: (raw) => {
    if (!choices.includes(raw as T)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got '${raw}'`);
    return raw;
  },
});

const RULES: { [K in keyof TrainConfig]: Rule } = {
  epochs: positiveInt('--epochs'),
  lr: positiveNumber('--lr'),
  weightDecay: positiveNumber('--weight-decay', true),
  hidden: positiveInt('--hidden'),
  batch: positiveInt('--batch'),
  segment: positiveInt('--segment', 2),
  seed: positiveInt('--seed', 0),
  model: {
    flag: '--model',
    parse: (raw) => {
      const spec = String(raw);
      if (!isModelName(spec) && !isUnitPath(spec)) {
        throw new UsageError(`--model must be one of ${modelNames.join(', ')} or a unit module such as ./my-unit.ts, got '${spec}'`);
      }
      return spec;
    },
  },
  options: {
    flag: '--opt',
    parse: (raw) => parseUnitOptions(raw),
  },
  horizon: positiveInt('--horizon'),
  normalize: oneOf('--normalize', NORMALIZATIONS),
  threads: positiveInt('--threads', 0),
  backend: oneOf('--backend', BACKEND_CHOICES),
};

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

/**
 * Defaults overridden by `overrides` (strings from the command line or typed
 * values from the library API), every value checked. Unknown keys and bad
 * values are UsageErrors that name the flag.
 */
export function resolveConfig(overrides: Record<string, unknown> = {}): TrainConfig {
  const config: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const [key, raw] of Object.entries(overrides)) {
    if (raw === undefined) continue;
    const rule = (RULES as Record<string, Rule | undefined>)[key];
    if (!rule) throw new UsageError(`unknown setting '${key}'; known: ${Object.keys(RULES).join(', ')}`);
    config[key] = rule.parse(raw);
  }
  const resolved = config as unknown as TrainConfig;
  if (resolved.horizon > resolved.segment - 1) {
    throw new UsageError(
      `--horizon ${resolved.horizon} leaves nothing to score in a ${resolved.segment}-frame segment; use --horizon ≤ ${resolved.segment - 1}`,
    );
  }
  if (resolved.model === 'transformer' && resolved.hidden % TRANSFORMER_HEADS !== 0) {
    throw new UsageError(
      `--hidden ${resolved.hidden} is the transformer's width, split over ${TRANSFORMER_HEADS} heads: use a multiple of ${TRANSFORMER_HEADS}`,
    );
  }
  if (resolved.backend === 'plain' && resolved.threads > 1) {
    throw new UsageError('--threads > 1 needs the wasm backend (threads share its memory); drop --backend plain or use --threads 1');
  }
  return resolved;
}
