import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitSegments, type Segments } from '../../src/data/dataset.js';
import { Xoshiro128 } from '../../src/data/rng.js';
import { wasmSupport } from '../../src/kernels/index.js';
import { resolveConfig, type TrainConfig } from '../../src/config/settings.js';
import { shardRows } from '../../src/train/shard.js';
import { createLearner } from '../../src/runs/learner.js';
import { assertClose } from '../models/check.js';

/** 14 segments of 40 frames of a noisy, slowly turning 12-dimensional signal. */
function syntheticSegments(): Segments {
  const N = 14, L = 40, F = 12;
  const rng = Xoshiro128.fromSeed(9, 'data');
  const data = new Float32Array(N * L * F);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < L; t++) {
      for (let f = 0; f < F; f++) data[(n * L + t) * F + f] = Math.sin(0.3 * t + f + n) + 0.1 * rng.normal();
    }
  }
  return { data, count: N, length: L, features: F };
}

/** Per-epoch train and validation losses of a short run. */
async function losses(overrides: Record<string, unknown>, epochs = 4): Promise<number[]> {
  const config: TrainConfig = resolveConfig({ hidden: 16, batch: 5, segment: 40, seed: 3, ...overrides });
  const segments = syntheticSegments();
  const split = splitSegments(segments.count, Xoshiro128.fromSeed(config.seed, 'split'), 'synthetic');
  const trainer = await createLearner(segments, split, config);
  try {
    const out: number[] = [];
    for (let e = 0; e < epochs; e++) {
      const r = trainer.step();
      out.push(r.trainLoss, r.valLoss);
    }
    return out;
  } finally {
    await trainer.close();
  }
}

const hasWasm = wasmSupport().ok;

test('a batch is split into parts that cover every row once, in order', () => {
  for (const n of [1, 2, 3, 4]) {
    for (const B of [1, 2, 5, 16]) {
      const parts = Array.from({ length: n }, (_, k) => shardRows(k, n, B));
      assert.equal(parts[0][0], 0);
      assert.equal(parts[n - 1][1], B);
      for (let k = 1; k < n; k++) assert.equal(parts[k][0], parts[k - 1][1]);
    }
  }
});

test('the same seed and thread count give bit-identical losses', async () => {
  for (const model of ['rnn', 'mlp']) {
    assert.deepEqual(await losses({ model, threads: 2 }), await losses({ model, threads: 2 }), model);
  }
});

test('the wasm and plain kernels train the same, step by step, within float32 tolerance', { skip: !hasWasm && 'no wasm SIMD here' }, async () => {
  for (const model of ['rnn', 'mlp']) {
    const plain = await losses({ model, backend: 'plain', threads: 1 });
    const wasm = await losses({ model, backend: 'wasm', threads: 1 });
    // Different float32 summation orders, compounded over 4 epochs of AdamW steps.
    assertClose(`${model} losses, wasm vs plain`, wasm, plain, { rtol: 1e-4, atol: 1e-6 });
    assert.notDeepEqual(wasm, plain.map((x) => x * 1.001)); // the comparison has teeth
  }
});

test('one, two and three threads give the same losses within float32 tolerance', { skip: !hasWasm && 'no wasm SIMD here' }, async () => {
  const one = await losses({ model: 'rnn', threads: 1 });
  for (const threads of [2, 3]) {
    assertClose(`rnn losses, ${threads} threads vs 1`, await losses({ model: 'rnn', threads }), one, { rtol: 1e-5, atol: 1e-7 });
  }
});

test('training lowers the loss', async () => {
  const l = await losses({ model: 'rnn', lr: 0.01 }, 6);
  assert.ok(l[10] < 0.7 * l[0], `train loss ${l[0]} → ${l[10]}`);
});

test('asking for the wasm kernels where they cannot run, or for threads without them, is a clear error', () => {
  assert.throws(() => resolveConfig({ backend: 'plain', threads: 2 }), /--threads > 1 needs the wasm backend/);
  assert.throws(() => resolveConfig({ backend: 'gpu' }), /--backend must be one of auto, wasm, plain/);
});
