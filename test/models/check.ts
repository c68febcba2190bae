/**
 * Shared by the model, loss and optimiser tests: the PyTorch fixture
 * (test/fixtures/models.json), tensor comparison that names the tensor and
 * its largest difference, and finite-difference gradient checks.
 */
import fs from 'node:fs';
import assert, { AssertionError } from 'node:assert/strict';
import { Xoshiro128, type Rng } from '../../src/data/rng.js';
import type { SequenceModel } from '../../src/models/model.js';
import { entryOf, type ParamLayout } from '../../src/models/params.js';
import type { Backend } from '../../src/kernels/backend.js';
import { getBackend, wasmSupport } from '../../src/kernels/index.js';
import { unavailableWasm } from '../kernels/support.js';
import { adamwStep, createAdamW } from '../../src/optim/adamw.js';
import { shiftedMse, shiftedMseBackward } from '../../src/train/loss.js';

// ---------------------------------------------------------------------------
// Backends

/**
 * Every model test runs on both kernel backends: the plain reference and wasm SIMD. Where wasm
 * cannot run, the second is a stand-in that throws the probe's reason on every kernel call, so
 * the tests named "(wasm-simd)" fail there instead of quietly testing plain twice.
 */
const support = wasmSupport();
export const BACKENDS: readonly Backend[] = [getBackend('plain'), support.ok ? getBackend('wasm') : unavailableWasm(support.reason)];

/** A copy of `values` in the backend's memory. */
export function copyTo(be: Backend, values: ArrayLike<number>): Float32Array {
  const a = be.alloc(values.length);
  a.set(values);
  return a;
}

// ---------------------------------------------------------------------------
// The fixture

export interface FixtureTensor {
  shape: number[];
  data: number[];
}

export interface ModelCase {
  model: string;
  input_shape: [number, number, number]; // (B, T, F)
  input: number[]; // (B, T, F) seq[:, :-1]
  target: number[]; // (B, T, F) seq[:, 1:]
  params: Record<string, FixtureTensor>;
  output: number[];
  loss: number;
  grads: Record<string, FixtureTensor>;
  adamw: {
    lr: number;
    betas: [number, number];
    eps: number;
    weight_decay: number;
    losses_before_each_step: number[];
    params_after_step: [Record<string, number[]>, Record<string, number[]>];
    steps_recorded: [number, number];
  };
}

export interface ModelsFixture {
  notes: Record<string, string>;
  cases: ModelCase[];
}

let fixture: ModelsFixture | null = null;

/** test/fixtures/models.json, parsed once per process (dist/test/models/check.js → three levels up is the repo). */
export function readModelsFixture(): ModelsFixture {
  if (!fixture) {
    const url = new URL('../../../test/fixtures/models.json', import.meta.url);
    fixture = JSON.parse(fs.readFileSync(url, 'utf8')) as ModelsFixture;
  }
  return fixture;
}

export function fixtureCase(model: string): ModelCase {
  const c = readModelsFixture().cases.find((x) => x.model === model);
  if (!c) throw new Error(`models.json has no case '${model}'`);
  return c;
}

/**
 * The whole segments seg (B, T+1, F) of a case: its input is seq[:, :-1] and
 * its target seq[:, 1:], so seg is the input plus the target's last frame.
 */
export function segmentsOf(c: ModelCase): Float32Array {
  const [B, T, F] = c.input_shape;
  const seg = new Float32Array(B * (T + 1) * F);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < T * F; i++) seg[b * (T + 1) * F + i] = c.input[b * T * F + i];
    for (let f = 0; f < F; f++) seg[(b * (T + 1) + T) * F + f] = c.target[(b * T + T - 1) * F + f];
  }
  return seg;
}

/** Named tensors into a flat buffer of `layout`: every name must be there, with the same shape, and nothing else. */
export function loadParams(layout: ParamLayout, tensors: Record<string, FixtureTensor | number[]>, be: Backend): Float32Array {
  const buffer = be.alloc(layout.size);
  const names = new Set(Object.keys(tensors));
  for (const e of layout.entries) {
    const t = tensors[e.name];
    if (!t) throw new Error(`fixture lacks parameter ${e.name}`);
    const data = Array.isArray(t) ? t : t.data;
    if (!Array.isArray(t) && t.shape.join(',') !== e.shape.join(',')) {
      throw new Error(`${e.name}: fixture shape [${t.shape}] but the model has [${e.shape}]`);
    }
    if (data.length !== e.size) throw new Error(`${e.name}: fixture has ${data.length} values, the model ${e.size}`);
    buffer.set(data, e.offset);
    names.delete(e.name);
  }
  if (names.size > 0) throw new Error(`fixture has parameters the model lacks: ${[...names].join(', ')}`);
  return buffer;
}

