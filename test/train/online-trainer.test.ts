/**
 * The online loop hands a unit nothing from the future: a spy unit reads the
 * frame numbers planted in the data and checks, at every step, that no input
 * or target it was given lies ahead of the frame it is reading. And
 * prequential evaluation: its loss is that of a hand-made replay, and it
 * leaves the unit's learning state as it found it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Segments, type Split } from '../../src/data/dataset.js';
import { Xoshiro128 } from '../../src/data/rng.js';
import { UsageError } from '../../src/errors.js';
import { resolveConfig, type TrainConfig } from '../../src/config/settings.js';
import { getBackend } from '../../src/kernels/index.js';
import { layoutParams } from '../../src/models/params.js';
import type { LearnSignal, OnlineUnit } from '../../src/models/online.js';
import { builtinFactory } from '../../src/models/registry.js';
import { unitContext } from '../../src/models/unit.js';
import { shiftedMse } from '../../src/train/loss.js';
import { OnlineTrainer } from '../../src/train/online-trainer.js';

const F = 3;
const L = 12; // frames per segment: T = 11 steps

/** `count` segments of L frames: feature 0 is the frame's number in its segment, feature 1 the segment's, feature 2 noise. */
function numberedSegments(count: number): Segments {
  const rng = Xoshiro128.fromSeed(2, 'data');
  const data = new Float32Array(count * L * F);
  for (let n = 0; n < count; n++) {
    for (let t = 0; t < L; t++) {
      const at = (n * L + t) * F;
      data[at] = t;
      data[at + 1] = n;
      data[at + 2] = rng.normal();
    }
  }
  return { data, count, length: L, features: F };
}

const split: Split = { train: Int32Array.of(0, 1, 2, 3, 4), val: Int32Array.of(5, 6, 7), test: new Int32Array(0) };

function config(horizon: number): TrainConfig {
  return resolveConfig({ horizon, batch: 2, segment: L, seed: 4 });
}

/**
 * Records, at every step(x), the largest frame number it has been shown so
 * far in the segment (inputs and learn targets) and fails if that is ahead of
 * x's frame; checks that each learn is for the step it says, with that step's
 * input and prediction and the target h frames on, once per step, in order.
 */
function spyUnit(horizon: number): OnlineUnit & { steps: number; learns: number; problems: string[] } {
  const y = new Float32Array(F);
  let shown = -1; // the largest frame number seen this segment
  let step = -1; // the frame being read
  let learnt = -1; // the last step learn was for
  const made: number[] = []; // made[t]: prediction feature 0 of step t
  const spy = {
    kind: 'online' as const, name: 'spy', features: F, layout: layoutParams([]), params: new Float32Array(0),
    steps: 0, learns: 0, problems: [] as string[],
    reset() {
      shown = step = learnt = -1;
      made.length = 0;
    },
    step(x: Float32Array) {
      step = x[0];
      if (shown > step) spy.problems.push(`step(x_${step}) after being shown frame ${shown}`);
      shown = Math.max(shown, step);
      spy.steps++;
      y[0] = 100 + step + 0.5 * x[1]; // a different prediction at every step
      y[1] = -step;
      y[2] = 0;
      made[step] = y[0];
      return y;
    },
    learn(s: LearnSignal) {
      spy.learns++;
      const target = s.target[0];
      if (target !== s.t + horizon) spy.problems.push(`learn for step ${s.t} with target frame ${target}`);
      if (s.input[0] !== s.t) spy.problems.push(`learn for step ${s.t} with input frame ${s.input[0]}`);
      if (s.t !== learnt + 1) spy.problems.push(`learn for step ${s.t} after step ${learnt}`);
      if (target !== step + 1) spy.problems.push(`target frame ${target} revealed after step ${step}, not when it arrives`);
      if (s.prediction[0] !== made[s.t]) spy.problems.push(`learn for step ${s.t} with prediction ${s.prediction[0]}, not ${made[s.t]}`);
      for (let f = 0; f < F; f++) {
        if (s.error[f] !== Math.fround(s.prediction[f] - s.target[f])) spy.problems.push(`error ${f} of step ${s.t} is not prediction − target`);
      }
      learnt = s.t;
      shown = Math.max(shown, target, s.input[0]);
    },
    saveState: () => ({}),
    loadState() {},
  };
  return spy;
}

