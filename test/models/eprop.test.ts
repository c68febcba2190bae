import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from '../../src/data/rng.js';
import { UsageError } from '../../src/errors.js';
import type { Backend } from '../../src/kernels/backend.js';
import {
  createEprop,
  epropLayout,
  epropSegmentGradient,
  initEprop,
  type EpropDims,
} from '../../src/models/eprop.js';
import type { OnlineUnit } from '../../src/models/online.js';
import type { ParamLayout } from '../../src/models/params.js';
import { shiftedMse } from '../../src/train/loss.js';
import { assertClose, BACKENDS, randn, summarize } from './check.js';

const plain = BACKENDS[0];

function context(be: Backend, o: { F: number; N: number; lr?: number; seed?: number; horizon?: number; options?: Record<string, string> }) {
  return {
    features: o.F,
    hidden: o.N,
    steps: 100,
    horizon: o.horizon ?? 2,
    lr: o.lr ?? 1e-3,
    options: o.options ?? {},
    rng: Xoshiro128.fromSeed(o.seed ?? 1, 'eprop'),
    backend: be,
  };
}

/** The view of tensor `name` in a buffer of `layout` (any float array). */
function tensor<A extends Float32Array | Float64Array>(layout: ParamLayout, buffer: A, name: string): A {
  const e = layout.entries.find((x) => x.name === name);
  if (!e) throw new Error(`no tensor ${name}`);
  return buffer.subarray(e.offset, e.offset + e.size) as A;
}

const RECURRENT = ['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_l0'];
const READOUT = ['fc.weight', 'fc.bias'];

// ---------------------------------------------------------------------------
// A float64 reference: the model's forward and the segment MSE, written out
// plainly, and the true gradient of that MSE by central differences.

function referenceMse(q: Float64Array, seg: Float32Array, T: number, horizon: number, F: number, N: number, alpha: number): number {
  const Wih = 0, Whh = N * F, b = Whh + N * N, Wfc = b + N, bfc = Wfc + F * N; // offsets in layout order
  const a = new Float64Array(N);
  let h = new Float64Array(N);
  const scored = T + 1 - horizon;
  let sum = 0;
  for (let t = 0; t < scored; t++) {
    const next = new Float64Array(N);
    for (let j = 0; j < N; j++) {
      let u = q[b + j];
      for (let i = 0; i < F; i++) u += q[Wih + j * F + i] * seg[t * F + i];
      for (let m = 0; m < N; m++) u += q[Whh + j * N + m] * h[m];
      a[j] = alpha * a[j] + (1 - alpha) * u;
      next[j] = Math.tanh(a[j]);
    }
    h = next;
    for (let k = 0; k < F; k++) {
      let y = q[bfc + k];
      for (let j = 0; j < N; j++) y += q[Wfc + k * N + j] * h[j];
      sum += (y - seg[(t + horizon) * F + k]) ** 2;
    }
  }
  return sum / (scored * F);
}

/** ∂mse/∂q for the first n entries of q, by central differences in float64. */
function finiteDifferences(q: Float64Array, n: number, mse: (q: Float64Array) => number, eps = 1e-6): Float64Array {
  const grad = new Float64Array(q.length);
  for (let i = 0; i < n; i++) {
    const orig = q[i];
    q[i] = orig + eps;
    const hi = mse(q);
    q[i] = orig - eps;
    const lo = mse(q);
    q[i] = orig;
    grad[i] = (hi - lo) / (2 * eps);
  }
  return grad;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

/** ‖a − b‖ / ‖b‖. */
function relativeDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    bb += b[i] * b[i];
  }
  return Math.sqrt(d / bb);
}

/** Seeded parameters of the small test net, W_hh scaled by `recurrentScale`. */
function smallProblem(seed: number, dims: EpropDims, T: number, recurrentScale: number) {
  const { features: F, hidden: N } = dims;
  const layout = epropLayout(F, N, dims.randomFeedback);
  const params = new Float32Array(layout.size);
  initEprop(layout, params, N, Xoshiro128.fromSeed(seed, 'init'));
  const Whh = tensor(layout, params, 'rnn.weight_hh_l0');
  for (let i = 0; i < Whh.length; i++) Whh[i] *= recurrentScale;
  const seg = randn((T + 1) * F, Xoshiro128.fromSeed(seed, 'data')); // (T+1, F)
  return { layout, params, seg };
}

