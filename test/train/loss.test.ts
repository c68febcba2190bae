import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from '../../src/data/rng.js';
import { layoutParams } from '../../src/models/params.js';
import { shiftedMse, shiftedMseBackward } from '../../src/train/loss.js';
import { assertClose, assertGradCheck, gradCheck, randn, readModelsFixture, segmentsOf } from '../models/check.js';

test('horizon 2 is PyTorch’s mse(output[:, :-1], target[:, 1:]) on every fixture case', (t) => {
  for (const c of readModelsFixture().cases) {
    const [B, T, F] = c.input_shape;
    const seg = segmentsOf(c);
    // The fixture's target is its input shifted by one frame, which segmentsOf relies on.
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < (T - 1) * F; i++) assert.equal(c.target[b * T * F + i], c.input[b * T * F + F + i]);
    }
    const loss = shiftedMse(Float32Array.from(c.output), seg, B, T, F, 2);
    // PyTorch sums in float32; this sum is float64: |a − e| ≤ 1e-6·|e|.
    const d = assertClose(`${c.model} loss`, [loss], [c.loss], { rtol: 1e-6, atol: 0 });
    t.diagnostic(`${c.model}: ${loss} vs ${c.loss} (relative ${d.maxRel.toExponential(2)})`);
  }
});

/** The definition, written out: out[b, t] against seg[b, t + horizon] for t + horizon ≤ T. */
function naiveLoss(out: Float32Array, seg: Float32Array, B: number, T: number, F: number, horizon: number): number {
  let sum = 0;
  let count = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t + horizon <= T; t++) {
      for (let f = 0; f < F; f++) {
        const e = out[(b * T + t) * F + f] - seg[(b * (T + 1) + t + horizon) * F + f];
        sum += e * e;
        count++;
      }
    }
  }
  return sum / count;
}

test('each horizon scores out[b, t] against seg[b, t + horizon] for every step that has one', () => {
  const rng = Xoshiro128.fromSeed(1, 'loss');
  const B = 3, T = 7, F = 4;
  const out = randn(B * T * F, rng);
  const seg = randn(B * (T + 1) * F, rng);
  for (const horizon of [1, 2, 3, T]) {
    assertClose(`horizon ${horizon}`, [shiftedMse(out, seg, B, T, F, horizon)], [naiveLoss(out, seg, B, T, F, horizon)], { rtol: 1e-14, atol: 0 });
  }
  // Horizon 1 with a perfect next-frame prediction is zero; the same output scored two ahead is not.
  const perfect = new Float32Array(B * T * F);
  for (let b = 0; b < B; b++) for (let i = 0; i < T * F; i++) perfect[b * T * F + i] = seg[(b * (T + 1) + 1) * F + i];
  assert.equal(shiftedMse(perfect, seg, B, T, F, 1), 0);
  assert.ok(shiftedMse(perfect, seg, B, T, F, 2) > 0);
});

test('the loss gradient agrees with finite differences at horizons 1, 2 and 3, and is zero where nothing is scored', () => {
  const rng = Xoshiro128.fromSeed(2, 'loss');
  const B = 2, T = 6, F = 3;
  const seg = randn(B * (T + 1) * F, rng);
  for (const horizon of [1, 2, 3]) {
    const out = randn(B * T * F, rng);
    const dout = new Float32Array(B * T * F).fill(NaN); // every entry must be written
    shiftedMseBackward(dout, out, seg, B, T, F, horizon);
    for (let b = 0; b < B; b++) {
      for (let t = T + 1 - horizon; t < T; t++) {
        for (let f = 0; f < F; f++) assert.equal(dout[(b * T + t) * F + f], 0, `horizon ${horizon}: dout[${b}, ${t}, ${f}]`);
      }
    }
    // The loss is quadratic and summed in float64, so central differences are exact
    // up to rounding: |numeric − analytic| ≤ 1e-9 + 1e-5·max(|numeric|, |analytic|).
    const results = gradCheck({
      layout: layoutParams([{ name: 'out', shape: [B, T, F] }]),
      values: out,
      analytic: dout,
      loss: () => shiftedMse(out, seg, B, T, F, horizon),
      eps: 1e-3,
      samples: B * T * F, // every entry
      rng,
      tol: { rtol: 1e-5, atol: 1e-9 },
    });
    assert.equal(results.length, B * T * F);
    assertGradCheck(`horizon ${horizon}`, results);
  }
});

test('a horizon outside [1, T] is refused', () => {
  const out = new Float32Array(2 * 3);
  const seg = new Float32Array(2 * 4);
  const dout = new Float32Array(2 * 3);
  for (const horizon of [0, 4, 1.5, -1, NaN]) {
    assert.throws(() => shiftedMse(out, seg, 1, 3, 2, horizon), /horizon must be an integer in \[1, 3\]/);
    assert.throws(() => shiftedMseBackward(dout, out, seg, 1, 3, 2, horizon), /horizon/);
  }
  assert.equal(shiftedMse(out, seg, 1, 3, 2, 3), 0); // horizon T scores the first step against the last frame
});
