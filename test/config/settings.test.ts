/**
 * The one settings table: every setting has its flag in --help, the defaults are the original
 * script's, resolution refuses unknown keys and bad values by flag, the JSON form round-trips
 * (and reads the camelCase of older run folders), and the argv form round-trips through the CLI.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  configFromJson,
  configToArgs,
  configToJson,
  DEFAULT_CONFIG,
  resolveConfig,
  SETTING_KEYS,
  SETTINGS,
  type SettingKey,
  type TrainConfig,
} from '../../src/config/settings.js';
import { UsageError } from '../../src/errors.js';
import { encodeWav16 } from '../../src/formats/wav.js';
import { runCli } from '../helpers/cli.js';
import { testSignal } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `flag` as a whole option name in help text (so --seed does not match --seeds, nor --model --models). */
const flagIn = (help: string, flag: string) => new RegExp(`(^|[\\s,])${flag}(?![\\w-])`, 'm').test(help);

test('every setting has its flag in `train --help`, and those a study shares in `compare --help`', () => {
  const train = runCli(['train', '--help']);
  const compare = runCli(['compare', '--help']);
  assert.equal(train.code, 0, train.stderr);
  assert.equal(compare.code, 0, compare.stderr);
  assert.equal(SETTING_KEYS.length, 17);
  for (const key of SETTING_KEYS) {
    const { flag, scope } = SETTINGS[key];
    assert.ok(flagIn(train.stdout, flag), `${key}: ${flag} is missing from train --help`);
    assert.equal(flagIn(compare.stdout, flag), scope === 'run', `${key}: ${flag} ${scope === 'run' ? 'is missing from' : 'should not be in'} compare --help`);
    for (const alias of SETTINGS[key].aliases ?? []) assert.ok(!flagIn(train.stdout, alias), `${alias} is hidden`);
  }
});

test('the defaults are the original script\'s', () => {
  assert.deepEqual({ ...DEFAULT_CONFIG }, {
    epochs: 1000,
    lr: 1e-3,
    weightDecay: 0.01,
    hidden: 128,
    batch: 16,
    segment: 500,
    seed: 12345,
    split: [0.75, 0.25, 0],
    splitSeed: null,
    eval: 'frozen',
    model: 'rnn',
    options: {},
    horizon: 2,
    normalize: 'frame',
    threads: 0,
    backend: 'auto',
    task: 'audio',
  } satisfies TrainConfig);
  assert.deepEqual(resolveConfig(), { ...DEFAULT_CONFIG });
  assert.ok(Object.isFrozen(DEFAULT_CONFIG));
});

test("a task's own defaults stand where nothing is given, and what is given wins", () => {
  assert.deepEqual([resolveConfig({ task: 'series' }).normalize, resolveConfig({ task: 'series' }).horizon], ['coefficient', 1]);
  assert.deepEqual([resolveConfig({ task: 'series', horizon: 3 }).horizon, resolveConfig({ task: 'series', normalize: 'none' }).normalize], [3, 'none']);
  assert.deepEqual([resolveConfig({ task: 'audio' }).normalize, resolveConfig({ task: 'audio' }).horizon], ['frame', 2]);
});

/** A UsageError with exit code 2 whose message matches `pattern`. */
function refused(overrides: Partial<Record<SettingKey, unknown>>, pattern: RegExp): void {
  assert.throws(
    () => resolveConfig(overrides),
    (err: unknown) => {
      assert.ok(err instanceof UsageError, `${JSON.stringify(overrides)}: ${String(err)}`);
      assert.equal(err.exitCode, 2);
      assert.match(err.message, pattern);
      return true;
    },
    JSON.stringify(overrides),
  );
}