// ---------------------------------------------------------------------------
// The rule

test('with W_hh = 0, e-prop is the exact gradient of the segment MSE for every tensor (float64 finite differences)', (t) => {
  const F = 3, N = 5, T = 12;
  for (const alpha of [0.3, 0]) {
    for (const horizon of [1, 2]) {
      const dims: EpropDims = { features: F, hidden: N, leak: alpha, randomFeedback: false };
      const { layout, params, seg } = smallProblem(11 + horizon, dims, T, 0);
      const eprop = new Float64Array(layout.size);
      const mse = epropSegmentGradient(eprop, params, seg, T, horizon, dims);
      const q = Float64Array.from(params);
      const reference = (v: Float64Array) => referenceMse(v, seg, T, horizon, F, N, alpha);
      assert.ok(Math.abs(mse - reference(q)) <= 1e-6 * reference(q), `the returned MSE ${mse} is the segment's, ${reference(q)}`);
      const exact = finiteDifferences(q, layout.size, reference);
      for (const e of layout.entries) {
        const d = assertClose(
          `α ${alpha}, horizon ${horizon}: ${e.name}`,
          tensor(layout, eprop, e.name),
          tensor(layout, exact, e.name),
          { rtol: 1e-5, atol: 1e-8 },
        );
        t.diagnostic(summarize(`α ${alpha}, horizon ${horizon}, ${e.name}`, d));
      }
    }
  }
});

test('with W_hh ≠ 0 the read-out gradient stays exact and the recurrent estimate is an approximation with cosine > 0.5 to the true gradient', (t) => {
  const F = 3, N = 5, T = 12;
  for (const seed of [1, 2, 3]) {
    for (const horizon of [1, 2]) {
      const dims: EpropDims = { features: F, hidden: N, leak: 0.3, randomFeedback: false };
      const { layout, params, seg } = smallProblem(seed, dims, T, 1); // PyTorch’s initial W_hh ~ U(±1/√N)
      const eprop = new Float64Array(layout.size);
      epropSegmentGradient(eprop, params, seg, T, horizon, dims);
      const q = Float64Array.from(params);
      const exact = finiteDifferences(q, layout.size, (v) => referenceMse(v, seg, T, horizon, F, N, dims.leak));
      for (const name of READOUT) {
        assertClose(`${name}`, tensor(layout, eprop, name), tensor(layout, exact, name), { rtol: 1e-5, atol: 1e-8 });
      }
      // The recurrent tensors together: W_ih, W_hh and b are the layout's first N·F + N·N + N values.
      const n = N * F + N * N + N;
      const cos = cosine(eprop.subarray(0, n), exact.subarray(0, n));
      const off = relativeDistance(eprop.subarray(0, n), exact.subarray(0, n));
      const perTensor = RECURRENT.map((name) => `${name} ${cosine(tensor(layout, eprop, name), tensor(layout, exact, name)).toFixed(3)}`);
      t.diagnostic(`seed ${seed}, horizon ${horizon}: cosine ${cos.toFixed(3)}, ‖ĝ − g‖/‖g‖ ${off.toFixed(3)} (${perTensor.join(', ')})`);
      assert.ok(cos > 0.5, `cosine ${cos} between e-prop and the true recurrent gradient`);
      assert.ok(off > 1e-3, `e-prop should differ from the true gradient when W_hh ≠ 0 (relative distance ${off})`);
    }
  }
});

/**
 * e-prop as the paper writes it, naively, in float64: an eligibility vector
 * per synapse, ε_ji(t) = α ε_ji(t−1) + (1−α) z_i(t) with z = [x_t; h_{t−1}; 1],
 * the trace e_ji = tanh′(a_j) ε_ji, and ĝ_ji = c Σ_t L_j(t) e_ji(t) with
 * L = B err; the read-out c Σ_t err h_tᵀ. B (N, F) is W_fcᵀ or the feedback.
 * Returns the trainable part in layout order.
 */
