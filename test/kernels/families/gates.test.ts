// The GRU and LSTM recurrence kernels: wasm against the plain reference at awkward sizes, the
// plain backward against finite differences of the plain forward, NaN staying in its own
// sequence, and the argument checks.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { Backend } from '../../../src/kernels/index.js';
import { assertClose, copyTo, plain, random, wasm } from '../support.js';

type Kind = 'gru' | 'lstm';
const GATES: Record<Kind, number> = { gru: 3, lstm: 4 };

/** Inputs of one recurrence: the input side's pre-activations (T,B,G), W_hh (G,H) scaled like
 *  PyTorch's init, b_hh (G), and a gradient from outside for h (T,B,H). */
interface Case {
  kind: Kind;
  B: number;
  T: number;
  H: number;
  pre: Float32Array;
  Whh: Float32Array;
  bhh: Float32Array;
  dhOut: Float32Array;
}

function makeCase(kind: Kind, B: number, T: number, H: number, seed: number): Case {
  const G = GATES[kind] * H;
  return {
    kind, B, T, H,
    pre: random(plain, T * B * G, 1.5, seed),
    Whh: random(plain, G * H, 1 / Math.sqrt(H), seed + 1),
    bhh: random(plain, G, 1 / Math.sqrt(H), seed + 2),
    dhOut: random(plain, T * B * H, 1, seed + 3),
  };
}

/** Everything one forward and backward on `be` produce, copied out. */
interface Result {
  h: Float32Array;
  gates: Float32Array;
  saved: Float32Array[]; // gru: ghn; lstm: c, tanh(c)
  grads: Float32Array[]; // gru: dgi, dgh; lstm: dgates
  dh: Float32Array;      // the whole ∂loss/∂h after backward
}