test('resolveConfig refuses unknown keys and bad values, naming the flag', () => {
  refused({ learningRate: 0.1 } as Partial<Record<SettingKey, unknown>>, /unknown setting 'learningRate'/);
  refused({ weight_decay: 0.1 } as Partial<Record<SettingKey, unknown>>, /unknown setting 'weight_decay'/);
  const bad: { [K in SettingKey]: unknown[] } = {
    epochs: [0, '1.5', 'x', ''],
    lr: [0, -1, 'abc', Infinity],
    weightDecay: [-0.1, 'x'],
    hidden: [0, 2.5],
    batch: [0, '-3'],
    segment: [1, 'many'],
    seed: [-1, 0.5],
    split: ['0.5', '0.5,0.3,0.3', '0.8,0.2,0.1,0', '0,1', '0.75,0', '0.8,-0.1,0.3', 'a,b', '0.75,,0.25', [0.5, 0.5, 0.5]],
    splitSeed: [-1, 2.5, 'x'],
    eval: ['online', 'Frozen'],
    model: ['cnn'],
    options: ['leak', 'leak=', ['x=1', '=2']],
    horizon: [0],
    normalize: ['bogus', 'Frame'],
    threads: [-1, 1.5],
    backend: ['gpu'],
    task: ['mfcc', 'Audio'],
  };
  for (const key of SETTING_KEYS) {
    for (const value of bad[key]) refused({ [key]: value }, new RegExp(`${SETTINGS[key].flag}\\b`));
  }
  // Rules between settings name the flags too.
  refused({ segment: 10, horizon: 10 }, /--horizon 10 .* --horizon ≤ 9/);
  refused({ model: 'transformer', hidden: 10 }, /--hidden 10/);
  refused({ backend: 'plain', threads: 2 }, /--threads > 1 needs the wasm backend/);
  // The same values as strings (the command line) and as typed values (the library) are accepted alike.
  assert.deepEqual(resolveConfig({ epochs: '7', lr: '0.5', normalize: 'none' }), resolveConfig({ epochs: 7, lr: 0.5, normalize: 'none' }));
});

/** Every setting away from its default, unit options included. */
const CUSTOM: TrainConfig = resolveConfig({
  epochs: 1,
  lr: 0.005,
  weightDecay: 0.02,
  hidden: 8,
  batch: 4,
  segment: 100,
  seed: 7,
  split: [0.5, 0.25, 0.25],
  splitSeed: 3,
  eval: 'prequential',
  model: 'linear',
  options: { order: '4', ridge: '0.01' },
  horizon: 1,
  normalize: 'coefficient',
  threads: 1,
  backend: 'plain',
});
/** The settings CUSTOM leaves at their defaults: the task (a WAV is the audio task's input; the series task is checked on its own). */
const AT_DEFAULT: SettingKey[] = ['task'];

test('configFromJson(configToJson(c)) gives c back, and reads the camelCase weightDecay of older run folders', () => {
  for (const key of SETTING_KEYS.filter((k) => !AT_DEFAULT.includes(k))) assert.notDeepEqual(CUSTOM[key], DEFAULT_CONFIG[key], `${key} should differ from its default`);
  const series = resolveConfig({ task: 'series', normalize: 'frame' });
  assert.deepEqual(configFromJson(configToJson(series), 'config.json'), series);
  const json = configToJson(CUSTOM);
  assert.deepEqual(Object.keys(json).sort(), SETTING_KEYS.map((k) => SETTINGS[k].json).sort());
  assert.equal(json.weight_decay, 0.02);
  assert.deepEqual(configFromJson(json, 'config.json'), CUSTOM);
  assert.deepEqual(configFromJson(JSON.parse(JSON.stringify(json)), 'config.json'), CUSTOM);
  assert.deepEqual(configFromJson(configToJson(DEFAULT_CONFIG), 'config.json'), { ...DEFAULT_CONFIG });

  const old: Record<string, unknown> = { ...json, weightDecay: 0.05 };
  delete old.weight_decay;
  assert.equal(configFromJson(old, 'old/config.json').weightDecay, 0.05);
  assert.deepEqual(configFromJson(old, 'old/config.json'), { ...CUSTOM, weightDecay: 0.05 });
  assert.throws(() => configFromJson({ ...json, hidden: -3 }, 'bad/config.json'), /--hidden/);
  assert.throws(() => configFromJson(null, 'bad/config.json'), /bad\/config\.json/);
});

