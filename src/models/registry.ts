/**
 * The built-in models by name. The table is typed by the name list, so a name
 * without a factory (or a factory without a name) is a compile error.
 */
import type { SequenceModel } from './model.js';
import { createMlp } from './mlp.js';
import { createRnn } from './rnn.js';

export const modelNames = ['rnn', 'mlp'] as const;
export type ModelName = (typeof modelNames)[number];

/** Sizes a model may use: F features per frame and H hidden units (ignored by models without a hidden state). */
export interface ModelDims {
  features: number;
  hidden: number;
}

const factories: { readonly [N in ModelName]: (dims: ModelDims) => SequenceModel } = {
  rnn: (dims) => createRnn({ features: dims.features, hidden: dims.hidden }),
  mlp: (dims) => createMlp({ features: dims.features }),
};

export function createModel(name: ModelName, dims: ModelDims): SequenceModel {
  const factory = Object.hasOwn(factories, name) ? factories[name] : undefined;
  if (!factory) throw new RangeError(`unknown model '${name}'; known: ${modelNames.join(', ')}`);
  return factory(dims);
}