function naiveEprop(q: Float64Array, seg: Float32Array, T: number, horizon: number, dims: EpropDims): Float64Array {
  const { features: F, hidden: N, leak: alpha } = dims;
  const P = F + N + 1; // presynaptic inputs of neuron j: x, h_{t−1}, the bias's 1
  const Whh = N * F, b = Whh + N * N, Wfc = b + N, bfc = Wfc + F * N, fb = bfc + F;
  const B = (j: number, k: number) => (dims.randomFeedback ? q[fb + j * F + k] : q[Wfc + k * N + j]);
  const eps = new Float64Array(N * P); // (N, P) ε_ji
  const gW = new Float64Array(N * P); // (N, P) Σ_t L_j e_ji
  const gFc = new Float64Array(F * N + F);
  const a = new Float64Array(N);
  let h = new Float64Array(N);
  const scored = T + 1 - horizon;
  for (let t = 0; t < scored; t++) {
    const z = [...seg.subarray(t * F, (t + 1) * F), ...h, 1];
    const next = new Float64Array(N);
    for (let j = 0; j < N; j++) {
      let u = q[b + j];
      for (let i = 0; i < F; i++) u += q[j * F + i] * z[i];
      for (let m = 0; m < N; m++) u += q[Whh + j * N + m] * z[F + m];
      a[j] = alpha * a[j] + (1 - alpha) * u;
      next[j] = Math.tanh(a[j]);
      for (let i = 0; i < P; i++) eps[j * P + i] = alpha * eps[j * P + i] + (1 - alpha) * z[i];
    }
    h = next;
    const err: number[] = [];
    for (let k = 0; k < F; k++) {
      let y = q[bfc + k];
      for (let j = 0; j < N; j++) y += q[Wfc + k * N + j] * h[j];
      err.push(y - seg[(t + horizon) * F + k]);
    }
    for (let j = 0; j < N; j++) {
      let L = 0;
      for (let k = 0; k < F; k++) L += B(j, k) * err[k];
      for (let i = 0; i < P; i++) gW[j * P + i] += L * (1 - h[j] ** 2) * eps[j * P + i];
    }
    for (let k = 0; k < F; k++) {
      for (let j = 0; j < N; j++) gFc[k * N + j] += err[k] * h[j];
      gFc[F * N + k] += err[k];
    }
  }
  const c = 2 / (scored * F);
  const out = new Float64Array(fb);
  for (let j = 0; j < N; j++) {
    for (let i = 0; i < F; i++) out[j * F + i] = c * gW[j * P + i];
    for (let m = 0; m < N; m++) out[Whh + j * N + m] = c * gW[j * P + F + m];
    out[b + j] = c * gW[j * P + F + N];
  }
  for (let i = 0; i < gFc.length; i++) out[Wfc + i] = c * gFc[i];
  return out;
}

test('with W_hh ≠ 0 the estimate is e-prop as the paper writes it, with a trace per synapse (naive float64 reference)', (t) => {
  const F = 3, N = 5, T = 12;
  for (const randomFeedback of [false, true]) {
    for (const horizon of [1, 2]) {
      const dims: EpropDims = { features: F, hidden: N, leak: 0.3, randomFeedback };
      const { layout, params, seg } = smallProblem(21 + horizon, dims, T, 1);
      const eprop = new Float64Array(layout.size);
      epropSegmentGradient(eprop, params, seg, T, horizon, dims);
      const naive = naiveEprop(Float64Array.from(params), seg, T, horizon, dims);
      for (const e of layout.entries) {
        if (e.name === 'eprop.feedback') continue;
        const label = `${randomFeedback ? 'random' : 'symmetric'}, horizon ${horizon}: ${e.name}`;
        const d = assertClose(label, tensor(layout, eprop, e.name), naive.subarray(e.offset, e.offset + e.size), { rtol: 1e-5, atol: 1e-8 });
        t.diagnostic(summarize(label, d));
      }
    }
  }
});

