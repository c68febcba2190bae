/**
 * A unit that throws during training (after the probe passed) stops it with
 * one line naming the unit, the method, the epoch, the segment(s) and step,
 * and the line of the user's own file that threw, with exit code 3: online
 * units in learn(), backprop units in backward() on one thread, on two, and
 * in a worker thread only. The library throws the same UsageError.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitSegments, type Segments } from '../../src/data/dataset.js';
import { Xoshiro128 } from '../../src/data/rng.js';
import { UsageError } from '../../src/errors.js';
import { encodeWav16 } from '../../src/formats/wav.js';
import { wasmSupport } from '../../src/kernels/index.js';
import { builtinFactory } from '../../src/models/registry.js';
import type { SequenceModel } from '../../src/models/model.js';
import { resolveConfig } from '../../src/config/settings.js';
import { createLearner } from '../../src/runs/learner.js';
import { assertCleanError, runCli } from '../helpers/cli.js';
import { testSignal } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-throws-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const RATE = 16000;
const audio = join(dir, 'tone.wav');
writeFileSync(audio, encodeWav16([testSignal(12, RATE)], RATE));
// 3 batches of 4 segments per training epoch.
const quick = [audio, '--segment', '100', '--hidden', '8', '--epochs', '3', '--batch', '4'];
const hasWasm = wasmSupport().ok;

/** Writes a unit file; returns its path and the 1-based line of its `throw`. */
function unitFile(name: string, source: string): { path: string; line: number } {
  const path = join(dir, name);
  writeFileSync(path, source);
  const line = source.split('\n').findIndex((l) => l.includes('throw new Error')) + 1;
  assert.ok(line > 0);
  return { path, line };
}

/**
 * An online unit (persistence) whose learn() throws at the 3rd training
 * segment of the 2nd pass, step 7. Typed TypeScript, so the bundle's lines
 * and columns differ from the source's.
 */
const ONLINE = `import type { LearnSignal, OnlineUnit, UnitContext } from 'audiopred';

interface Counts { pass: number; sequence: number }

export default function createThrower(ctx: UnitContext): OnlineUnit {
  const counts: Counts = { pass: 0, sequence: 0 };
  return {
    kind: 'online', name: 'thrower', features: ctx.features,
    layout: { entries: [], size: 0 }, params: new Float32Array(0),
    reset(): void {},
    step: (x: Float32Array): Float32Array => x,
    learn(signal: LearnSignal): void {
      if (counts.pass === 1 && counts.sequence === 2 && signal.t === 7) {
        throw new Error('learn gave up');
      }
    },
    endSequence(): void { counts.sequence++; },
    endPass(): void { counts.pass++; counts.sequence = 0; },
  };
}
`;

/**
 * A per-frame linear map (a backprop unit) whose backward throws at its 5th
 * call on each copy (epoch 2, batch 2), on every thread or, with
 * `workerOnly`, on worker threads only.
 */
function backpropUnit(workerOnly: boolean): string {
  return `import { layoutParams, type SequenceModel, type UnitContext } from 'audiopred';
import { isMainThread } from 'node:worker_threads';

type Cache = { x: Float32Array };

export default function (ctx: UnitContext): SequenceModel<Cache> {
  const F = ctx.features;
  const layout = layoutParams([{ name: 'weight', shape: [F, F] }]);
  let calls = 0;
  return {
    kind: 'backprop', name: 'linear-map', features: F, layout,
    init(p, rng) { for (let i = 0; i < F * F; i++) p[i] = rng.uniform(-0.1, 0.1); },
    createCache: () => ({ x: new Float32Array(0) }),
    forward(out, cache, x, p, B, T) {
      cache.x = x;
      for (let n = 0; n < B * T; n++) for (let o = 0; o < F; o++) {
        let s = 0;
        for (let i = 0; i < F; i++) s += p[o * F + i] * x[n * F + i];
        out[n * F + o] = s;
      }
    },
    backward(g, dout, cache, _p, B, T) {
      calls++;
      if (calls === 5 && ${workerOnly ? '!isMainThread' : 'true'}) throw new Error('backward gave up');
      for (let n = 0; n < B * T; n++) for (let o = 0; o < F; o++) {
        for (let i = 0; i < F; i++) g[o * F + i] += dout[n * F + o] * cache.x[n * F + i];
      }
    },
  };
}
`;
}

test('an online unit that throws in learn() is one line naming learn, epoch 2, the segment, step 7 and its own line', () => {
  const { path, line } = unitFile('online-thrower.ts', ONLINE);
  const r = runCli(['train', ...quick, '--model', path]);
  assertCleanError(
    r,
    new RegExp(`unit online-thrower\\.ts threw in learn\\(\\) \\(epoch 2, segment \\d+, step 7, training\\): learn gave up \\(\\S*online-thrower\\.ts:${line}:\\d+\\)`),
    3,
  );
});

