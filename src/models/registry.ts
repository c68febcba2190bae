/**
 * The built-in models by name. The table is typed by the name list, so a name
 * without a factory (or a factory without a name) is a compile error.
 */
import type { Backend } from '../kernels/backend.js';
import type { SequenceModel } from './model.js';
import { createPersistence, createZero } from './baselines.js';
import { createGru } from './gru.js';
import { createLstm } from './lstm.js';
import { createMlp } from './mlp.js';
import { createRnn } from './rnn.js';
import { createTransformer } from './transformer.js';

export const modelNames = ['rnn', 'mlp', 'gru', 'lstm', 'transformer', 'zero', 'persistence'] as const;
export type ModelName = (typeof modelNames)[number];

/** Sizes a model may use: F features per frame, H hidden units (ignored by models without a
 *  hidden state; the transformer's width) and the longest sequence it will see (T). */
export interface ModelDims {
  features: number;
  hidden: number;
  steps: number;
}

/** The transformer's fixed shape: 2 pre-norm layers of 4 heads; its width is --hidden. */
const TRANSFORMER_LAYERS = 2;
export const TRANSFORMER_HEADS = 4;

const factories: { readonly [N in ModelName]: (dims: ModelDims, be: Backend) => SequenceModel } = {
  rnn: (dims, be) => createRnn({ features: dims.features, hidden: dims.hidden }, be),
  mlp: (dims, be) => createMlp({ features: dims.features }, be),
  gru: (dims, be) => createGru({ features: dims.features, hidden: dims.hidden }, be),
  lstm: (dims, be) => createLstm({ features: dims.features, hidden: dims.hidden }, be),
  transformer: (dims, be) =>
    createTransformer(
      { features: dims.features, width: dims.hidden, heads: TRANSFORMER_HEADS, layers: TRANSFORMER_LAYERS, maxLen: dims.steps },
      be,
    ),
  zero: (dims) => createZero({ features: dims.features }),
  persistence: (dims) => createPersistence({ features: dims.features }),
};

/** A model whose buffers live in, and whose heavy loops run on, the kernel backend `be`. */
export function createModel(name: ModelName, dims: ModelDims, be: Backend): SequenceModel {
  const factory = Object.hasOwn(factories, name) ? factories[name] : undefined;
  if (!factory) throw new RangeError(`unknown model '${name}'; known: ${modelNames.join(', ')}`);
  return factory(dims, be);
}
