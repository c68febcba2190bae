// The transformer's kernels: wasm against the plain reference at awkward sizes (tails of the
// 4- and 8-wide blocks, one row, one step, several attention row blocks), each with the
// tolerance it is held to, and the plain reference against definitions written out here.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ATT_ROWS, attentionProbsSize } from '../../../src/kernels/families/transformer.js';
import type { Backend } from '../../../src/kernels/index.js';
import { gelu } from '../../../src/kernels/families/gelu.js';
import { AWKWARD, assertClose, copyTo, plain, random, wasm } from '../support.js';

/** A fresh output of n floats on `be`, filled with `fill` (NaN by default:
 *  an "=" kernel must not read its output, a "+=" kernel is given finite values instead). */
function output(be: Backend, n: number, fill = NaN): Float32Array {
  const a = be.alloc(n);
  a.fill(fill);
  return a;
}

/** |a| + |b| elementwise, scaled: a bound proportional to the magnitude of the terms. */
function bound(scale: number, ...arrays: Float32Array[]): Float32Array {
  const n = arrays[0].length;
  const out = new Float32Array(n);
  for (const a of arrays) for (let i = 0; i < n; i++) out[i] += Math.abs(a[i]);
  for (let i = 0; i < n; i++) out[i] = scale * out[i] + 1e-30;
  return out;
}

describe('layer norm', () => {
  function forward(be: Backend, x: Float32Array, gamma: Float32Array, beta: Float32Array, N: number, W: number) {
    const u = output(be, N * W), mean = output(be, N), rstd = output(be, N);
    be.layerNormForward(u, mean, rstd, copyTo(be, x), copyTo(be, gamma), copyTo(be, beta), N, W, 1e-5);
    return { u, mean, rstd };
  }

  test('plain normalises every row to mean β and spread γ (float64 check)', () => {
    const [N, W] = [3, 7];
    const x = random(plain, N * W, 3, 1);
    const gamma = random(plain, W, 1, 2), beta = random(plain, W, 1, 3);
    const { u } = forward(plain, x, gamma, beta, N, W);
    for (let n = 0; n < N; n++) {
      const row = Array.from(x.subarray(n * W, n * W + W));
      const m = row.reduce((s, v) => s + v, 0) / W;
      const v = row.reduce((s, y) => s + (y - m) ** 2, 0) / W;
      for (let i = 0; i < W; i++) {
        const want = ((row[i] - m) / Math.sqrt(v + 1e-5)) * gamma[i] + beta[i];
        assert.ok(Math.abs(u[n * W + i] - want) < 1e-6, `u[${n}, ${i}] = ${u[n * W + i]}, want ${want}`);
      }
    }
  });

  test('wasm matches plain within 2e-6 (outputs of size ~1) for every awkward width and row count', () => {
    for (const W of AWKWARD) {
      for (const N of [1, 3, 8]) {
        const x = random(plain, N * W, 2, W * 31 + N), gamma = random(plain, W, 1.5, W), beta = random(plain, W, 0.5, W + 7);
        for (let i = 0; i < N; i++) x[i * W] += 10; // an offset mean, as in the residual stream
        const p = forward(plain, x, gamma, beta, N, W);
        const w = forward(wasm, x, gamma, beta, N, W);
        assertClose(w.u, p.u, 2e-6, `u, N ${N}, W ${W}`);
        assertClose(w.mean, p.mean, 2e-6, `mean, N ${N}, W ${W}`);
        assertClose(w.rstd, p.rstd, bound(2e-6, p.rstd), `rstd, N ${N}, W ${W}`);
      }
    }
  });

  test('backward: wasm matches plain within 1e-5 of the terms, and both only add into dx, dγ, dβ', () => {
    for (const W of AWKWARD) {
      for (const N of [1, 5]) {
        const x = random(plain, N * W, 2, W + 100 * N), gamma = random(plain, W, 1.5, W + 1), beta = random(plain, W, 1, W + 2);
        const du = random(plain, N * W, 1, W + 3);
        const f = forward(plain, x, gamma, beta, N, W);
        const run = (be: Backend) => {
          const dx = output(be, N * W, 0.25), dgamma = output(be, W, 0.5), dbeta = output(be, W, -0.5);
          be.layerNormBackward(dx, dgamma, dbeta, copyTo(be, du), copyTo(be, x), copyTo(be, f.mean), copyTo(be, f.rstd),
            copyTo(be, gamma), N, W);
          return { dx, dgamma, dbeta };
        };
        const p = run(plain), w = run(wasm);
        const scale = 1e-5 * (1 + Math.sqrt(W));
        assertClose(w.dx, p.dx, scale * 4, `dx, N ${N}, W ${W}`);
        assertClose(w.dgamma, p.dgamma, scale * N * 4, `dgamma, N ${N}, W ${W}`);
        assertClose(w.dbeta, p.dbeta, 1e-6 * N, `dbeta, N ${N}, W ${W}`);
      }
    }
  });

  test('backward agrees with central differences of Σ du·u (plain, float64 loss)', () => {
    const [N, W] = [2, 5];
    const x = random(plain, N * W, 2, 11), gamma = random(plain, W, 1.5, 12), beta = random(plain, W, 1, 13);
    const du = random(plain, N * W, 1, 14);
    const loss = (xx: Float32Array) => {
      const { u } = forward(plain, xx, gamma, beta, N, W);
      let s = 0;
      for (let i = 0; i < N * W; i++) s += du[i] * u[i];
      return s;
    };
    const f = forward(plain, x, gamma, beta, N, W);
    const dx = output(plain, N * W, 0), dgamma = output(plain, W, 0), dbeta = output(plain, W, 0);
    plain.layerNormBackward(dx, dgamma, dbeta, du, x, f.mean, f.rstd, gamma, N, W);
    for (let i = 0; i < N * W; i++) {
      const h = 1e-2;
      const xp = x.slice(), xm = x.slice();
      xp[i] += h;
      xm[i] -= h;
      const numeric = (loss(xp) - loss(xm)) / (2 * h);
      assert.ok(Math.abs(numeric - dx[i]) < 2e-3 * (1 + Math.abs(numeric)), `dx[${i}] = ${dx[i]}, numeric ${numeric}`);
    }
  });
});

