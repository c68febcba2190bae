import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMlp } from '../../src/models/mlp.js';
import { BACKENDS, copyTo } from './check.js';
import { modelTests } from './suite.js';

modelTests({
  label: 'MLP',
  fixture: 'mlp',
  create: (dims, be) => createMlp({ features: dims.features }, be),
  fixtureHidden: () => 0, // the MLP has no hidden state
  initBound: (name) => 1 / Math.sqrt(name.startsWith('encode.fn.net.0') ? 12 : 24),
});

for (const be of BACKENDS) {
  test(`MLP output rows have norm √F, and a zero row stays zero with a finite gradient (${be.name})`, () => {
    const F = 4, B = 1, T = 2;
    const model = createMlp({ features: F }, be);
    const params = be.alloc(model.layout.size); // all zero: y = x
    const x = copyTo(be, [3, 0, 4, 0, 0, 0, 0, 0]); // a row of norm 5 and a zero row
    const out = be.alloc(B * T * F);
    const cache = model.createCache(B, T);
    model.forward(out, cache, x, params, B, T);
    assert.deepEqual(Array.from(out), [(3 / 5) * 2, 0, (4 / 5) * 2, 0, 0, 0, 0, 0].map(Math.fround));
    const grads = be.alloc(model.layout.size);
    model.backward(grads, copyTo(be, [1, 1, 1, 1, 0, 0, 0, 0]), cache, params, B, T);
    assert.ok(grads.every(Number.isFinite));
  });
}
