import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/config/settings.js';
import { Xoshiro128 } from '../../src/data/rng.js';
import { readOptions } from '../../src/models/options.js';
import { BUILTIN_INFO, modelNames } from '../../src/models/registry.js';
import { BACKPROP_SPACE, checkSearchSpace, ONLINE_SPACE, type SearchSpace } from '../../src/models/search.js';
import { withTuned } from '../../src/compare/tuned.js';
import { drawParam, isEmptySpace, sampleTrial, spaceOf, withoutFixed } from '../../src/tune/space.js';
import { resolveUnit } from '../../src/units/load.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-space-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SPACE: SearchSpace = {
  lr: { log: [1e-4, 1e-1] },
  hidden: { choice: [32, 64, 128] },
  batch: { int: [2, 5] },
  options: { leak: { uniform: [0.05, 1] } },
};

test("trial i's config depends only on the study seed, the unit and i", () => {
  assert.deepEqual(sampleTrial(SPACE, 7, 'rnn', 3), sampleTrial(SPACE, 7, 'rnn', 3));
  const trials = Array.from({ length: 8 }, (_, i) => JSON.stringify(sampleTrial(SPACE, 7, 'rnn', i)));
  assert.equal(new Set(trials).size, 8, 'trials differ');
  assert.notDeepEqual(sampleTrial(SPACE, 7, 'gru', 3), sampleTrial(SPACE, 7, 'rnn', 3));
  assert.notDeepEqual(sampleTrial(SPACE, 8, 'rnn', 3), sampleTrial(SPACE, 7, 'rnn', 3));
  assert.deepEqual(Object.keys(sampleTrial(SPACE, 7, 'rnn', 0)), ['lr', 'hidden', 'batch', 'options']);
});

test('draws stay within their bounds and every choice and integer is reached', () => {
  const rng = Xoshiro128.fromSeed(1, 'space test');
  const ints = new Set<number>();
  const choices = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const lr = drawParam({ log: [1e-4, 3e-2] }, rng);
    assert.ok(lr >= 1e-4 && lr <= 3e-2, `lr ${lr}`);
    const leak = drawParam({ uniform: [0.05, 1] }, rng);
    assert.ok(leak >= 0.05 && leak <= 1, `leak ${leak}`);
    ints.add(drawParam({ int: [2, 5] }, rng));
    choices.add(drawParam({ choice: [0, 1e-4, 1e-2] }, rng));
  }
  assert.deepEqual([...ints].sort(), [2, 3, 4, 5]);
  assert.deepEqual([...choices].sort(), [0, 1e-4, 1e-2]);
});

test('log-uniform draws spread evenly over the decades (uniform ones would crowd the top)', () => {
  const rng = Xoshiro128.fromSeed(2, 'space test');
  const decades = [0, 0, 0];
  const n = 3000;
  for (let i = 0; i < n; i++) decades[Math.min(2, Math.floor(Math.log10(drawParam({ log: [1e-4, 1e-1] }, rng)) + 4))]++;
  for (const count of decades) assert.ok(Math.abs(count / n - 1 / 3) < 0.04, `decade shares ${decades.map((c) => (c / n).toFixed(3))}`);
});

test("every built-in's space is valid, samples configs its settings and options accept, and the baselines have none", () => {
  for (const name of modelNames) {
    const info = BUILTIN_INFO[name];
    checkSearchSpace(name, info.search);
    if (name === 'zero' || name === 'persistence') {
      assert.ok(isEmptySpace(info.search), name);
      continue;
    }
    assert.ok(!isEmptySpace(info.search), name);
    for (let trial = 0; trial < 20; trial++) {
      const tuned = sampleTrial(info.search, 1, name, trial);
      const config = withTuned({ ...DEFAULT_CONFIG, model: name }, tuned);
      resolveConfig(config); // e.g. a transformer width that is not a multiple of its heads would throw
      readOptions(name, config.options, info.options ?? {});
    }
  }
  assert.ok(BUILTIN_INFO.transformer.search.hidden && 'choice' in BUILTIN_INFO.transformer.search.hidden);
});

test('a unit without a space gets the default of its kind; what the user fixed is not searched', () => {
  assert.equal(spaceOf(undefined, 'backprop'), BACKPROP_SPACE);
  assert.equal(spaceOf(undefined, 'online'), ONLINE_SPACE);
  assert.equal(spaceOf({}, 'backprop').lr, undefined, 'a declared empty space stays empty');
  assert.deepEqual(withoutFixed(SPACE, ['hidden'], ['leak']), { lr: SPACE.lr, batch: SPACE.batch });
  assert.ok(isEmptySpace(withoutFixed({ lr: SPACE.lr, options: { leak: SPACE.options!.leak } }, ['lr'], ['leak'])));
});

const unitModule = (search: string) => `
  ${search}
  export default function (ctx: any) {
    return {
      kind: 'online', name: 'probe', features: ctx.features, layout: { entries: [], size: 0 }, params: new Float32Array(0),
      reset() {}, step(x: Float32Array) { return x; }, learn() {},
    };
  }`;

test('a user unit declares its space by exporting search beside its factory; a bad one is a clear error', async () => {
  const declared = join(dir, 'declared.ts');
  writeFileSync(declared, unitModule("export const search = { lr: { log: [1e-3, 1e-2] }, options: { gain: { choice: [1, 2] } } };"));
  const source = await resolveUnit(declared);
  assert.deepEqual(source.search, { lr: { log: [1e-3, 1e-2] }, options: { gain: { choice: [1, 2] } } });
  const tuned = sampleTrial(spaceOf(source.search, 'online'), 1, source.key, 0);
  assert.ok(tuned.lr! >= 1e-3 && tuned.lr! <= 1e-2 && [1, 2].includes(tuned.options!.gain));

  const silent = join(dir, 'silent.ts');
  writeFileSync(silent, unitModule(''));
  assert.equal((await resolveUnit(silent)).search, undefined);

  const bad = async (name: string, search: string, message: RegExp) => {
    const path = join(dir, name);
    writeFileSync(path, unitModule(`export const search = ${search};`));
    await assert.rejects(resolveUnit(path), message);
  };
  await bad('backwards.ts', '{ lr: { log: [1e-2, 1e-3] } }', /unit .*backwards\.ts: search\.lr must be one of \{ log: \[lo, hi\] \}/);
  await bad('zero-log.ts', '{ lr: { log: [0, 1e-3] } }', /search\.lr must be/);
  await bad('unknown.ts', '{ epochs: { int: [1, 9] } }', /search\.epochs is not a setting tune varies; use lr, hidden, weightDecay, batch or options/);
  await bad('fraction.ts', '{ hidden: { uniform: [8, 64] } }', /search\.hidden is a count/);
  await bad('option.ts', "{ options: { gain: { choice: [] } } }", /search\.options\.gain must be/);
});