for (const horizon of [1, 2, 3]) {
  test(`horizon ${horizon}: no step is ever shown a later frame, and every prediction learns once from the target h frames on, when it arrives`, () => {
    const segments = numberedSegments(8);
    const unit = spyUnit(horizon);
    const trainer = new OnlineTrainer(unit, 'spy.ts', segments, split, config(horizon), getBackend('plain'));
    trainer.trainEpoch();
    const T = L - 1;
    assert.deepEqual(unit.problems, []);
    assert.equal(unit.steps, split.train.length * T);
    assert.equal(unit.learns, split.train.length * (T + 1 - horizon));
    unit.steps = unit.learns = 0;
    trainer.evaluate(split.val, 'prequential');
    trainer.evaluate(split.val, 'frozen');
    assert.deepEqual(unit.problems, []);
    assert.equal(unit.steps, 2 * split.val.length * T);
    assert.equal(unit.learns, split.val.length * (T + 1 - horizon), 'prequential learns as training does; frozen does not');
  });
}

/**
 * The delta rule with momentum (as in docs/units.md), keeping the input of
 * its last `horizon` steps so each late error meets its own step's input.
 */
function momentumDelta(horizon: number): OnlineUnit {
  const D = F + 1;
  const layout = layoutParams([{ name: 'weight', shape: [F, D] }]);
  const W = new Float32Array(layout.size);
  const V = new Float32Array(layout.size);
  const kept = Array.from({ length: horizon }, () => new Float32Array(D));
  const y = new Float32Array(F);
  let steps = 0;
  return {
    kind: 'online', name: 'momentum-delta', features: F, layout, params: W,
    reset() {
      steps = 0;
    },
    step(x) {
      const phi = kept[steps++ % horizon];
      phi.set(x);
      phi[F] = 1;
      for (let o = 0; o < F; o++) {
        let s = 0;
        for (let i = 0; i < D; i++) s += W[o * D + i] * phi[i];
        y[o] = s;
      }
      return y;
    },
    learn({ error, t }) {
      const phi = kept[t % horizon];
      for (let o = 0; o < F; o++) {
        for (let i = 0; i < D; i++) {
          const k = o * D + i;
          V[k] = 0.9 * V[k] - 0.01 * error[o] * phi[i];
          W[k] += V[k];
        }
      }
    },
    saveState: () => ({ velocity: V.slice() }),
    loadState(state) {
      V.set(state.velocity);
    },
  };
}

/** Standardised-looking segments: a few sinusoids per feature, so a delta rule has something to learn. */
function smoothSegments(count: number): Segments {
  const rng = Xoshiro128.fromSeed(3, 'data');
  const data = new Float32Array(count * L * F);
  for (let n = 0; n < count; n++) {
    const phase = rng.uniform(0, 6);
    for (let t = 0; t < L; t++) for (let f = 0; f < F; f++) data[(n * L + t) * F + f] = Math.sin(0.4 * t + f + phase) + 0.05 * rng.normal();
  }
  return { data, count, length: L, features: F };
}

/** Prequential by hand: each segment of `indices` in order, predict, then learn once the target arrives; the per-batch mean of shiftedMse. */
function replay(unit: OnlineUnit, segments: Segments, indices: Int32Array, batch: number, horizon: number): number {
  const T = L - 1;
  let total = 0, batches = 0;
  for (let start = 0; start < indices.length; start += batch) {
    const B = Math.min(batch, indices.length - start);
    const out = new Float32Array(B * T * F);
    const seg = new Float32Array(B * L * F);
    for (let b = 0; b < B; b++) {
      const s = segments.data.subarray(indices[start + b] * L * F, (indices[start + b] + 1) * L * F);
      seg.set(s, b * L * F);
      unit.reset();
      for (let t = 0; t < T; t++) {
        out.set(unit.step(s.slice(t * F, (t + 1) * F)), (b * T + t) * F);
        const p = t + 1 - horizon;
        if (p < 0) continue;
        const prediction = out.slice((b * T + p) * F, (b * T + p + 1) * F);
        const target = s.slice((t + 1) * F, (t + 2) * F);
        const error = prediction.map((v, f) => v - target[f]);
        unit.learn({ input: s.slice(p * F, (p + 1) * F), prediction, target, error, t: p });
      }
      unit.endSequence?.();
    }
    total += shiftedMse(out, seg, B, T, F, horizon);
    batches++;
  }
  return total / batches;
}

