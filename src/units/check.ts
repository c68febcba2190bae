/**
 * Checks that what a factory returned is a working unit before training
 * starts, so a broken user unit fails in a second with a message that names
 * it and says what it did wrong, instead of as NaN losses or a stack trace
 * deep inside the trainer.
 */
import { Xoshiro128 } from '../data/rng.js';
import { UsageError } from '../errors.js';
import type { SequenceModel } from '../models/model.js';
import type { OnlineUnit } from '../models/online.js';
import type { PredictorUnit, UnitContext, UnitFactory } from '../models/unit.js';

const PROBE_STEPS = 8;
const PROBE_ROWS = 2;

function fail(label: string, what: string): never {
  throw new UsageError(`unit ${label}: ${what}`);
}

function needMethods(label: string, unit: Record<string, unknown>, names: readonly string[], kind: string): void {
  const missing = names.filter((n) => typeof unit[n] !== 'function');
  if (missing.length) fail(label, `${kind === 'online' ? 'an' : 'a'} ${kind} unit needs method${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (see docs/units.md)`);
}

function checkLayout(label: string, unit: PredictorUnit): void {
  const layout = unit.layout as unknown;
  const ok =
    typeof layout === 'object' &&
    layout !== null &&
    Array.isArray((layout as { entries?: unknown }).entries) &&
    Number.isInteger((layout as { size?: unknown }).size);
  if (!ok) fail(label, 'layout must be a ParamLayout: use layoutParams([{ name, shape }, …])');
}

/** Calls the factory and checks the shape of what it returns; errors name `label`. */
export function createChecked(factory: UnitFactory, context: UnitContext, label: string): PredictorUnit {
  let unit: unknown;
  try {
    unit = factory(context);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    fail(label, `its factory threw: ${(err as Error)?.message ?? String(err)}`);
  }
  if (typeof unit !== 'object' || unit === null) fail(label, `its factory returned ${unit === null ? 'null' : typeof unit}, not a unit object`);
  const u = unit as Record<string, unknown>;
  if (u.kind !== 'backprop' && u.kind !== 'online') fail(label, `kind must be 'backprop' or 'online', got ${JSON.stringify(u.kind)}`);
  if (typeof u.name !== 'string' || u.name === '') fail(label, 'name must be a non-empty string');
  if (u.features !== context.features) fail(label, `features is ${String(u.features)}, but the data has ${context.features} per frame`);
  const typed = unit as PredictorUnit;
  checkLayout(label, typed);
  if (typed.kind === 'backprop') {
    needMethods(label, u, ['init', 'createCache', 'forward', 'backward'], 'backprop');
  } else {
    needMethods(label, u, ['reset', 'step', 'learn'], 'online');
    for (const hook of ['endSequence', 'endPass', 'cost'] as const) {
      if (u[hook] !== undefined && typeof u[hook] !== 'function') fail(label, `${hook} must be a method if present`);
    }
    if (!(typed.params instanceof Float32Array) || typed.params.length !== typed.layout.size) {
      fail(label, `params must be a Float32Array of layout.size (${typed.layout.size}) values`);
    }
    if (typed.passes !== undefined && !(Number.isInteger(typed.passes) && typed.passes >= 1)) {
      fail(label, `passes must be an integer ≥ 1 if present, got ${String(typed.passes)}`);
    }
  }
  return typed;
}

/**
 * Runs a fresh copy of the unit (its own seed, so the real one's random
 * streams are untouched) on a few random frames, learning included, and
 * checks that outputs have the right size and are finite.
 */
export function probeUnit(factory: UnitFactory, context: UnitContext, label: string): void {
  const rng = Xoshiro128.fromSeed(0, 'probe');
  const unit = createChecked(factory, { ...context, rng }, label);
  const F = context.features;
  const T = Math.min(PROBE_STEPS, context.steps);
  const x = new Float32Array(PROBE_ROWS * T * F);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  try {
    if (unit.kind === 'backprop') probeBackprop(unit, x, T, F, label);
    else probeOnline(unit, x, T, F, context.horizon, label);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    fail(label, `threw on test frames: ${(err as Error)?.message ?? String(err)}`);
  }
}

function firstBad(a: ArrayLike<number>, n: number): number {
  for (let i = 0; i < n; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

function probeBackprop(unit: SequenceModel, x: Float32Array, T: number, F: number, label: string): void {
  const B = PROBE_ROWS;
  const params = new Float32Array(unit.layout.size);
  unit.init(params, Xoshiro128.fromSeed(0, 'probe-init'));
  const p = firstBad(params, params.length);
  if (p >= 0) fail(label, `init left parameter ${p} as ${params[p]}`);
  const cache = unit.createCache(B, T);
  const out = new Float32Array(B * T * F).fill(NaN);
  unit.forward(out, cache, x, params, B, T);
  const o = firstBad(out, out.length);
  if (o >= 0) {
    fail(label, `forward left out[${o}] = ${out[o]} for ${B}×${T}×${F} outputs; it must write every (batch, step, feature) with a finite value`);
  }
  const grads = new Float32Array(unit.layout.size);
  const dout = new Float32Array(B * T * F).fill(1e-2);
  unit.backward(grads, dout, cache, params, B, T);
  const g = firstBad(grads, grads.length);
  if (g >= 0) fail(label, `backward gave gradient ${g} = ${grads[g]}`);
}

function probeOnline(unit: OnlineUnit, x: Float32Array, T: number, F: number, horizon: number, label: string): void {
  const error = new Float32Array(F);
  const predictions = new Float32Array(T * F); // (T, F) what step returned, kept until each target arrives
  const stepChecked = (frame: Float32Array, t: number, phase: string): void => {
    const y = unit.step(frame);
    if (y === null || typeof y !== 'object' || typeof (y as ArrayLike<number>).length !== 'number') {
      fail(label, `step() must return the F = ${F} predicted values, got ${y === null ? 'null' : typeof y}`);
    }
    if (y.length !== F) fail(label, `step() returned ${y.length} values; it must return F = ${F} (one per feature)`);
    const bad = firstBad(y, F);
    if (bad >= 0) fail(label, `step() returned ${y[bad]} at feature ${bad}, step ${t} (${phase})`);
    for (let f = 0; f < F; f++) predictions[t * F + f] = y[f];
  };
  for (const phase of ['before learning', 'while learning', 'after learning'] as const) {
    for (let row = 0; row < PROBE_ROWS; row++) {
      unit.reset();
      const seq = x.subarray(row * T * F, (row + 1) * T * F);
      for (let t = 0; t < T; t++) {
        stepChecked(seq.subarray(t * F, (t + 1) * F), t, phase);
        // As the trainer does: frame t + 1 arrives with the target of the prediction of step t + 1 − horizon.
        const p = t + 1 - horizon;
        if (phase === 'while learning' && p >= 0 && t + 1 < T) {
          const prediction = predictions.subarray(p * F, (p + 1) * F);
          const target = seq.subarray((t + 1) * F, (t + 2) * F);
          for (let f = 0; f < F; f++) error[f] = prediction[f] - target[f];
          unit.learn({ input: seq.subarray(p * F, (p + 1) * F), prediction, target, error, t: p });
        }
      }
      if (phase === 'while learning') unit.endSequence?.();
    }
    if (phase === 'while learning') unit.endPass?.();
  }
}