// ---------------------------------------------------------------------------
// Comparing tensors

/** |actual − expected| ≤ atol + rtol·|expected| elementwise (numpy's allclose). */
export interface Tolerance {
  rtol: number;
  atol: number;
}

export interface Difference {
  /** Largest |actual − expected|. */
  maxAbs: number;
  /** Largest |actual − expected| / |expected| over entries with expected ≠ 0. */
  maxRel: number;
  /** The entry that is furthest outside the tolerance (or the largest absolute difference if all pass). */
  worst: number;
  ok: boolean;
}

export function compareTensors(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): Difference {
  if (actual.length !== expected.length) {
    return { maxAbs: Infinity, maxRel: Infinity, worst: -1, ok: false };
  }
  let maxAbs = 0;
  let maxRel = 0;
  let worst = 0;
  let worstExcess = -Infinity;
  let ok = true;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const d = Math.abs(a - e);
    if (!(d <= tol.atol + tol.rtol * Math.abs(e))) ok = false; // also catches NaN
    const excess = Number.isNaN(d) ? Infinity : d - (tol.atol + tol.rtol * Math.abs(e));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
    if (Number.isNaN(d) || d > maxAbs) maxAbs = Number.isNaN(d) ? Infinity : d;
    if (e !== 0 && d / Math.abs(e) > maxRel) maxRel = d / Math.abs(e);
  }
  return { maxAbs, maxRel, worst, ok };
}

/** Throws, naming the tensor, its largest differences and worst entry, unless actual ≈ expected. Returns the differences. */
export function assertClose(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): Difference {
  if (actual.length !== expected.length) {
    throw new AssertionError({ message: `${name}: ${actual.length} values, expected ${expected.length}` });
  }
  const d = compareTensors(actual, expected, tol);
  if (!d.ok) {
    const i = d.worst;
    throw new AssertionError({
      message:
        `${name}: largest difference ${d.maxAbs.toExponential(3)} (relative ${d.maxRel.toExponential(3)}), ` +
        `outside |a − e| ≤ ${tol.atol} + ${tol.rtol}·|e| at [${i}]: got ${actual[i]}, expected ${expected[i]}`,
    });
  }
  return d;
}

/** One line for the test log: the largest differences of a named tensor. */
export function summarize(name: string, d: Difference): string {
  return `${name}: max abs ${d.maxAbs.toExponential(2)}, max rel ${d.maxRel.toExponential(2)}`;
}

// ---------------------------------------------------------------------------
// Finite differences

export interface GradCheckOptions {
  /** Which named tensors of `values` to check. */
  layout: ParamLayout;
  /** The point (model parameters, or a loss's input); perturbed in place and restored. */
  values: Float32Array;
  /** The gradient under test, same layout. */
  analytic: Float32Array;
  /** The loss at the current `values`. */
  loss: () => number;
  /** Step of the central difference (before rounding to float32; the rounded step is used). */
  eps: number;
  /** Entries checked per tensor: always the largest-gradient one, then random others; all if the tensor is that small. */
  samples: number;
  rng: Rng;
  tol: Tolerance;
}

export interface GradCheckEntry {
  name: string;
  index: number;
  analytic: number;
  numeric: number;
  ok: boolean;
}

/**
 * Central differences (L(v + ε) − L(v − ε)) / (2ε) at a sample of entries of
 * every tensor, compared with the analytic gradient:
 * |numeric − analytic| ≤ atol + rtol·max(|numeric|, |analytic|).
 */
export function gradCheck(o: GradCheckOptions): GradCheckEntry[] {
  const results: GradCheckEntry[] = [];
  for (const e of o.layout.entries) {
    const picks = new Set<number>();
    let top = 0;
    for (let i = 1; i < e.size; i++) if (Math.abs(o.analytic[e.offset + i]) > Math.abs(o.analytic[e.offset + top])) top = i;
    picks.add(top);
    if (e.size <= o.samples) for (let i = 0; i < e.size; i++) picks.add(i);
    while (picks.size < Math.min(o.samples, e.size)) picks.add(o.rng.nextInt(e.size));
    for (const i of picks) {
      const at = e.offset + i;
      const orig = o.values[at];
      o.values[at] = orig + o.eps;
      const hi = o.values[at];
      const lossHi = o.loss();
      o.values[at] = orig - o.eps;
      const lo = o.values[at];
      const lossLo = o.loss();
      o.values[at] = orig;
      const numeric = (lossHi - lossLo) / (hi - lo);
      const analytic = o.analytic[at];
      const ok = Math.abs(numeric - analytic) <= o.tol.atol + o.tol.rtol * Math.max(Math.abs(numeric), Math.abs(analytic));
      results.push({ name: e.name, index: i, analytic, numeric, ok });
    }
  }
  return results;
}

