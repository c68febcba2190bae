/**
 * The floors every predictor must beat. Neither has parameters or learns:
 *
 *   zero         y_t = 0: predicts the mean of standardised features. Its loss is
 *                the targets' mean square (1 under per-frame standardisation).
 *   persistence  y_t = x_t: the current frame is the prediction of the frame
 *                `horizon` steps ahead. Speech changes slowly at 100 frames/s, so
 *                this is a strong floor; a unit that cannot beat it has learnt
 *                nothing about the signal's dynamics.
 *
 * They implement the same SequenceModel interface as the trained models, so
 * train and evaluate run them unchanged; with nothing to learn, training
 * stops after one epoch.
 */
import type { SequenceModel } from './model.js';
import { checkShapes } from './buffers.js';
import { layoutParams } from './params.js';

interface NoCache {
  readonly maxB: number;
  readonly maxT: number;
}

function baseline(name: string, F: number, predict: (out: Float32Array, x: Float32Array, n: number) => void): SequenceModel<NoCache> {
  if (!(Number.isInteger(F) && F >= 1)) throw new RangeError(`${name} needs integer features ≥ 1, got ${F}`);
  return {
    kind: 'backprop',
    name,
    layout: layoutParams([]),
    features: F,
    init: () => {},
    createCache: (maxB, maxT) => ({ maxB, maxT }),
    forward(out, cache, x, _params, B, T) {
      checkShapes(cache, B, T, F, x, out);
      predict(out, x, B * T * F);
    },
    backward(_dparams, dout, cache, _params, B, T) {
      checkShapes(cache, B, T, F, dout, dout); // no parameters: nothing to add
    },
    cost: () => ({ macsPerFrame: 0, effectiveMacsPerFrame: 0 }),
  };
}

export function createZero(config: { features: number }): SequenceModel<NoCache> {
  return baseline('zero', config.features, (out, _x, n) => out.fill(0, 0, n));
}

export function createPersistence(config: { features: number }): SequenceModel<NoCache> {
  return baseline('persistence', config.features, (out, x, n) => {
    for (let i = 0; i < n; i++) out[i] = x[i];
  });
}
