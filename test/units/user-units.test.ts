/**
 * User units through the CLI: the worked example trains, a user backprop unit
 * trains on worker threads, and every way of writing a broken unit is a
 * one-line error naming the unit and what it did wrong, with exit code 2.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeWav16 } from '../../src/formats/wav.js';
import { assertCleanError, runCli } from '../helpers/cli.js';
import { testSignal } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-units-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const RATE = 16000;
const audio = join(dir, 'tone.wav');
writeFileSync(audio, encodeWav16([testSignal(12, RATE)], RATE));
const quick = [audio, '--segment', '100', '--hidden', '8', '--epochs', '2'];

export const EXAMPLE_UNIT = fileURLToPath(new URL('../../../examples/units/delta-rule.ts', import.meta.url));

function unitFile(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

/** A valid online unit (predicts persistence, learns nothing), with `patch` spliced into its object. */
function onlineUnit(patch = '', body = 'return x;'): string {
  return `
    export default function (ctx: any) {
      return {
        kind: 'online', name: 'probe', features: ctx.features,
        layout: { entries: [], size: 0 }, params: new Float32Array(0),
        reset() {}, step(x: Float32Array) { ${body} }, learn() {},
        ${patch}
      };
    }`;
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('the worked example unit trains from the command line and beats predicting zero', () => {
  const r = runCli(['train', ...quick, '--model', EXAMPLE_UNIT, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  const done = lines.at(-1)!;
  assert.equal(done.done, true);
  assert.ok((done.final_val_loss as number) < 0.9, `val loss ${done.final_val_loss}`);
  const cost = done.cost as Record<string, number>;
  assert.equal(cost.params, 12 * (12 * 5 + 1));
  assert.ok(cost.macs_per_frame > 0);
});

test('a user unit in JavaScript that imports audiopred and its own helper module loads', () => {
  unitFile('helper.mjs', 'export const copy = (x) => Float32Array.from(x);\n');
  const path = unitFile(
    'persist.mjs',
    `import { layoutParams } from 'audiopred';
     import { copy } from './helper.mjs';
     export function createUnit(ctx) {
       return { kind: 'online', name: 'persist', features: ctx.features, layout: layoutParams([]), params: new Float32Array(0),
                reset() {}, step: (x) => copy(x), learn() {} };
     }`,
  );
  const r = runCli(['train', ...quick, '--model', path, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const persistence = runCli(['train', ...quick, '--model', 'persistence', '--json']);
  // The same predictions scored by the same loss; only the summation order differs (threads).
  const ours = jsonLines(r.stdout).at(-1)!.final_val_loss as number;
  const builtin = jsonLines(persistence.stdout).at(-1)!.final_val_loss as number;
  assert.ok(Math.abs(ours - builtin) <= 1e-12 * builtin, `${ours} vs ${builtin}`);
});

test('a user backprop unit trains on worker threads, identically to one thread', () => {
  // A per-frame linear map y = W x + b with its hand-written backward.
  const path = unitFile(
    'linear-map.ts',
    `import { layoutParams, type SequenceModel, type UnitContext } from 'audiopred';
     type Cache = { x: Float32Array };
     export default function (ctx: UnitContext): SequenceModel<Cache> {
       const F = ctx.features;
       const layout = layoutParams([{ name: 'weight', shape: [F, F] }, { name: 'bias', shape: [F] }]);
       return {
         kind: 'backprop', name: 'linear-map', features: F, layout,
         init(p, rng) { for (let i = 0; i < F * F; i++) p[i] = rng.uniform(-0.1, 0.1); },
         createCache: () => ({ x: new Float32Array(0) }),
         forward(out, cache, x, p, B, T) {
           cache.x = x; // backward needs the input; x stays valid until the next batch
           for (let n = 0; n < B * T; n++) for (let o = 0; o < F; o++) {
             let s = p[F * F + o];
             for (let i = 0; i < F; i++) s += p[o * F + i] * x[n * F + i];
             out[n * F + o] = s;
           }
         },
         backward(g, dout, cache, _p, B, T) {
           for (let n = 0; n < B * T; n++) for (let o = 0; o < F; o++) {
             const d = dout[n * F + o];
             g[F * F + o] += d;
             for (let i = 0; i < F; i++) g[o * F + i] += d * cache.x[n * F + i];
           }
         },
       };
     }`,
  );
  const one = runCli(['train', ...quick, '--model', path, '--threads', '1', '--json']);
  const two = runCli(['train', ...quick, '--model', path, '--threads', '2', '--json']);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(two.code, 0, two.stderr);
  const loss = (s: string) => jsonLines(s).at(-1)!.final_val_loss as number;
  assert.ok(Math.abs(loss(one.stdout) - loss(two.stdout)) < 1e-5, `${loss(one.stdout)} vs ${loss(two.stdout)}`);
  assert.equal(jsonLines(two.stdout)[0].threads, 2);
});

test('a broken unit is a one-line error naming the unit and what it did wrong', () => {
  const cases: [string, string, RegExp][] = [
    ['syntax.ts', 'export default function (ctx) { return { kind: ', /syntax\.ts does not compile: .*syntax\.ts:1:/],
    ['nofactory.ts', 'export const x = 1;', /nofactory\.ts exports no factory/],
    ['throws-on-load.ts', 'throw new Error("boom at load");', /throws-on-load\.ts failed to load: boom at load/],
    ['factory-throws.ts', 'export default () => { throw new Error("no weights"); };', /factory-throws\.ts: its factory threw: no weights/],
    ['returns-nothing.ts', 'export default () => undefined;', /returns-nothing\.ts: its factory returned undefined/],
    ['kind.ts', onlineUnit().replace("kind: 'online'", "kind: 'hebbian'"), /kind\.ts: kind must be 'backprop' or 'online'/],
    ['no-learn.ts', onlineUnit().replace('learn() {},', ''), /no-learn\.ts: an online unit needs method learn/],
    ['features.ts', onlineUnit().replace('features: ctx.features', 'features: 3'), /features\.ts: features is 3, but the data has 12/],
    ['short.ts', onlineUnit('', 'return x.subarray(0, 5);'), /short\.ts: step\(\) returned 5 values; it must return F = 12/],
    ['nan.ts', onlineUnit('', 'return new Float32Array(12).fill(NaN);'), /nan\.ts: step\(\) returned NaN at feature 0, step 0/],
    ['number.ts', onlineUnit('', 'return 0;'), /number\.ts: step\(\) must return the F = 12 predicted values/],
    ['bad-passes.ts', onlineUnit('passes: 0,'), /bad-passes\.ts: passes must be an integer ≥ 1/],
    [
      'unwritten.ts',
      `export default (ctx: any) => ({ kind: 'backprop', name: 'u', features: ctx.features, layout: { entries: [], size: 0 },
         init() {}, createCache: () => null, forward(out: Float32Array) { out[0] = 1; }, backward() {} });`,
      /unwritten\.ts: forward left out\[1\] = NaN .*must write every/,
    ],
  ];
  for (const [name, source, pattern] of cases) {
    assertCleanError(runCli(['train', ...quick, '--model', unitFile(name, source)]), pattern);
  }
});

test('a unit that goes NaN while learning stops with exit code 3 and names the unit, epoch and step', () => {
  const path = unitFile(
    'diverges.ts',
    onlineUnit('', 'return seen > 500 ? x.map(() => NaN) : x;').replace('learn() {},', 'learn() { seen++; },').replace('export default', 'let seen = 0;\nexport default'),
  );
  assertCleanError(runCli(['train', ...quick, '--model', path]), /diverges\.ts predicted NaN \(epoch \d, segment \d+, step \d+, .*lower --lr/, 3);
});

test('unit paths and options that cannot work are one-line errors', () => {
  assertCleanError(runCli(['train', ...quick, '--model', join(dir, 'missing.ts')]), /missing\.ts: no such file/);
  assertCleanError(runCli(['train', ...quick, '--model', dir + '/']), /is not a file/);
  assertCleanError(runCli(['train', ...quick, '--model', unitFile('unit.py', 'x = 1')]), /unit\.py: a unit is a \.ts, \.mts, \.js, \.mjs module/);
  assertCleanError(runCli(['train', ...quick, '--model', EXAMPLE_UNIT, '--opt', 'rate=-1']), /delta-rule: option rate must be a number > 0/);
  assertCleanError(runCli(['train', ...quick, '--model', EXAMPLE_UNIT, '--opt', 'rat=1']), /unit delta-rule has no option 'rat'; its options: rate/);
  assertCleanError(runCli(['train', ...quick, '--opt', 'novalue']), /--opt takes key=value/);
});