test('random e-prop broadcasts the error through its own fixed matrix B ≠ W_fcᵀ, and B stays fixed while the rest learns', () => {
  const F = 3, N = 5, T = 12, horizon = 2;
  const random: EpropDims = { features: F, hidden: N, leak: 0.3, randomFeedback: true };
  const symmetric: EpropDims = { ...random, randomFeedback: false };
  const { layout, params, seg } = smallProblem(4, random, T, 1);
  const B = tensor(layout, params, 'eprop.feedback'); // (N, F)
  const Wfc = tensor(layout, params, 'fc.weight'); // (F, N)
  const BtIsWfc = () => B.every((v, i) => v === Wfc[(i % F) * N + Math.floor(i / F)]);
  assert.equal(BtIsWfc(), false);

  // Same trainable weights, both rules: the read-out's gradient is the same, the recurrent ones differ.
  const symmetricLayout = epropLayout(F, N, false);
  const trainable = params.subarray(0, symmetricLayout.size);
  const gRandom = new Float64Array(layout.size);
  const gSymmetric = new Float64Array(symmetricLayout.size);
  epropSegmentGradient(gRandom, params, seg, T, horizon, random);
  epropSegmentGradient(gSymmetric, trainable, seg, T, horizon, symmetric);
  for (const name of READOUT) assert.deepEqual(tensor(layout, gRandom, name), tensor(symmetricLayout, gSymmetric, name));
  for (const name of RECURRENT) assert.notDeepEqual(tensor(layout, gRandom, name), tensor(symmetricLayout, gSymmetric, name));
  assert.ok(tensor(layout, gRandom, 'eprop.feedback').every((v) => v === 0), 'B has no gradient');
  // With B set to W_fcᵀ, random e-prop is symmetric e-prop: the learning signal is B·err and nothing else.
  for (let j = 0; j < N; j++) for (let k = 0; k < F; k++) B[j * F + k] = Wfc[k * N + j];
  epropSegmentGradient(gRandom, params, seg, T, horizon, random);
  assert.deepEqual(gRandom.subarray(0, symmetricLayout.size), gSymmetric);

  // The unit: B is part of its stored numbers but not trainable, and learning leaves it alone.
  const unit = createEprop(context(plain, { F, N, lr: 1e-2, options: { feedback: '1' } }));
  assert.deepEqual(unit.layout.entries.map((e) => e.name), [...RECURRENT, ...READOUT, 'eprop.feedback']);
  assert.equal(unit.trainableCount, unit.layout.size - N * F);
  const B0 = tensor(unit.layout, unit.params, 'eprop.feedback').slice();
  const Wfc0 = tensor(unit.layout, unit.params, 'fc.weight').slice();
  const segments = Array.from({ length: 3 }, () => seg);
  trainPass(unit, segments, T, F, horizon);
  assert.deepEqual(tensor(unit.layout, unit.params, 'eprop.feedback'), B0);
  assert.notDeepEqual(tensor(unit.layout, unit.params, 'fc.weight'), Wfc0);
});

// ---------------------------------------------------------------------------
// The unit

/**
 * One training pass as audiopred runs it (see OnlineUnit); segments (T+1, F): after
 * step t, frame t + 1 arrives with the target of the prediction of step t + 1 − horizon.
 */
function trainPass(unit: OnlineUnit, segments: readonly Float32Array[], T: number, F: number, horizon: number): void {
  const predictions = new Float32Array(T * F); // (T, F)
  const error = new Float32Array(F);
  for (const seg of segments) {
    unit.reset();
    for (let t = 0; t < T; t++) {
      predictions.set(unit.step(seg.subarray(t * F, (t + 1) * F)), t * F);
      const p = t + 1 - horizon;
      if (p < 0) continue;
      const prediction = predictions.subarray(p * F, (p + 1) * F);
      const target = seg.subarray((t + 1) * F, (t + 2) * F);
      for (let k = 0; k < F; k++) error[k] = prediction[k] - target[k];
      unit.learn({ input: seg.subarray(p * F, (p + 1) * F), prediction, target, error, t: p });
    }
    unit.endSequence?.();
  }
}

