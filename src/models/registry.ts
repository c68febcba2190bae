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
import { createTransformer } from './transformer.js';
import type { PredictorUnit, UnitContext, UnitFactory } from './unit.js';

export const modelNames = ['rnn', 'mlp', 'gru', 'lstm', 'transformer', 'linear', 'esn', 'esn-rls', 'eprop', 'zero', 'persistence'] as const;
export type ModelName = (typeof modelNames)[number];

/** The transformer's fixed shape: 2 pre-norm layers of 4 heads; its width is --hidden. */
const TRANSFORMER_LAYERS = 2;
export const TRANSFORMER_HEADS = 4;

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

/** What each built-in is, for `audiopred units`, and the options it reads (`--opt key=value`). */
export const BUILTIN_INFO: { readonly [N in ModelName]: { kind: 'backprop' | 'online'; about: string; options?: Record<string, OptionSpec> } } = {
  rnn: { kind: 'backprop', about: "the reference: PyTorch's nn.RNN (tanh) + Linear read-out, --hidden units" },
  mlp: { kind: 'backprop', about: "the original's alternative: a per-frame residual GELU MLP, normalised" },
  gru: { kind: 'backprop', about: "PyTorch's nn.GRU + Linear read-out" },
  lstm: { kind: 'backprop', about: "PyTorch's nn.LSTM + Linear read-out" },
  transformer: { kind: 'backprop', about: 'causal pre-norm decoder: 2 layers of 4 heads, width --hidden, learned positions' },
  linear: { kind: 'online', about: 'ridge-regression autoregression on the last frames (closed form, one pass)', options: LINEAR_OPTIONS },
  esn: { kind: 'online', about: 'echo-state network, --hidden reservoir units, ridge readout (closed form, one pass)', options: ESN_OPTIONS },
  'esn-rls': { kind: 'online', about: 'the same reservoir, readout learned online by recursive least squares (FORCE)', options: ESN_RLS_OPTIONS },
  eprop: { kind: 'online', about: 'leaky tanh RNN learning online by e-prop (eligibility traces, no BPTT), Adam at --lr', options: EPROP_OPTIONS },
  zero: { kind: 'backprop', about: 'the floor: predicts 0, the mean of standardised frames' },
  persistence: { kind: 'backprop', about: 'the floor to beat: repeats the current frame' },
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