/** Throws with every failing entry unless all pass; returns the largest relative error seen. */
export function assertGradCheck(label: string, results: GradCheckEntry[]): number {
  const failures = results.filter((r) => !r.ok);
  if (failures.length > 0) {
    const lines = failures
      .slice(0, 10)
      .map((r) => `  ${r.name}[${r.index}]: analytic ${r.analytic}, numeric ${r.numeric}`)
      .join('\n');
    throw new AssertionError({ message: `${label}: ${failures.length} of ${results.length} gradient entries disagree with finite differences\n${lines}` });
  }
  return Math.max(...results.map((r) => Math.abs(r.numeric - r.analytic) / Math.max(Math.abs(r.numeric), Math.abs(r.analytic), 1e-30)));
}

/**
 * The finite-difference check every model test uses. Central differences with
 * ε = 1e-2 on a float32 model: a smaller step drowns in rounding (each
 * pre-activation is rounded to float32 more than once and the wasm kernels sum
 * in float32, which puts ~3e-4 of noise on an estimate at ε = 1e-3; at 1e-2
 * that noise is ten times smaller and the truncation error ε²·f‴ stays below
 * 1e-4). An entry passes when |numeric − analytic| ≤ 2e-4 + 2e-3·max(|numeric|, |analytic|).
 */
export const FD_EPS = 1e-2;
export const FD_TOL: Tolerance = { rtol: 2e-3, atol: 2e-4 };

/** A model at a point, its gradient there, and the loss as a function of its (perturbed) parameters. */
export interface GradProblem {
  model: SequenceModel;
  params: Float32Array;
  grads: Float32Array;
  loss: () => number;
  rng: Rng;
}

/** Every parameter tensor's gradient agrees with finite differences; returns a line for the test log. */
export function assertGradientsMatchFiniteDifferences(label: string, p: GradProblem): string {
  const { layout } = p.model;
  const results = gradCheck({ layout, values: p.params, analytic: p.grads, loss: p.loss, eps: FD_EPS, samples: 12, rng: p.rng, tol: FD_TOL });
  assert.deepEqual(new Set(results.map((r) => r.name)), new Set(layout.entries.map((e) => e.name)));
  return `largest relative error ${assertGradCheck(label, results).toExponential(2)} over ${results.length} entries`;
}

/** The check has teeth: a 2% error in any tensor's largest gradient entry is flagged, and nothing else. */
export function assertFiniteDifferencesCatchErrors(p: GradProblem): void {
  const { layout } = p.model;
  for (const e of layout.entries) {
    const wrong = p.grads.slice();
    const g = tensorOf(layout, wrong, e.name);
    let top = 0;
    for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[top])) top = i;
    g[top] *= 1.02;
    const results = gradCheck({ layout, values: p.params, analytic: wrong, loss: p.loss, eps: FD_EPS, samples: 4, rng: p.rng, tol: FD_TOL });
    const failures = results.filter((r) => !r.ok);
    assert.deepEqual(failures.map((r) => [r.name, r.index]), [[e.name, top]], `perturbing ${e.name}[${top}]`);
  }
}

/** A GradProblem with its sizes, input and output weights, for the shared model tests below. */
export interface RandomProblem extends GradProblem {
  B: number;
  T: number;
  F: number;
  x: Float32Array; // (B, T, F)
  r: Float32Array; // (B, T, F) = ∂L/∂out
}

/**
 * A model at its seeded initial parameters (times `paramScale`: larger weights push
 * saturating units into their curved range), a random input x and the loss
 * L = Σ r·out for a fixed random r, so ∂L/∂out = r; forward and backward done once.
 */
export function randomProblem(model: SequenceModel, be: Backend, seed: number, B: number, T: number, paramScale = 1): RandomProblem {
  const F = model.features;
  const rng = Xoshiro128.fromSeed(seed, 'gradcheck');
  const params = be.alloc(model.layout.size);
  model.init(params, Xoshiro128.fromSeed(seed, 'init'));
  for (let i = 0; i < params.length; i++) params[i] *= paramScale;
  const x = randn(B * T * F, rng, 1, be);
  const r = randn(B * T * F, rng, 1, be);
  const cache = model.createCache(B, T);
  const out = be.alloc(B * T * F);
  const loss = () => {
    model.forward(out, cache, x, params, B, T);
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += r[i] * out[i];
    return sum;
  };
  loss();
  const grads = be.alloc(model.layout.size);
  model.backward(grads, r, cache, params, B, T);
  return { model, params, grads, loss, rng, B, T, F, x, r };
}