describe('GELU', () => {
  /** Inputs across the whole useful range, the tails, zero and the specials. */
  function inputs(n: number, seed: number): Float32Array {
    const a = random(plain, n, 6, seed);
    const special = [0, -0, 1e-20, -1e-20, 8, -8, 12, -12, 40, -40];
    for (let i = 0; i < Math.min(n, special.length); i++) a[i] = special[i];
    return a;
  }

  test('wasm GELU is within 2e-7·(1 + |x|) of the float64 reference (erf to 1.5e-7), for every awkward length', () => {
    for (const n of [...AWKWARD, 1000]) {
      const a = inputs(n, n);
      const p = output(plain, n), w = output(wasm, n);
      plain.geluForward(p, a, n);
      wasm.geluForward(w, copyTo(wasm, a), n);
      const tol = Float32Array.from(a, (x) => 2e-7 * (1 + Math.abs(x)));
      assertClose(w, p, tol, `gelu, n ${n}`);
    }
  });

  test('wasm GELU′ is within 4e-7·(1 + |x|) of the float64 reference, and da may be dg', () => {
    for (const n of [...AWKWARD, 1000]) {
      const a = inputs(n, n + 1), dg = random(plain, n, 2, n + 2);
      const p = output(plain, n);
      plain.geluBackward(p, dg, a, n);
      const w = copyTo(wasm, dg);
      wasm.geluBackward(w, w, copyTo(wasm, a), n); // in place
      const tol = Float32Array.from(a, (x, i) => 4e-7 * (1 + Math.abs(x)) * Math.abs(dg[i]) + 1e-30);
      assertClose(w, p, tol, `gelu', n ${n}`);
    }
  });

  test('plain GELU is the models’ gelu, and NaN stays NaN, +Inf stays +Inf in both backends', () => {
    const a = Float32Array.from([-3, -0.5, 0, 0.5, 3, NaN, Infinity]);
    for (const be of [plain, wasm]) {
      const g = output(be, a.length);
      be.geluForward(g, copyTo(be, a), a.length);
      for (let i = 0; i < 5; i++) assert.ok(Math.abs(g[i] - gelu(a[i])) < 1e-6, `${be.name}: gelu(${a[i]}) = ${g[i]}`);
      assert.ok(Number.isNaN(g[5]), `${be.name}: gelu(NaN) = ${g[5]}`);
      assert.equal(g[6], Infinity, `${be.name}: gelu(Inf)`);
    }
  });
});