/** Frozen validation: step only, the MSE of src/train/loss.ts over all segments (equal lengths). */
function validate(unit: OnlineUnit, segments: readonly Float32Array[], T: number, F: number, horizon: number): number {
  const out = new Float32Array(T * F);
  let sum = 0;
  for (const seg of segments) {
    unit.reset();
    for (let t = 0; t < T; t++) out.set(Array.from(unit.step(seg.subarray(t * F, (t + 1) * F))), t * F);
    sum += shiftedMse(out, seg, 1, T, F, horizon);
  }
  return sum / segments.length;
}

/** Segments (T+1, F) of a sum of two sinusoids per feature, periods 6–40 steps, random phases per segment. */
function sinusoidSegments(count: number, T: number, F: number, rng: Xoshiro128): Float32Array[] {
  const periods = Array.from({ length: 2 * F }, () => rng.uniform(6, 40));
  return Array.from({ length: count }, () => {
    const seg = new Float32Array((T + 1) * F);
    const phases = periods.map(() => rng.uniform(0, 2 * Math.PI));
    for (let t = 0; t <= T; t++) {
      for (let f = 0; f < F; f++) {
        seg[t * F + f] = Math.sin((2 * Math.PI * t) / periods[2 * f] + phases[2 * f]) +
          0.5 * Math.sin((2 * Math.PI * t) / periods[2 * f + 1] + phases[2 * f + 1]);
      }
    }
    return seg;
  });
}

test('the unit learns by the same rule at horizons 1, 2 and 3: two Adam steps from segments of different lengths follow epropSegmentGradient', () => {
  const F = 3, N = 5, lr = 1e-2;
  for (const be of BACKENDS) {
    for (const horizon of [1, 2, 3]) {
      const unit = createEprop(context(be, { F, N, lr, horizon, options: { leak: '0.3' } }));
      const dims: EpropDims = { features: F, hidden: N, leak: 0.3, randomFeedback: false };
      const lengths = [12, 7]; // c = 2/(scored·F) differs, so a wrong scale in either would change the second step
      const rng = Xoshiro128.fromSeed(8, 'data');
      const segs = lengths.map((T) => randn((T + 1) * F, rng));
      // Adam in float64 on the pure function's gradients.
      const q = Float64Array.from(unit.params);
      const m = new Float64Array(q.length), v = new Float64Array(q.length);
      const g = new Float64Array(q.length);
      lengths.forEach((T, i) => {
        epropSegmentGradient(g, Float32Array.from(q), segs[i], T, horizon, dims);
        const step = i + 1;
        for (let n = 0; n < q.length; n++) {
          m[n] = 0.9 * m[n] + 0.1 * g[n];
          v[n] = 0.999 * v[n] + 0.001 * g[n] * g[n];
          q[n] -= (lr / (1 - 0.9 ** step)) * m[n] / (Math.sqrt(v[n] / (1 - 0.999 ** step)) + 1e-8);
        }
        trainPass(unit, [segs[i]], T, F, horizon);
      });
      assertClose(`parameters after two steps (${be.name}, horizon ${horizon})`, unit.params, q, { rtol: 0, atol: 2e-6 });
    }
  }
});

test('learning lowers the frozen validation MSE of a sinusoid task substantially, with either feedback', (t) => {
  const F = 3, N = 24, T = 99, horizon = 2;
  const rng = Xoshiro128.fromSeed(3, 'sinusoids');
  const segments = sinusoidSegments(20, T, F, rng);
  const train = segments.slice(0, 16), val = segments.slice(16);
  for (const feedback of ['0', '1']) {
    const unit = createEprop(context(plain, { F, N, lr: 1e-2, options: { feedback, leak: '0' } }));
    const before = validate(unit, val, T, F, horizon);
    const curve: number[] = [];
    for (let pass = 0; pass < 30; pass++) {
      trainPass(unit, train, T, F, horizon);
      if (pass % 10 === 9) curve.push(validate(unit, val, T, F, horizon));
    }
    const after = curve[curve.length - 1];
    t.diagnostic(`feedback ${feedback}: val MSE ${before.toFixed(4)} → ${curve.map((x) => x.toFixed(4)).join(' → ')} (passes 10, 20, 30)`);
    assert.ok(after < 0.25 * before, `feedback ${feedback}: val MSE ${before} → ${after}`);
  }
});