/** A cache made for more sequences and steps than a batch has gives exactly the results of one of its own size. */
export function assertCacheSizeIndependent(p: RandomProblem, be: Backend): void {
  const run = (maxB: number, maxT: number) => {
    const cache = p.model.createCache(maxB, maxT);
    const out = be.alloc(p.B * p.T * p.F);
    const grads = be.alloc(p.model.layout.size);
    p.model.forward(out, cache, p.x, p.params, p.B, p.T);
    p.model.backward(grads, p.r, cache, p.params, p.B, p.T);
    return { out, grads };
  };
  const exact = run(p.B, p.T);
  const roomy = run(p.B + 5, p.T + 11);
  assert.deepEqual(roomy.out, exact.out);
  assert.deepEqual(roomy.grads, exact.grads);
  assert.deepEqual(exact.grads, p.grads); // and a second forward on a used cache changes nothing
}

/** Backward adds into the gradient buffer: a second pass on top of the first gives 2g, not g. */
export function assertBackwardAccumulates(p: RandomProblem, be: Backend): void {
  const cache = p.model.createCache(p.B, p.T);
  const out = be.alloc(p.B * p.T * p.F);
  const acc = copyTo(be, p.grads); // already holds one backward pass
  p.model.forward(out, cache, p.x, p.params, p.B, p.T);
  p.model.backward(acc, p.r, cache, p.params, p.B, p.T);
  // The tolerance only absorbs float32 summation order (kernels add partial sums into what is there).
  assertClose('gradients after two backward passes', acc, p.grads.map((g) => 2 * g), { rtol: 1e-5, atol: 1e-7 });
}

/** The same seed gives the same initial parameters, another seed others; returns those of seed 12345. */
export function assertSeededInit(model: SequenceModel, be: Backend): Float32Array {
  const draw = (seed: number) => {
    const p = be.alloc(model.layout.size);
    model.init(p, Xoshiro128.fromSeed(seed, 'init'));
    return p;
  };
  const a = draw(12345);
  assert.deepEqual(draw(12345), a);
  assert.notDeepEqual(draw(12346), a);
  return a;
}

/** A cache first used for a one-sequence batch then gives exactly what a fresh cache gives. */
export function assertCacheReusableAcrossBatchSizes(p: RandomProblem, be: Backend): void {
  const cache = p.model.createCache(p.B, p.T);
  const out = be.alloc(p.B * p.T * p.F);
  const grads = be.alloc(p.model.layout.size);
  p.model.forward(out, cache, p.x.subarray(0, p.T * p.F), p.params, 1, p.T);
  p.model.backward(grads, p.r.subarray(0, p.T * p.F), cache, p.params, 1, p.T);
  grads.fill(0);
  p.model.forward(out, cache, p.x, p.params, p.B, p.T);
  p.model.backward(grads, p.r, cache, p.params, p.B, p.T);
  const fresh = be.alloc(p.B * p.T * p.F);
  p.model.forward(fresh, p.model.createCache(p.B, p.T), p.x, p.params, p.B, p.T);
  assert.deepEqual(out, fresh);
  assert.deepEqual(grads, p.grads);
}

/**
 * init draws every tensor from U(−k, k) with k = bound(name), as PyTorch does,
 * and the same seed gives the same parameters (another seed others).
 */
export function assertUniformInit(model: SequenceModel, be: Backend, bound: (name: string) => number): void {
  const a = assertSeededInit(model, be);
  for (const e of model.layout.entries) {
    const k = bound(e.name);
    const v = tensorOf(model.layout, a, e.name);
    let lo = Infinity, hi = -Infinity, sum = 0;
    for (const x of v) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      sum += x;
    }
    assert.ok(lo >= -k && hi <= k, `${e.name} in [${lo}, ${hi}], bound ${k}`);
    if (v.length >= 200) {
      // U(−k, k): nearly fills the range (the more draws, the nearer), mean near 0 (σ of the mean = k/√(3n)).
      const fill = v.length >= 1000 ? 0.99 : 0.95;
      assert.ok(hi > fill * k && lo < -fill * k, `${e.name} spans [${lo}, ${hi}] of ±${k}`);
      assert.ok(Math.abs(sum / v.length) < (5 * k) / Math.sqrt(3 * v.length), `${e.name} mean ${sum / v.length}`);
    }
  }
}

