/**
 * The causality probe (src/units/causality.ts): every built-in backprop unit
 * passes it on both backends; units that read the future, however subtly, are
 * refused with one line naming the earliest step that moved, from the library
 * and from `audiopred train` and `compare`, with exit code 2.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Xoshiro128 } from '../../src/data/rng.js';
import { UsageError } from '../../src/errors.js';
import { encodeWav16 } from '../../src/formats/wav.js';
import { getBackend, wasmSupport } from '../../src/kernels/index.js';
import type { Backend } from '../../src/kernels/backend.js';
import type { SequenceModel } from '../../src/models/model.js';
import { layoutParams } from '../../src/models/params.js';
import { builtinFactory, modelNames } from '../../src/models/registry.js';
import { unitContext } from '../../src/models/unit.js';
import { causalityCuts, checkCausality } from '../../src/units/causality.js';
import { assertCleanError, runCli } from '../helpers/cli.js';
import { testSignal } from '../helpers/wav.js';
import { shiftUnit } from '../helpers/units.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-causality-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const hasWasm = wasmSupport().ok;
const backends = hasWasm ? (['plain', 'wasm'] as const) : (['plain'] as const);
const F = 12;

/** Runs the probe on `unit` over T steps; returns the UsageError's message, or undefined if it passed. */
function probe(unit: SequenceModel, T: number, be: Backend = getBackend('plain')): string | undefined {
  try {
    const params = be.alloc(unit.layout.size);
    unit.init(params, Xoshiro128.fromSeed(1, 'init'));
    checkCausality(unit, 'unit.ts', be, T, params, 1);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof UsageError, `not a UsageError: ${String(err)}`);
    assert.equal(err.exitCode, 2);
    assert.doesNotMatch(err.message, /\n/);
    return err.message;
  }
}

/** A parameterless backprop unit whose forward writes out[b, t, f] = read(x, b, t, f, T). */
function mapUnit(read: (x: Float32Array, b: number, t: number, f: number, T: number) => number): SequenceModel {
  return {
    kind: 'backprop',
    name: 'map',
    layout: layoutParams([]),
    features: F,
    init() {},
    createCache: () => null,
    forward(out, _cache, x, _params, B, T) {
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let f = 0; f < F; f++) out[(b * T + t) * F + f] = read(x, b, t, f, T);
    },
    backward() {},
  };
}

const at = (x: Float32Array, b: number, t: number, f: number, T: number) => x[(b * T + Math.min(t, T - 1)) * F + f];

test('the cut points are 0, 1, ⌊T/3⌋, ⌊2T/3⌋ and T − 2, without repeats or cuts that change nothing', () => {
  assert.deepEqual(causalityCuts(499), [0, 1, 166, 332, 497]);
  assert.deepEqual(causalityCuts(4), [0, 1, 2]);
  assert.deepEqual(causalityCuts(2), [0]);
  assert.deepEqual(causalityCuts(1), []);
});

for (const backend of backends) {
  test(`every built-in backprop unit passes the probe on the ${backend} backend, at defaults and at awkward sizes`, (t) => {
    const be = getBackend(backend);
    const sizes = backend === 'wasm' ? [{ hidden: 128, steps: 499 }, { hidden: 20, steps: 61 }] : [{ hidden: 20, steps: 61 }];
    for (const { hidden, steps } of sizes) {
      for (const name of modelNames) {
        const shape = { features: F, hidden, steps, horizon: 2, lr: 1e-3, seed: 7, options: {} };
        const unit = builtinFactory(name)(unitContext(shape, be));
        if (unit.kind !== 'backprop') continue;
        const started = performance.now();
        assert.equal(probe(unit, steps, be), undefined, `${name}, hidden ${hidden}, T ${steps}`);
        t.diagnostic(`${name} (${backend}, hidden ${hidden}, T ${steps}): ${(performance.now() - started).toFixed(1)} ms`);
      }
    }
  });
}

test('a unit that outputs x[t + 2] is refused, naming step 0 and the latest cut that moved it', () => {
  const message = probe(mapUnit((x, b, t, f, T) => at(x, b, t + 2, f, T)), 60);
  assert.equal(
    message,
    'unit unit.ts reads the future: its output at step 0 changed when only inputs after step 1 changed; ' +
      'the output at step t may depend on x_0…x_t only (docs/units.md#causality)',
  );
});

