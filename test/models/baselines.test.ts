import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from '../../src/data/rng.js';
import { createPersistence, createZero } from '../../src/models/baselines.js';
import { shiftedMse } from '../../src/train/loss.js';
import { BACKENDS, randn } from './check.js';

const B = 3, T = 9, F = 4;

for (const be of BACKENDS) {
  const rng = Xoshiro128.fromSeed(5, 'baselines');
  const seg = randn(B * (T + 1) * F, rng, 1, be); // (B, T+1, F)
  const x = be.alloc(B * T * F); // frames 0..T−1 of each segment
  for (let b = 0; b < B; b++) x.set(seg.subarray(b * (T + 1) * F, b * (T + 1) * F + T * F), b * T * F);

  test(`zero predicts 0 everywhere, so its loss is the targets' mean square, and it has no parameters (${be.name})`, () => {
    const model = createZero({ features: F });
    assert.equal(model.layout.size, 0);
    const out = be.alloc(B * T * F).fill(7);
    model.forward(out, model.createCache(B, T), x, be.alloc(0), B, T);
    assert.ok(out.every((v) => v === 0));
    for (const horizon of [1, 2, 3]) {
      let sum = 0;
      for (let b = 0; b < B; b++) {
        for (let t = horizon; t <= T; t++) for (let f = 0; f < F; f++) sum += seg[(b * (T + 1) + t) * F + f] ** 2;
      }
      const expected = sum / (B * (T + 1 - horizon) * F);
      assert.ok(Math.abs(shiftedMse(out, seg, B, T, F, horizon) - expected) < 1e-12 * expected, `horizon ${horizon}`);
    }
  });

  test(`persistence repeats the current frame, so its loss is the mean square change over the horizon (${be.name})`, () => {
    const model = createPersistence({ features: F });
    assert.equal(model.layout.size, 0);
    const out = be.alloc(B * T * F);
    model.forward(out, model.createCache(B, T), x, be.alloc(0), B, T);
    assert.deepEqual(out, x);
    for (const horizon of [1, 2]) {
      let sum = 0;
      for (let b = 0; b < B; b++) {
        for (let t = 0; t + horizon <= T; t++) {
          for (let f = 0; f < F; f++) sum += (seg[(b * (T + 1) + t + horizon) * F + f] - seg[(b * (T + 1) + t) * F + f]) ** 2;
        }
      }
      const expected = sum / (B * (T + 1 - horizon) * F);
      assert.ok(Math.abs(shiftedMse(out, seg, B, T, F, horizon) - expected) < 1e-9 * expected, `horizon ${horizon}`);
    }
  });

  test(`the baselines refuse batches that do not fit their cache (${be.name})`, () => {
    for (const model of [createZero({ features: F }), createPersistence({ features: F })]) {
      const out = be.alloc(B * T * F);
      assert.throws(() => model.forward(out, model.createCache(B - 1, T), x, be.alloc(0), B, T), /does not fit/);
      assert.throws(() => model.backward(be.alloc(0), out, model.createCache(B, T - 1), be.alloc(0), B, T), /does not fit/);
    }
    assert.throws(() => createZero({ features: 0 }), /features/);
  });
}