function run(be: Backend, k: Case, backward = true): Result {
  const { B, T, H } = k;
  const G = GATES[k.kind] * H;
  const N = T * B;
  const gates = copyTo(be, k.pre), Whh = copyTo(be, k.Whh), dh = copyTo(be, k.dhOut);
  const h = be.alloc(N * H);
  if (k.kind === 'gru') {
    const ghn = be.alloc(N * H), dgi = be.alloc(N * G), dgh = be.alloc(N * G);
    be.gruForward(h, ghn, gates, Whh, copyTo(be, k.bhh), B, T, H);
    if (backward) be.gruBackward(dgi, dgh, dh, gates, ghn, h, Whh, B, T, H);
    return { h, gates, saved: [ghn], grads: [dgi, dgh], dh };
  }
  const c = be.alloc(N * H), tanhC = be.alloc(N * H), dgates = be.alloc(N * G);
  be.lstmForward(h, c, tanhC, gates, Whh, B, T, H);
  if (backward) be.lstmBackward(dgates, dh, gates, c, tanhC, Whh, B, T, H);
  return { h, gates, saved: [c, tanhC], grads: [dgates], dh };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

// Tolerances, wasm against plain (float64 products, Math.exp/Math.tanh). The forward values
// are at most 1 in size (h, gates, tanh c) or grow slowly (ghn, c), and each step adds a
// float32 sum's rounding (about 1e-7·sqrt(H)) and the SIMD tanh/σ's (≤ 2 ulp), carried on
// by the next steps; the backward sums more terms (3H or 4H per unit per step), so it is
// compared relative to its largest value. Measured (both builds): at most 2.4e-7 forward and
// 7.4e-7 backward at T ≤ 7, 7.2e-7 and 1.6e-6 at T = 300.
const FWD_TOL = 1e-6;       // absolute, times max(1, largest value), T ≤ 7
const FWD_TOL_LONG = 4e-6;  // the same at T = 300
const BWD_RTOL = 4e-6;      // relative to the largest |value|, T ≤ 7
const BWD_RTOL_LONG = 1e-5; // the same at T = 300

function compare(actual: Result, expected: Result, fwd: number, bwd: number, label: string): void {
  const scaled = (a: Float32Array, tol: number) => tol * Math.max(1, maxAbs(a));
  assertClose(actual.h, expected.h, scaled(expected.h, fwd), `${label} h`);
  assertClose(actual.gates, expected.gates, scaled(expected.gates, fwd), `${label} gates`);
  expected.saved.forEach((e, i) => assertClose(actual.saved[i], e, scaled(e, fwd), `${label} saved[${i}]`));
  expected.grads.forEach((e, i) => assertClose(actual.grads[i], e, bwd * maxAbs(e), `${label} grads[${i}]`));
  assertClose(actual.dh, expected.dh, bwd * maxAbs(expected.dh), `${label} dh`);
}

// H around the 4- and 8-wide blocks (and 3H, 4H with tails), B below and above the 4-row blocks.
const HS = [1, 3, 5, 7, 12, 13, 17, 23];
const SHAPES: [number, number, number][] = [];
for (const B of [1, 3, 5, 9]) for (const T of [1, 2, 7]) for (const H of HS) SHAPES.push([B, T, H]);

for (const kind of ['gru', 'lstm'] as const) {
  describe(`the fused ${kind.toUpperCase()} recurrence`, () => {
    test(`wasm matches plain (forward within ${FWD_TOL}, backward within ${BWD_RTOL} of the largest value) for B in {1,3,5,9}, T in {1,2,7}, awkward H`, () => {
      for (const [B, T, H] of SHAPES) {
        const k = makeCase(kind, B, T, H, B * 1000 + T * 100 + H);
        compare(run(wasm, k), run(plain, k), FWD_TOL, BWD_RTOL, `B=${B} T=${T} H=${H}`);
      }
    });

    test(`at the training width (B = 6, T = 300, H = 128) wasm stays within ${FWD_TOL_LONG} (forward) and ${BWD_RTOL_LONG} (backward) of plain`, () => {
      const k = makeCase(kind, 6, 300, 128, 7);
      for (let i = 0; i < k.dhOut.length; i++) k.dhOut[i] *= 0.1;
      compare(run(wasm, k), run(plain, k), FWD_TOL_LONG, BWD_RTOL_LONG, 'training size');
    });

    test('plain backward agrees with central differences of plain forward (loss = Σ dh_out ⊙ h)', () => {
      // gates holds the pre-activations on entry: the gradient of the loss with respect to them
      // is dgi (gru) or dgates (lstm), and with respect to W_hh's effect through h it shows in dh.
      const [B, T, H] = [2, 4, 3];
      const k = makeCase(kind, B, T, H, 77);
      const r = run(plain, k);
      const grad = r.grads[0];
      const loss = (pre: Float32Array) => {
        const h = run(plain, { ...k, pre }, false).h;
        let s = 0;
        for (let i = 0; i < h.length; i++) s += k.dhOut[i] * h[i];
        return s;
      };
      const eps = 1e-2;
      let worst = 0;
      for (let i = 0; i < k.pre.length; i++) {
        const up = copyTo(plain, k.pre), down = copyTo(plain, k.pre);
        up[i] += eps;
        down[i] -= eps;
        const fd = (loss(up) - loss(down)) / (2 * eps);
        worst = Math.max(worst, Math.abs(fd - grad[i]));
      }
      // float32 forward: rounding of about 1e-7 / eps, and eps² curvature terms
      assert.ok(worst <= 2e-3 * Math.max(1, maxAbs(grad)), `largest difference ${worst}`);
    });

    test('a NaN in one pre-activation poisons its own sequence from that step on, and nothing else', () => {
      const [B, T, H] = [5, 4, 13];
      const G = GATES[kind] * H;
      for (const be of [plain, wasm]) {
        const k = makeCase(kind, B, T, H, 91);
        k.pre[(2 * B + 3) * G + 1] = NaN; // step 2, sequence 3, first gate block, unit 1
        const { h } = run(be, k, false);
        for (let t = 0; t < T; t++) {
          for (let b = 0; b < B; b++) {
            const row = (t * B + b) * H;
            const poisoned = b === 3 && t >= 2;
            const bad = h.subarray(row, row + H).some(Number.isNaN);
            assert.equal(bad, poisoned, `${be.name}: h at t=${t} b=${b}`);
            if (poisoned && t > 2) assert.ok(h.subarray(row, row + H).every(Number.isNaN), `${be.name}: t=${t} b=${b} all NaN`);
          }
        }
      }
    });

    test('a NaN in dh poisons the gradients of its own sequence at that step and earlier, and nothing else', () => {
      const [B, T, H] = [5, 4, 13];
      const G = GATES[kind] * H;
      for (const be of [plain, wasm]) {
        const k = makeCase(kind, B, T, H, 93);
        k.dhOut[(2 * B + 1) * H + 4] = NaN; // step 2, sequence 1, unit 4
        const grad = run(be, k).grads[0];
        for (let t = 0; t < T; t++) {
          for (let b = 0; b < B; b++) {
            const row = (t * B + b) * G;
            const bad = grad.subarray(row, row + G).some(Number.isNaN);
            assert.equal(bad, b === 1 && t <= 2, `${be.name}: gradient at t=${t} b=${b}`);
          }
        }
      }
    });

    test('B, T or H of zero does nothing, and buffers that are too short are a RangeError', () => {
      for (const be of [plain, wasm]) {
        const none = be.alloc(4).fill(7);
        if (kind === 'gru') {
          be.gruForward(none, none, none, be.alloc(12), be.alloc(6), 0, 3, 2);
          be.gruBackward(none, none, none, none, none, none, be.alloc(12), 2, 0, 2);
          assert.throws(() => be.gruForward(be.alloc(11), be.alloc(12), be.alloc(36), be.alloc(12), be.alloc(6), 2, 3, 2), RangeError);
          assert.throws(() => be.gruForward(be.alloc(12), be.alloc(12), be.alloc(36), be.alloc(12), be.alloc(5), 2, 3, 2), RangeError);
          assert.throws(() => be.gruBackward(be.alloc(36), be.alloc(35), be.alloc(12), be.alloc(36), be.alloc(12), be.alloc(12),
            be.alloc(12), 2, 3, 2), RangeError);
        } else {
          be.lstmForward(none, none, none, none, be.alloc(16), 2, 3, 0);
          be.lstmBackward(none, none, none, none, none, be.alloc(16), 0, 3, 2);
          assert.throws(() => be.lstmForward(be.alloc(12), be.alloc(12), be.alloc(12), be.alloc(48), be.alloc(15), 2, 3, 2), RangeError);
          assert.throws(() => be.lstmBackward(be.alloc(47), be.alloc(12), be.alloc(48), be.alloc(12), be.alloc(12), be.alloc(16),
            2, 3, 2), RangeError);
        }
        assert.deepEqual([...none], [7, 7, 7, 7], be.name);
      }
    });
  });
}
