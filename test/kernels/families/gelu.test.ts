import { test } from 'node:test';
import assert from 'node:assert/strict';
import { erf, gelu, geluGrad } from '../../../src/kernels/families/gelu.js';

// erf(x) to 40 digits (mpmath), rounded to float64, on both sides of every branch point of fdlibm's algorithm.
const ERF: [number, number][] = [
  [1e-30, 1.1283791670955127e-30],
  [1e-9, 1.1283791670955127e-9],
  [0.01, 0.011283415555849618],
  [0.3, 0.3286267594591274],
  [0.5, 0.5204998778130465],
  [0.84, 0.7651427114549945],
  [0.84375, 0.7672256612323416],
  [0.9, 0.7969082124228322],
  [1.0, 0.8427007929497149],
  [1.2, 0.9103139782296353],
  [1.25, 0.9229001282564583],
  [1.5, 0.9661051464753108],
  [2.0, 0.9953222650189527],
  [2.5, 0.999593047982555],
  [2.857142857142857, 0.9999466876886117],
  [3.0, 0.9999779095030014],
  [4.0, 0.9999999845827421],
  [5.0, 0.9999999999984626],
  [5.9, 0.9999999999999999],
  [6.5, 1.0],
];

test('erf is correct to float64 precision on both sides of every branch, and odd', () => {
  for (const [x, want] of ERF) {
    for (const s of [1, -1]) {
      const got = erf(s * x);
      // Within one unit in the last place (2.3e-16 relative).
      assert.ok(Math.abs(got - s * want) <= 2.3e-16 * Math.abs(want), `erf(${s * x}) = ${got}, want ${s * want}`);
    }
  }
  assert.equal(erf(0), 0);
  assert.ok(Object.is(erf(-0), -0));
  assert.equal(erf(Infinity), 1);
  assert.equal(erf(-Infinity), -1);
  assert.ok(Number.isNaN(erf(NaN)));
});

test('GELU is x·Φ(x) and its derivative agrees with finite differences', () => {
  assert.equal(gelu(0), 0);
  assert.ok(Math.abs(gelu(1) - 0.8413447460685429) < 1e-15); // Φ(1)
  assert.ok(Math.abs(gelu(-1) + 0.15865525393145705) < 1e-15); // −Φ(−1)
  for (let x = -6; x <= 6; x += 0.37) {
    const h = 1e-5;
    const numeric = (gelu(x + h) - gelu(x - h)) / (2 * h);
    assert.ok(Math.abs(numeric - geluGrad(x)) < 1e-9, `GELU'(${x}): ${geluGrad(x)} vs ${numeric}`);
  }
});
