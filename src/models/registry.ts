/**
 * The built-in units by name. The table is typed by the name list, so a name
 * without a factory (or a factory without a name) is a compile error.
 */
import { createLinearAr, LINEAR_OPTIONS } from './autoregressive.js';
import { createPersistence, createZero } from './baselines.js';
import { createEprop, EPROP_OPTIONS } from './eprop.js';
import { createEsn, createEsnRls, ESN_OPTIONS, ESN_RLS_OPTIONS } from './esn.js';
import type { OptionSpec } from './options.js';
import { createGru } from './gru.js';
import { createLstm } from './lstm.js';
import { createMlp } from './mlp.js';
import { createRnn } from './rnn.js';
import { BACKPROP_SPACE, NO_SPACE, type SearchSpace } from './search.js';
import { createTransformer } from './transformer.js';
import type { PredictorUnit, UnitContext, UnitFactory } from './unit.js';

export const modelNames = ['rnn', 'mlp', 'gru', 'lstm', 'transformer', 'linear', 'esn', 'esn-rls', 'eprop', 'zero', 'persistence'] as const;
export type ModelName = (typeof modelNames)[number];

/** The transformer's fixed shape: 2 pre-norm layers of 4 heads; its width is --hidden. */
const TRANSFORMER_LAYERS = 2;
const TRANSFORMER_HEADS = 4;

const factories: { readonly [N in ModelName]: UnitFactory } = {
  rnn: (c) => createRnn({ features: c.features, hidden: c.hidden }, c.backend),
  mlp: (c) => createMlp({ features: c.features }, c.backend),
  gru: (c) => createGru({ features: c.features, hidden: c.hidden }, c.backend),
  lstm: (c) => createLstm({ features: c.features, hidden: c.hidden }, c.backend),
  transformer: (c) =>
    createTransformer(
      { features: c.features, width: c.hidden, heads: TRANSFORMER_HEADS, layers: TRANSFORMER_LAYERS, maxLen: c.steps },
      c.backend,
    ),
  linear: createLinearAr,
  esn: createEsn,
  'esn-rls': createEsnRls,
  eprop: createEprop,
  zero: (c) => createZero({ features: c.features }),
  persistence: (c) => createPersistence({ features: c.features }),
};

/** What a built-in unit is, beside its factory. */
export interface BuiltinInfo {
  kind: 'backprop' | 'online';
  /** One line for `audiopred units`. */
  about: string;
  /** The options it reads (`--opt key=value`). */
  options?: Record<string, OptionSpec>;
  /** Attention heads that split --hidden (which must then be a multiple of it). */
  heads?: number;
  /** Rough cost of one epoch relative to the RNN's at the defaults, so a study starts its longest runs first. */
  epochCost: number;
  /** What `audiopred tune` varies (src/models/search.ts). */
  search: SearchSpace;
}

/** Reservoir options both echo-state units read; radius above 1 can still echo stably with leak < 1. */
const RESERVOIR_SEARCH = {
  radius: { uniform: [0.1, 1.2] },
  leak: { uniform: [0.05, 1] },
  input_scale: { log: [0.05, 2] },
} as const;

export const BUILTIN_INFO: { readonly [N in ModelName]: BuiltinInfo } = {
  rnn: { kind: 'backprop', epochCost: 1, search: BACKPROP_SPACE, about: "the reference: PyTorch's nn.RNN (tanh) + Linear read-out, --hidden units" },
  mlp: {
    kind: 'backprop', epochCost: 0.2, about: "the original's alternative: a per-frame residual GELU MLP, normalised",
    search: { lr: BACKPROP_SPACE.lr, weightDecay: BACKPROP_SPACE.weightDecay, batch: BACKPROP_SPACE.batch }, // it has no hidden size
  },
  gru: { kind: 'backprop', epochCost: 2.5, search: BACKPROP_SPACE, about: "PyTorch's nn.GRU + Linear read-out" },
  lstm: { kind: 'backprop', epochCost: 3, search: BACKPROP_SPACE, about: "PyTorch's nn.LSTM + Linear read-out" },
  transformer: {
    kind: 'backprop', epochCost: 15, heads: TRANSFORMER_HEADS,
    // Widths are multiples of its heads.
    search: { ...BACKPROP_SPACE, lr: { log: [1e-4, 1e-2] }, hidden: { choice: [32, 64, 128] } },
    about: `causal pre-norm decoder: ${TRANSFORMER_LAYERS} layers of ${TRANSFORMER_HEADS} heads, width --hidden, learned positions`,
  },
  linear: {
    kind: 'online', epochCost: 0.1, options: LINEAR_OPTIONS,
    about: 'ridge-regression autoregression on the last frames (closed form, one pass)',
    search: { options: { order: { choice: [1, 2, 4, 8, 16, 32] }, ridge: { log: [1e-6, 1] } } },
  },
  esn: {
    kind: 'online', epochCost: 0.2, options: ESN_OPTIONS,
    about: 'echo-state network, --hidden reservoir units, ridge readout (closed form, one pass)',
    search: { hidden: { choice: [64, 128, 256, 512] }, options: { ...RESERVOIR_SEARCH, ridge: { log: [1e-7, 1e-1] } } },
  },
  'esn-rls': {
    kind: 'online', epochCost: 5, options: ESN_RLS_OPTIONS,
    about: 'the same reservoir, readout learned online by recursive least squares (FORCE)',
    search: { hidden: { choice: [64, 128, 256] }, options: { ...RESERVOIR_SEARCH, delta: { log: [0.01, 100] } } },
  },
  eprop: {
    kind: 'online', epochCost: 1.3, options: EPROP_OPTIONS,
    about: 'leaky tanh RNN learning online by e-prop (eligibility traces, no BPTT), Adam at --lr',
    search: { lr: { log: [1e-4, 1e-2] }, hidden: { choice: [32, 64, 128, 256] }, options: { leak: { uniform: [0, 0.9] }, feedback: { choice: [0, 1] } } },
  },
  zero: { kind: 'backprop', epochCost: 0.1, search: NO_SPACE, about: 'the floor: predicts 0, the mean of standardised frames' },
  persistence: { kind: 'backprop', epochCost: 0.1, search: NO_SPACE, about: 'the floor to beat: repeats the current frame' },
};

export function isModelName(name: string): name is ModelName {
  return (modelNames as readonly string[]).includes(name);
}

/** The factory of built-in unit `name`. */
export function builtinFactory(name: ModelName): UnitFactory {
  const factory = Object.hasOwn(factories, name) ? factories[name] : undefined;
  if (!factory) throw new RangeError(`unknown model '${name}'; known: ${modelNames.join(', ')}`);
  return factory;
}

/** Built-in unit `name`, sized and seeded by `context`. */
export function createModel(name: ModelName, context: UnitContext): PredictorUnit {
  return builtinFactory(name)(context);
}