test('subtle leaks are caught: the second row only, late in the sequence only, a window in the middle, and the sign of a zero', () => {
  const T = 60;
  // out[1, t] reads x[1, t + 1]; the first row is causal.
  assert.match(probe(mapUnit((x, b, t, f, T) => at(x, b, b === 1 ? t + 1 : t, f, T)), T)!, /output at step 0 changed when only inputs after step 0 changed/);
  // Only after step 50 (past the last third): found by the cut at T − 2 = 58.
  assert.match(probe(mapUnit((x, b, t, f, T) => at(x, b, t > 50 ? t + 1 : t, f, T)), T)!, /output at step 58 changed when only inputs after step 58 changed/);
  // Only for steps 15 … 25, three ahead: found by the cut at ⌊T/3⌋ = 20, first at step 18 (reading 21).
  assert.match(probe(mapUnit((x, b, t, f, T) => at(x, b, t >= 15 && t <= 25 ? t + 3 : t, f, T)), T)!, /output at step 18 changed when only inputs after step 20 changed/);
  // 0 · x[t + 1] is +0 or −0 by the sign of the future frame: equal as numbers, not as bits.
  assert.match(probe(mapUnit((x, b, t, f, T) => 0 * at(x, b, t + 1, f, T)), T)!, /output at step 0 changed when only inputs after step 0 changed/);
  // Causal units pass: the current frame, a running mean, and a NaN that does not depend on the future.
  assert.equal(probe(mapUnit((x, b, t, f, T) => at(x, b, t, f, T)), T), undefined);
  assert.equal(probe(mapUnit((x, b, t, f, T) => { let s = 0; for (let u = 0; u <= t; u++) s += at(x, b, u, f, T); return s / (t + 1); }), T), undefined);
  assert.equal(probe(mapUnit((x, b, t, f, T) => (t === 3 ? NaN : at(x, b, t, f, T))), T), undefined);
});

test('a forward that is not repeatable is refused as such, and one that throws is a one-line unitThrew error', () => {
  let calls = 0;
  const drifting = mapUnit((x, b, t, f, T) => at(x, b, t, f, T) + calls);
  const forward = drifting.forward.bind(drifting);
  drifting.forward = (...args) => { calls++; forward(...args); };
  assert.match(probe(drifting, 30)!, /^unit unit\.ts: forward is not repeatable: two calls on the same input gave different outputs at step 0/);

  const throwing = mapUnit(() => { throw new Error('no frames today'); });
  assert.equal(probe(throwing, 30), 'unit unit.ts threw in forward() (causality probe, before training): no frames today');
});

// ---------------------------------------------------------------------------
// Through the command line

const RATE = 16000;
const audio = join(dir, 'tone.wav');
writeFileSync(audio, encodeWav16([testSignal(12, RATE)], RATE));

test('audiopred train refuses a unit that reads x[t + 2] before training: exit 2, one line naming the step', () => {
  writeFileSync(join(dir, 'peek.ts'), shiftUnit(2));
  const r = runCli(['train', '--model', './peek.ts', '--epochs', '1'], dir);
  assertCleanError(r, /^audiopred: unit peek\.ts reads the future: its output at step 0 changed when only inputs after step 1 changed; .*docs\/units\.md#causality/);
});

test('audiopred train accepts a causal user unit, and compare refuses a peeking one in its check before any run', () => {
  writeFileSync(join(dir, 'now.ts'), shiftUnit(0));
  const ok = runCli(['train', audio, '--segment', '100', '--epochs', '1', '--model', './now.ts', '--json', '--out', join(dir, 'run-now')], dir);
  assert.equal(ok.code, 0, ok.stderr);
  writeFileSync(join(dir, 'ahead.ts'), shiftUnit(1));
  const r = runCli(['compare', audio, '--segment', '100', '--epochs', '1', '--seeds', '1', '--models', 'persistence,./ahead.ts', '-o', join(dir, 'study')], dir);
  assertCleanError(r, /unit ahead\.ts reads the future: its output at step 0 changed when only inputs after step 0 changed/);
});