test('prequential evaluation scores the predictions of a unit learning on the held-out segments, as a hand-made replay does, and puts its state back', () => {
  const horizon = 2;
  const segments = smoothSegments(8);
  const unit = momentumDelta(horizon);
  const trainer = new OnlineTrainer(unit, 'momentum-delta.ts', segments, split, config(horizon), getBackend('plain'));
  trainer.trainEpoch();
  const params = unit.params.slice();
  const velocity = unit.saveState!().velocity.slice();
  const frozen = trainer.evaluate(split.val, 'frozen');

  const prequential = trainer.evaluate(split.val, 'prequential');
  assert.deepEqual(unit.params, params, 'params are put back bit for bit');
  assert.deepEqual(unit.saveState!().velocity, velocity, 'the velocity is put back bit for bit');
  assert.equal(trainer.evaluate(split.val, 'frozen'), frozen, 'frozen evaluation is unchanged by it');

  const twin = momentumDelta(horizon);
  twin.params.set(params);
  twin.loadState!({ velocity });
  assert.equal(prequential, replay(twin, segments, split.val, config(horizon).batch, horizon));
  assert.notEqual(prequential, frozen, 'learning on the held-out segments changed the predictions');

  // Training goes on as if it had never been evaluated.
  const untouched = momentumDelta(horizon);
  const alone = new OnlineTrainer(untouched, 'momentum-delta.ts', segments, split, config(horizon), getBackend('plain'));
  alone.trainEpoch();
  alone.trainEpoch();
  trainer.trainEpoch();
  assert.deepEqual(unit.params, untouched.params);
});

test('prequential evaluation of eprop puts back its weights and Adam moments bit for bit; closed-form units are evaluated frozen', () => {
  const horizon = 2;
  const segments = smoothSegments(8);
  const be = getBackend('plain');
  const shape = { features: F, hidden: 6, steps: L - 1, horizon, lr: 1e-2, seed: 5, options: {} };
  const eprop = builtinFactory('eprop')(unitContext(shape, be)) as OnlineUnit;
  const trainer = new OnlineTrainer(eprop, 'eprop', segments, split, config(horizon), be);
  trainer.trainEpoch();
  const before = trainer.snapshot();
  const frozen = trainer.evaluate(split.val);
  const prequential = trainer.evaluate(split.val, 'prequential');
  const after = trainer.snapshot();
  assert.deepEqual(after.params, before.params);
  assert.deepEqual(after.arrays, before.arrays);
  assert.notEqual(prequential, frozen);

  const linear = builtinFactory('linear')(unitContext(shape, be)) as OnlineUnit;
  const fit = new OnlineTrainer(linear, 'linear', segments, split, config(horizon), be);
  fit.trainEpoch();
  assert.equal(fit.evaluate(split.val, 'prequential'), fit.evaluate(split.val, 'frozen'));
});

test('prequential evaluation of a learning unit without saveState is refused with a UsageError naming it', () => {
  const unit = momentumDelta(1);
  delete (unit as { saveState?: unknown }).saveState;
  const trainer = new OnlineTrainer(unit, 'forgetful.ts', smoothSegments(8), split, config(1), getBackend('plain'));
  assert.throws(() => trainer.checkProtocol('prequential'), (e: unknown) => e instanceof UsageError && e.exitCode === 2 && /unit forgetful\.ts: prequential evaluation .*saveState\(\) and loadState\(\)/.test(e.message));
  assert.throws(() => trainer.evaluate(split.val, 'prequential'), UsageError);
  trainer.checkProtocol('frozen');
});