test('step() does not learn, reset() forgets the sequence, and the same seed makes the same unit', () => {
  const F = 4, N = 7, T = 15;
  const make = (seed: number) => createEprop(context(plain, { F, N, seed, options: { leak: '0.2' } }));
  const x = randn(T * F, Xoshiro128.fromSeed(5, 'data'));
  const run = (unit: OnlineUnit) => {
    const out: number[] = [];
    for (let t = 0; t < T; t++) out.push(...Array.from(unit.step(x.subarray(t * F, (t + 1) * F))));
    return out;
  };
  const unit = make(1);
  assert.equal(unit.kind, 'online');
  assert.equal(unit.name, 'eprop');
  assert.equal(unit.trainableCount, unit.layout.size);
  assert.equal(unit.stateSize, N + F + N + 1);
  assert.deepEqual(unit.layout.entries.map((e) => [e.name, e.shape]), [
    ['rnn.weight_ih_l0', [N, F]], ['rnn.weight_hh_l0', [N, N]], ['rnn.bias_l0', [N]], ['fc.weight', [F, N]], ['fc.bias', [F]],
  ]);
  const k = 1 / Math.sqrt(N);
  assert.ok(unit.params.every((v) => Math.abs(v) <= k) && unit.params.some((v) => Math.abs(v) > 0.9 * k), 'U(±1/√N)');
  const params = unit.params.slice();
  const first = run(unit);
  const second = run(unit); // continues the sequence: other outputs
  assert.deepEqual(unit.params, params);
  assert.notDeepEqual(second, first);
  unit.reset();
  assert.deepEqual(run(unit), first);
  unit.endSequence?.(); // nothing learnt: no step taken
  assert.deepEqual(unit.params, params);

  assert.deepEqual(make(1).params, params);
  assert.deepEqual(run(make(1)), first);
  assert.notDeepEqual(make(2).params, params);
  unit.reset();
  assert.throws(() => unit.learn({ input: x, prediction: x, target: x, error: x, t: 0 }), /learn\(\) before any step/);
});

test('cost() counts the dense MACs and measures zero activations since the last call', () => {
  const F = 4, N = 7, T = 10;
  const unit = createEprop(context(plain, { F, N }));
  const dense = N * F + N * N + F * N;
  assert.deepEqual(unit.cost?.(), { macsPerFrame: dense }); // nothing measured yet
  const x = randn(T * F, Xoshiro128.fromSeed(6, 'data'));
  unit.reset();
  for (let t = 0; t < T; t++) unit.step(x.subarray(t * F, (t + 1) * F));
  // Only h_{−1} = 0 of the first step is zero: its N·N recurrent MACs are skipped.
  assert.deepEqual(unit.cost?.(), { macsPerFrame: dense, effectiveMacsPerFrame: dense - (N * N) / T, activationSparsity: 0 });
  // Zero input and bias: every activation is exactly zero, so only the read-out's bias remains.
  tensor(unit.layout, unit.params, 'rnn.bias_l0').fill(0);
  unit.reset();
  for (let t = 0; t < T; t++) unit.step(new Float32Array(F));
  assert.deepEqual(unit.cost?.(), { macsPerFrame: dense, effectiveMacsPerFrame: 0, activationSparsity: 1 });
});

test('bad options are UsageErrors that name the unit', () => {
  const bad: Record<string, string>[] = [
    { leek: '0.1' },
    { leak: '1' },
    { leak: '-0.1' },
    { leak: 'fast' },
    { feedback: '2' },
    { feedback: '0.5' },
    { clip: '-1' },
  ];
  for (const options of bad) {
    assert.throws(() => createEprop(context(plain, { F: 3, N: 4, options })), (e: unknown) => {
      return e instanceof UsageError && /eprop/.test(e.message);
    }, JSON.stringify(options));
  }
  assert.throws(() => createEprop(context(plain, { F: 3, N: 0 })), /eprop needs/);
});