/** Standard-normal Float32Array (in the backend's memory when one is given). */
export function randn(n: number, rng: Rng, scale = 1, be?: Backend): Float32Array {
  const a = be ? be.alloc(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * rng.normal();
  return a;
}

// ---------------------------------------------------------------------------
// Running a model on a fixture case

/** A case's tensors in the backend's memory, and room for one forward and backward. */
function fixtureBuffers(model: SequenceModel, c: ModelCase, be: Backend) {
  const [B, T, F] = c.input_shape;
  return {
    B,
    T,
    F,
    params: loadParams(model.layout, c.params, be),
    x: copyTo(be, c.input),
    seg: segmentsOf(c),
    cache: model.createCache(B, T),
    out: be.alloc(B * T * F),
    dout: be.alloc(B * T * F),
    grads: be.alloc(model.layout.size),
  };
}

/** Forward, loss (horizon 2, the fixture's alignment) and backward on a case's input, from its initial parameters. */
export function runFixtureCase(model: SequenceModel, c: ModelCase, be: Backend): { out: Float32Array; loss: number; grads: Float32Array } {
  const { B, T, F, params, x, seg, cache, out, dout, grads } = fixtureBuffers(model, c, be);
  model.forward(out, cache, x, params, B, T);
  const loss = shiftedMse(out, seg, B, T, F, 2);
  shiftedMseBackward(dout, out, seg, B, T, F, 2);
  model.backward(grads, dout, cache, params, B, T);
  return { out, loss, grads };
}

/**
 * The fixture's optimisation: `steps` times (loss, zero grads, backward, AdamW
 * step with the fixture's settings). Returns the loss before each step and the
 * parameters after each.
 */
export function runFixtureAdamW(model: SequenceModel, c: ModelCase, steps: number, be: Backend): { losses: number[]; after: Float32Array[] } {
  const { B, T, F, params, x, seg, cache, out, dout, grads } = fixtureBuffers(model, c, be);
  const { lr, betas, eps, weight_decay: weightDecay } = c.adamw;
  const opt = createAdamW(model.layout.size, { lr, betas, eps, weightDecay }, be);
  const losses: number[] = [];
  const after: Float32Array[] = [];
  for (let s = 0; s < steps; s++) {
    model.forward(out, cache, x, params, B, T);
    losses.push(shiftedMse(out, seg, B, T, F, 2));
    shiftedMseBackward(dout, out, seg, B, T, F, 2);
    grads.fill(0);
    model.backward(grads, dout, cache, params, B, T);
    adamwStep(params, grads, opt, be);
    after.push(params.slice());
  }
  return { losses, after };
}

/** Against PyTorch (float32 with other summation orders): |a − e| ≤ 1e-6 + 1e-5·|e|. */
export const TORCH_TOL: Tolerance = { rtol: 1e-5, atol: 1e-6 };

/** Output, loss and every gradient match the fixture case; returns lines for the test log. */
export function assertMatchesFixture(model: SequenceModel, c: ModelCase, be: Backend): string[] {
  const { out, loss, grads } = runFixtureCase(model, c, be);
  const log = [
    summarize('output', assertClose('output', out, c.output, TORCH_TOL)),
    summarize('loss', assertClose('loss', [loss], [c.loss], TORCH_TOL)),
  ];
  for (const e of model.layout.entries) {
    const d = assertClose(`gradient of ${e.name}`, tensorOf(model.layout, grads, e.name), c.grads[e.name].data, TORCH_TOL);
    log.push(summarize(`grad ${e.name}`, d));
  }
  return log;
}

/** Five AdamW steps follow the fixture's losses, and its parameters after steps 1 and 5; returns lines for the log. */
export function assertAdamWMatchesFixture(model: SequenceModel, c: ModelCase, be: Backend): string[] {
  const { losses, after } = runFixtureAdamW(model, c, 5, be);
  const log = [summarize('losses', assertClose('losses before each step', losses, c.adamw.losses_before_each_step, TORCH_TOL))];
  for (const [k, step] of [[0, 1], [1, 5]] as const) {
    for (const e of model.layout.entries) {
      const expected = c.adamw.params_after_step[k][e.name];
      const d = assertClose(`${e.name} after step ${step}`, tensorOf(model.layout, after[step - 1], e.name), expected, TORCH_TOL);
      log.push(summarize(`${e.name} after step ${step}`, d));
    }
  }
  return log;
}

/** The tensor `name` of a flat buffer. */
export function tensorOf(layout: ParamLayout, buffer: Float32Array, name: string): Float32Array {
  const e = entryOf(layout, name);
  return buffer.subarray(e.offset, e.offset + e.size);
}