for (const threads of hasWasm ? [1, 2] : [1]) {
  test(`a backprop unit that throws in backward() on ${threads} thread${threads > 1 ? 's' : ''} is one line naming backward, epoch 2, its segments and its own line`, () => {
    const { path, line } = unitFile(`backprop-thrower-${threads}.ts`, backpropUnit(false));
    const r = runCli(['train', ...quick, '--model', path, '--threads', String(threads)]);
    assertCleanError(
      r,
      new RegExp(`unit backprop-thrower-${threads}\\.ts threw in backward\\(\\) \\(epoch 2, batch 2, segments? [\\d, ]+, training\\): backward gave up \\(\\S*backprop-thrower-${threads}\\.ts:${line}:\\d+\\)`),
      3,
    );
    // One thread's call had all 4 rows of the batch; with two, the calling thread's part had 2.
    const segments = /segments? ([\d, ]+),/.exec(r.stderr)![1].split(', ');
    assert.equal(segments.length, 4 / threads, r.stderr);
  });
}

test('a backprop unit that throws in a worker thread only reports that thread\'s segments, at its own line', { skip: !hasWasm && 'needs wasm threads' }, () => {
  const { path, line } = unitFile('worker-thrower.ts', backpropUnit(true));
  const r = runCli(['train', ...quick, '--model', path, '--threads', '2']);
  assertCleanError(
    r,
    new RegExp(`unit worker-thrower\\.ts threw in backward\\(\\) \\(epoch 2, batch 2, segments \\d+, \\d+, training\\): backward gave up \\(\\S*worker-thrower\\.ts:${line}:\\d+\\)`),
    3,
  );
});

/** 14 segments of 40 frames of a noisy 12-dimensional signal. */
function syntheticSegments(): Segments {
  const N = 14, L = 40, F = 12;
  const rng = Xoshiro128.fromSeed(9, 'data');
  const data = new Float32Array(N * L * F);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(0.3 * i) + 0.1 * rng.normal();
  return { data, count: N, length: L, features: F };
}

async function stepUntilThrow(config: ReturnType<typeof resolveConfig>, source?: Parameters<typeof createLearner>[3]): Promise<unknown> {
  const segments = syntheticSegments();
  const split = splitSegments(segments.count, Xoshiro128.fromSeed(config.seed, 'split'), 'synthetic');
  const trainer = await createLearner(segments, split, config, source);
  try {
    for (let e = 0; e < 3; e++) trainer.step();
  } catch (err) {
    return err;
  } finally {
    await trainer.close(); // the pool closes after a failure: no hang, no threads left
  }
  assert.fail('training did not throw');
}

test('through the library, trainer.step() throws a UsageError with exit code 3, and the trainer closes', async () => {
  const online = unitFile('lib-online.ts', ONLINE);
  const backprop = unitFile('lib-backprop.ts', backpropUnit(false));
  const cases: [string, number, RegExp][] = [
    [online.path, 1, new RegExp(`lib-online\\.ts threw in learn\\(\\) \\(epoch 2, .*lib-online\\.ts:${online.line}:`)],
    [backprop.path, hasWasm ? 2 : 1, new RegExp(`lib-backprop\\.ts threw in backward\\(\\) \\(epoch \\d, batch \\d, .*lib-backprop\\.ts:${backprop.line}:`)],
  ];
  for (const [model, threads, pattern] of cases) {
    const err = await stepUntilThrow(resolveConfig({ model, hidden: 8, batch: 4, segment: 40, seed: 3, threads }));
    assert.ok(err instanceof UsageError, String(err));
    assert.equal(err.exitCode, 3);
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /\n/);
  }
});

test('a built-in unit that throws is reported as an internal error, in one line with exit code 3', async () => {
  const source = {
    spec: 'rnn',
    label: 'rnn',
    key: 'rnn',
    factory: (ctx: Parameters<ReturnType<typeof builtinFactory>>[0]) => {
      const unit = builtinFactory('rnn')(ctx) as SequenceModel;
      unit.backward = () => {
        throw new Error('index out of range');
      };
      return unit;
    },
  };
  const err = await stepUntilThrow(resolveConfig({ model: 'rnn', hidden: 8, batch: 4, segment: 40, seed: 3, threads: 1 }), source);
  assert.ok(err instanceof UsageError, String(err));
  assert.equal(err.exitCode, 3);
  assert.match(err.message, /^internal error: built-in unit rnn threw in backward\(\) \(epoch 1, batch 1, segments [\d, ]+, training\): index out of range; this is a bug in audiopred/);
  assert.doesNotMatch(err.message, /\n/);
});
