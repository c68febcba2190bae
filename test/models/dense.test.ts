import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from '../../src/data/rng.js';
import { getBackend, wasmSupport } from '../../src/kernels/index.js';
import { linearBackward, linearForward } from '../../src/models/dense.js';
import { assertClose, BACKENDS, randn } from './check.js';

/** y = x Wᵀ + b and its gradients, in float64 by the textbook formulas. */
function reference(x: Float32Array, W: Float32Array, b: Float32Array, dy: Float32Array, N: number, IN: number, OUT: number) {
  const y = new Float64Array(N * OUT);
  const dx = new Float64Array(N * IN);
  const dW = new Float64Array(OUT * IN);
  const db = new Float64Array(OUT);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OUT; o++) {
      let s = b[o];
      for (let i = 0; i < IN; i++) s += x[n * IN + i] * W[o * IN + i];
      y[n * OUT + o] = s;
      db[o] += dy[n * OUT + o];
      for (let i = 0; i < IN; i++) {
        dW[o * IN + i] += dy[n * OUT + o] * x[n * IN + i];
        dx[n * IN + i] += dy[n * OUT + o] * W[o * IN + i];
      }
    }
  }
  return { y, dx, dW, db };
}

const TOL = { rtol: 1e-5, atol: 1e-6 };

for (const be of BACKENDS) {
  test(`the Linear layer computes y = x·Wᵀ + b, dW += dyᵀ·x, db += Σ dy and dx = dy·W at awkward sizes (${be.name})`, () => {
    const rng = Xoshiro128.fromSeed(1, 'linear');
    for (const [N, IN, OUT] of [[1, 1, 1], [7, 12, 5], [13, 3, 17], [40, 24, 12]]) {
      const x = randn(N * IN, rng, 1, be);
      const W = randn(OUT * IN, rng, 1, be);
      const b = randn(OUT, rng, 1, be);
      const dy = randn(N * OUT, rng, 1, be);
      const want = reference(x, W, b, dy, N, IN, OUT);
      const y = be.alloc(N * OUT);
      linearForward(be, y, x, W, b, N, IN, OUT);
      assertClose(`y (${N}, ${OUT})`, y, want.y, TOL);
      const dx = be.alloc(N * IN);
      dx.fill(NaN); // overwritten, never read
      const dW = be.alloc(OUT * IN);
      const db = be.alloc(OUT);
      dW.fill(1); // accumulated into
      db.fill(1);
      linearBackward(be, dx, dW, db, dy, x, W, N, IN, OUT);
      assertClose('dx', dx, want.dx, TOL);
      assertClose('dW', dW, want.dW.map((v) => v + 1), TOL);
      assertClose('db', db, want.db.map((v) => v + 1), TOL);
      linearBackward(be, null, dW, db, dy, x, W, N, IN, OUT); // no input gradient wanted: only adds again
      assertClose('dW after two passes', dW, want.dW.map((v) => 2 * v + 1), TOL);
    }
  });
}

test('both backends are tested here: the plain reference and the wasm SIMD kernels, which can run', () => {
  assert.deepEqual(BACKENDS.map((be) => be.name), ['plain', 'wasm-simd']);
  const support = wasmSupport();
  assert.ok(support.ok, `the wasm SIMD kernels cannot run here (${support.ok ? '' : support.reason}): the (wasm-simd) tests above test nothing`);
  assert.equal(BACKENDS[1], getBackend('wasm'));
  assert.ok(BACKENDS[1].alloc(4).buffer instanceof SharedArrayBuffer, 'wasm-simd buffers live in shared wasm memory');
});