describe('addBiasResidual', () => {
  test('out = (out + bias) + res[r mod P] in both backends, bit for bit, for awkward widths and periods', () => {
    for (const N of AWKWARD) {
      for (const [R, P] of [[1, 1], [7, 7], [10, 3], [6, 6]]) {
        const start = random(plain, R * N, 3, N + R + 1), res = random(plain, P * N, 1, N + R), bias = random(plain, N, 1, N + P);
        const want = new Float32Array(R * N);
        for (let r = 0; r < R; r++) {
          for (let j = 0; j < N; j++) want[r * N + j] = Math.fround(Math.fround(start[r * N + j] + bias[j]) + res[(r % P) * N + j]);
        }
        for (const be of [plain, wasm]) {
          const out = copyTo(be, start);
          be.addBiasResidual(out, copyTo(be, bias), copyTo(be, res), R, N, P);
          assertClose(out, want, 0, `${be.name}, R ${R}, N ${N}, P ${P}`);
        }
      }
    }
  });
});

describe('attention', () => {
  interface Case { B: number; T: number; W: number; heads: number }
  /** Odd head sizes (1, 3, 5, 7, 9: panel tails), T from one step past several row blocks. */
  const CASES: Case[] = [
    { B: 1, T: 1, W: 4, heads: 1 },
    { B: 2, T: 5, W: 6, heads: 2 },
    { B: 1, T: 13, W: 15, heads: 3 },
    { B: 3, T: ATT_ROWS + 1, W: 8, heads: 2 },
    { B: 1, T: 2 * ATT_ROWS + 7, W: 20, heads: 4 },
    { B: 2, T: 3 * ATT_ROWS + 5, W: 36, heads: 4 },
    { B: 1, T: 70, W: 64, heads: 2 },
  ];

  function forward(be: Backend, qkv: Float32Array, c: Case) {
    const ctx = output(be, c.B * c.T * c.W);
    const probs = output(be, c.B * c.heads * attentionProbsSize(c.T));
    be.attentionForward(ctx, probs, copyTo(be, qkv), c.B, c.T, c.W, c.heads, 1 / Math.sqrt(c.W / c.heads));
    return { ctx, probs };
  }

  test('plain matches the definition written out per step (float64), probabilities in row blocks', () => {
    const c = { B: 2, T: ATT_ROWS + 3, W: 6, heads: 2 };
    const D = c.W / c.heads, W3 = 3 * c.W, scale = 1 / Math.sqrt(D);
    const qkv = random(plain, c.B * c.T * W3, 1.5, 5);
    const { ctx, probs } = forward(plain, qkv, c);
    const triangle = attentionProbsSize(c.T);
    for (let b = 0; b < c.B; b++) {
      for (let h = 0; h < c.heads; h++) {
        for (let t = 0; t < c.T; t++) {
          const at = (s: number, u: number, d: number) => qkv[(b * c.T + u) * W3 + s * c.W + h * D + d];
          const s = Array.from({ length: t + 1 }, (_, u) => {
            let dot = 0;
            for (let d = 0; d < D; d++) dot += at(0, t, d) * at(1, u, d);
            return Math.exp(dot * scale);
          });
          const sum = s.reduce((x, y) => x + y, 0);
          const r0 = Math.floor(t / ATT_ROWS) * ATT_ROWS, r1 = Math.min(c.T, r0 + ATT_ROWS);
          const row = (b * c.heads + h) * triangle + attentionProbsSize(r0) + (t - r0) * r1;
          for (let u = 0; u < r1; u++) {
            const want = u <= t ? s[u] / sum : 0;
            assert.ok(Math.abs(probs[row + u] - want) < 1e-6, `p[${b}, ${h}, ${t}, ${u}] = ${probs[row + u]}, want ${want}`);
          }
          for (let d = 0; d < D; d++) {
            let want = 0;
            for (let u = 0; u <= t; u++) want += (s[u] / sum) * at(2, u, d);
            const got = ctx[(b * c.T + t) * c.W + h * D + d];
            assert.ok(Math.abs(got - want) < 1e-6, `ctx[${b}, ${t}, ${h}, ${d}] = ${got}, want ${want}`);
          }
        }
      }
    }
  });

  test('wasm forward matches plain: probabilities within 1e-6, ctx within 2e-6·(1 + max |v|)', () => {
    for (const c of CASES) {
      const qkv = random(plain, c.B * c.T * 3 * c.W, 2, c.T * 7 + c.W);
      const p = forward(plain, qkv, c), w = forward(wasm, qkv, c);
      assertClose(w.probs, p.probs, 1e-6, `probs ${JSON.stringify(c)}`);
      assertClose(w.ctx, p.ctx, 6e-6, `ctx ${JSON.stringify(c)}`);
    }
  });

  test('wasm backward matches plain within 1e-5·√T of the gradients’ scale, and overwrites dqkv', () => {
    for (const c of CASES) {
      const qkv = random(plain, c.B * c.T * 3 * c.W, 2, c.T * 3 + c.W);
      const dctx = random(plain, c.B * c.T * c.W, 1, c.T + c.W);
      const f = forward(plain, qkv, c);
      const run = (be: Backend) => {
        const dqkv = output(be, c.B * c.T * 3 * c.W);
        be.attentionBackward(dqkv, copyTo(be, dctx), copyTo(be, f.probs), copyTo(be, qkv), c.B, c.T, c.W, c.heads,
          1 / Math.sqrt(c.W / c.heads));
        return dqkv;
      };
      const p = run(plain), w = run(wasm);
      assertClose(w, p, 1e-5 * Math.sqrt(c.T) * 4, `dqkv ${JSON.stringify(c)}`);
    }
  });

  test('backward agrees with central differences of Σ g·ctx (plain, float64 loss)', () => {
    const c = { B: 1, T: ATT_ROWS + 2, W: 4, heads: 2 };
    const n = c.B * c.T * 3 * c.W;
    const qkv = random(plain, n, 1, 21), g = random(plain, c.B * c.T * c.W, 1, 22);
    const loss = (x: Float32Array) => {
      const { ctx } = forward(plain, x, c);
      let s = 0;
      for (let i = 0; i < ctx.length; i++) s += g[i] * ctx[i];
      return s;
    };
    const f = forward(plain, qkv, c);
    const dqkv = output(plain, n);
    plain.attentionBackward(dqkv, g, f.probs, qkv, c.B, c.T, c.W, c.heads, 1 / Math.sqrt(c.W / c.heads));
    for (let i = 0; i < n; i += 7) {
      const h = 1e-2;
      const xp = qkv.slice(), xm = qkv.slice();
      xp[i] += h;
      xm[i] -= h;
      const numeric = (loss(xp) - loss(xm)) / (2 * h);
      assert.ok(Math.abs(numeric - dqkv[i]) < 2e-3 * (1 + Math.abs(numeric)), `dqkv[${i}] = ${dqkv[i]}, numeric ${numeric}`);
    }
  });

  test('a later frame never changes an earlier output (the causal mask), in both backends', () => {
    const c = { B: 1, T: 2 * ATT_ROWS + 3, W: 8, heads: 2 };
    for (const be of [plain, wasm]) {
      const qkv = random(plain, c.T * 3 * c.W, 1, 31);
      const before = forward(be, qkv, c).ctx;
      const t = ATT_ROWS + 5;
      for (let j = c.W; j < 3 * c.W; j++) qkv[t * 3 * c.W + j] = 1e6; // k and v of step t
      const after = forward(be, qkv, c).ctx;
      for (let i = 0; i < t * c.W; i++) assert.equal(after[i], before[i], `${be.name}: ctx ${i} saw step ${t}`);
      assert.notEqual(after[t * c.W], before[t * c.W]);
    }
  });
});