test('configToArgs(c) read back by the CLI gives the same config', () => {
  const args = configToArgs(CUSTOM);
  for (const key of SETTING_KEYS.filter((k) => !AT_DEFAULT.includes(k))) assert.ok(args.includes(SETTINGS[key].flag), `${SETTINGS[key].flag} is missing from ${args.join(' ')}`);
  assert.deepEqual(configToArgs(DEFAULT_CONFIG), []);
  // A task's own defaults are left out, and a value at the audio default that the task changes is kept.
  assert.deepEqual(configToArgs(resolveConfig({ task: 'series' })), ['--task', 'series']);
  assert.deepEqual(configToArgs(resolveConfig({ task: 'series', normalize: 'frame', horizon: 2 })), ['--task', 'series', '--horizon', '2', '--normalize', 'frame']);
  const audio = join(dir, 'tone.wav');
  writeFileSync(audio, encodeWav16([testSignal(12, 16000)], 16000));
  const r = runCli(['train', audio, ...args, '--json', '--out', join(dir, 'run')]);
  assert.equal(r.code, 0, r.stderr);
  const header = JSON.parse(r.stdout.split('\n')[0]);
  assert.deepEqual(header.config, configToJson(CUSTOM));
});

test('--split reads three fractions, or two meaning no test split, from the command line or the library', () => {
  assert.deepEqual(resolveConfig({ split: '0.6,0.2,0.2' }).split, [0.6, 0.2, 0.2]);
  assert.deepEqual(resolveConfig({ split: ' 0.5, 0.25 ,0.25 ' }).split, [0.5, 0.25, 0.25]);
  assert.deepEqual(resolveConfig({ split: '0.75,0.25' }).split, [0.75, 0.25, 0]);
  assert.deepEqual(resolveConfig({ split: [0.6, 0.2, 0.2] }).split, [0.6, 0.2, 0.2]);
  assert.deepEqual(resolveConfig({ split: [0.8, 0.2] }).split, [0.8, 0.2, 0]);
  assert.deepEqual(resolveConfig({ split: '0.7,0.2,0.1' }).split, [0.7, 0.2, 0.1], 'a sum of 0.9999999999999999 is 1');
  for (const bad of ['0.5,0.3,0.3', '1', '0,0.5,0.5']) {
    assert.throws(
      () => resolveConfig({ split: bad }),
      (err: unknown) => err instanceof UsageError && !err.message.includes('\n') && /^--split .*'.*'.*e\.g\. --split 0\.6,0\.2,0\.2/.test(err.message),
      bad,
    );
  }
  assert.throws(() => resolveConfig({ split: '0.5,0.3,0.3' }), /sum to 1/);
});

test('--split-seed is null (follow --seed) unless given, and --eval is frozen unless given', () => {
  assert.equal(resolveConfig().splitSeed, null);
  assert.equal(resolveConfig({ splitSeed: '0' }).splitSeed, 0);
  assert.equal(resolveConfig({ splitSeed: null }).splitSeed, null);
  assert.equal(resolveConfig().eval, 'frozen');
  assert.equal(resolveConfig({ eval: 'prequential' }).eval, 'prequential');
});

test('a config.json from before --split, --split-seed and --eval reads them as their defaults', () => {
  const old: Record<string, unknown> = configToJson(CUSTOM);
  for (const key of ['split', 'splitSeed', 'eval'] as const) delete old[SETTINGS[key].json];
  assert.deepEqual(configFromJson(old, 'old/config.json'), { ...CUSTOM, split: [0.75, 0.25, 0], splitSeed: null, eval: 'frozen' });
});

test('configToArgs spells the split as the command line does, and leaves out a default split given anew', () => {
  const args = configToArgs(CUSTOM);
  const after = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(after('--split'), '0.5,0.25,0.25');
  assert.equal(after('--split-seed'), '3');
  assert.equal(after('--eval'), 'prequential');
  assert.deepEqual(configToArgs(resolveConfig({ split: '0.75,0.25,0', splitSeed: null })), []);
  assert.deepEqual(configToArgs(resolveConfig({ split: '0.75,0.25' })), []);
  assert.deepEqual(configToArgs(resolveConfig({ splitSeed: 0 })), ['--split-seed', '0']);
});
