import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGru } from '../../src/models/gru.js';
import { BACKENDS } from './check.js';
import { modelTests } from './suite.js';

modelTests({
  label: 'GRU',
  fixture: 'gru',
  create: (dims, be) => createGru(dims, be),
  fixtureHidden: (p) => p['rnn.weight_hh_l0'].shape[1],
  paramScale: 2, // saturating units well into their curved range
  initBound: () => 1 / Math.sqrt(128),
});

for (const be of BACKENDS) {
  test(`the GRU has PyTorch’s parameter names and shapes (${be.name})`, () => {
    const model = createGru({ features: 5, hidden: 7 }, be);
    assert.deepEqual(
      model.layout.entries.map((e) => [e.name, e.shape]),
      [
        ['rnn.weight_ih_l0', [21, 5]],
        ['rnn.weight_hh_l0', [21, 7]],
        ['rnn.bias_ih_l0', [21]],
        ['rnn.bias_hh_l0', [21]],
        ['fc.weight', [5, 7]],
        ['fc.bias', [5]],
      ],
    );
  });
  test(`the GRU refuses a batch that does not fit its cache, and backward without a matching forward (${be.name})`, () => {
    const model = createGru({ features: 2, hidden: 3 }, be);
    const cache = model.createCache(2, 4);
    const params = be.alloc(model.layout.size);
    const x = be.alloc(3 * 4 * 2);
    const out = be.alloc(3 * 4 * 2);
    const grads = be.alloc(model.layout.size);
    assert.throws(() => model.backward(grads, out, cache, params, 2, 4), /needs a forward/);
    assert.throws(() => model.forward(out, cache, x, params, 3, 4), /does not fit/);
    assert.throws(() => model.forward(out, cache, x, params, 2, 5), /does not fit/);
    assert.throws(() => model.forward(out.subarray(0, 5), cache, x, params, 2, 4), /need 16 values/);
    model.forward(out, cache, x, params, 2, 3);
    assert.throws(() => model.backward(grads, out, cache, params, 2, 4), /needs a forward/);
    assert.throws(() => createGru({ features: 0, hidden: 3 }, be), /features/);
  });
}