test('bad sizes and short arrays are a RangeError in both backends', () => {
  for (const be of [plain, wasm]) {
    const a = be.alloc(64), s = be.alloc(8);
    assert.throws(() => be.layerNormForward(a, s, s, a, s, s, 8, 9, 1e-5), RangeError);
    assert.throws(() => be.layerNormBackward(a, s, s, a, a, s, s, s, 9, 8), RangeError);
    assert.throws(() => be.geluForward(s, a, 9), RangeError);
    assert.throws(() => be.geluBackward(a, a, s, 9), RangeError);
    assert.throws(() => be.addBiasResidual(a, s, a, 8, 8, 0), RangeError);
    assert.throws(() => be.addBiasResidual(a, s, a, 9, 8, 9), RangeError);
    assert.throws(() => be.attentionForward(a, a, a, 1, 2, 6, 4, 1), RangeError); // heads must divide W
    assert.throws(() => be.attentionForward(a, a, a, 1, 4, 8, 2, 1), RangeError); // qkv too short
    assert.throws(() => be.attentionForward(a, a, be.alloc(96), 1, 4, 8, 2, 0), RangeError); // scale
    assert.throws(() => be.attentionBackward(a, a, a, be.alloc(96), 1, 4, 8, 2, 1), RangeError); // dqkv too short
  }
});
