/**
 * The built-in units by name. The table is typed by the name list, so a name
 * without a factory (or a factory without a name) is a compile error.
 */
import { createLinearAr } from './autoregressive.js';
import { createPersistence, createZero } from './baselines.js';
import { createEprop } from './eprop.js';
import { createEsn, createEsnRls } from './esn.js';
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
