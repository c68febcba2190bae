/**
 * `audiopred tune` end to end on a short recording with two small units: tune.json agrees with
 * its run folders and its journal; a study whose tuner (and a child) is killed mid-way and is
 * then resumed ends with the same tune.json as one never interrupted; `compare --tuned` runs the
 * configs tune chose. The test-loss checks need the held-out test split (the `split` setting).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeWav16 } from '../../src/formats/wav.js';
import type { TuneRecord } from '../../src/tune/record.js';
import { BIN, CLI_CWD, assertCleanError, runCli, type CliResult } from '../helpers/cli.js';
import { testSignal } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-tune-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const RATE = 16000;
const audio = join(dir, 'tone.wav');
writeFileSync(audio, encodeWav16([testSignal(12, RATE)], RATE));

/** rnn (hidden fixed at 8, so lr, weight decay and batch are searched) and linear (closed form): 3 trials of ≤ 9 epochs, 2 seeds. */
const studyArgs = ['tune', audio, '--segment', '100', '--hidden', '8', '--models', 'rnn,linear', '--trials', '3', '--epochs', '9', '--seeds', '2', '--jobs', '2'];

const tuneJson = (out: string) => JSON.parse(readFileSync(join(out, 'tune.json'), 'utf8')) as TuneRecord;
const journal = (out: string) => (existsSync(join(out, 'journal.jsonl')) ? readFileSync(join(out, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const metrics = (run: string) => readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { epoch: number; val_loss: number });
const summary = (run: string) => JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as Record<string, unknown>;
const runConfig = (run: string) => JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { config: Record<string, unknown>; data: Record<string, number[]> };

/** tune.json without what depends on when and how fast it ran. */
const timeless = (record: TuneRecord) => ({ ...record, created: null, wall_seconds: null });

const whole = join(dir, 'whole');
let wholeRun: CliResult;
before(() => {
  wholeRun = runCli([...studyArgs, '-o', whole]);
});

test('tune writes a tune.json that agrees with its journal and its run folders', () => {
  assert.equal(wholeRun.code, 0, wholeRun.stderr);
  const record = tuneJson(whole);
  assert.equal(record.status, 'done');
  assert.deepEqual(
    { ...record.settings, eval: undefined },
    { trials: 3, epochs: 9, seeds: [1, 2], seed: 1, split: [0.6, 0.2, 0.2], split_seed: 1, eval: undefined, reduction: 3, rungs: [1, 3, 9], jobs: 2 },
  );
  assert.deepEqual(record.units.map((u) => u.unit), ['persistence', 'rnn', 'linear']);
  const [reference, rnn, linear] = record.units;
  const referenceVal = reference.retrain.runs[0].val_loss!;
  assert.equal(referenceVal, summary(join(whole, 'reference', 'tone')).final_val_loss);

  // Every trial's score at every rung is its validation loss at that epoch over persistence's.
  for (const unit of [rnn, linear]) {
    assert.equal(unit.trials.length, 3);
    for (const trial of unit.trials) {
      const curve = metrics(join(whole, 'trials', unit.key, `t${trial.trial}-tone`));
      assert.equal(curve.length, trial.epochs, `${unit.unit} trial ${trial.trial} trained as many epochs as it reports`);
      assert.deepEqual(trial.scores.map((s) => s.epochs), unit.rungs.slice(0, trial.scores.length));
      for (const s of trial.scores) {
        const val = curve[s.epochs - 1].val_loss;
        assert.equal(s.val_loss['tone.wav'], val);
        assert.equal(s.score, val / referenceVal);
      }
      assert.equal(trial.status === 'completed', trial.epochs === unit.rungs.at(-1));
      assert.equal(trial.best_val!.mean, Math.min(...curve.map((m) => m.val_loss)));
    }
  }
  assert.deepEqual(Object.keys(rnn.trials[0].config), ['lr', 'weight_decay', 'batch'], '--hidden was given: it is not searched');
  assert.equal(rnn.trials[0].status, 'completed', 'the first trial has no rival and always goes on');
  assert.deepEqual(linear.rungs, [1]);
  assert.ok(linear.closed_form && linear.trials.every((t) => t.status === 'completed' && t.epochs === 1));
  assert.deepEqual(Object.keys(linear.trials[0].config), ['options']);
  assert.equal(rnn.trials_stopped, rnn.trials.filter((t) => t.status === 'stopped').length);
  assert.equal(rnn.epochs_spent, rnn.trials.reduce((a, t) => a + t.epochs, 0));

  // The best trial: lowest score at the highest rung reached; its config is retrained with every seed.
  for (const unit of [rnn, linear]) {
    const top = Math.max(...unit.trials.map((t) => t.scores.length)) - 1;
    const best = unit.trials.filter((t) => t.scores.length > top).sort((a, b) => a.scores[top].score! - b.scores[top].score! || a.trial - b.trial)[0];
    assert.equal(unit.best_trial, best.trial);
    assert.deepEqual(unit.best_config, best.config);
    assert.deepEqual(unit.retrain.runs.map((r) => [r.seed, r.audio, r.status]), [[1, 'tone.wav', 'ok'], [2, 'tone.wav', 'ok']]);
    for (const r of unit.retrain.runs) {
      const folder = join(whole, r.run);
      assert.equal(summary(folder).final_val_loss, r.val_loss);
      const config = runConfig(folder).config;
      assert.equal(config.seed, r.seed);
      assert.equal(config.epochs, unit.closed_form ? 1 : 9);
      if (unit === rnn) assert.equal(config.lr, unit.best_config!.lr);
      else assert.deepEqual(config.options, Object.fromEntries(Object.entries(unit.best_config!.options as object).map(([k, v]) => [k, String(v)])));
    }
  }

  const events = journal(whole);
  assert.equal(events[0].event, 'start');
  assert.equal(events.filter((e) => e.event === 'rung').length, [rnn, linear].reduce((a, u) => a + u.trials.reduce((b, t) => b + t.scores.length, 0), 0));
  assert.equal(events.filter((e) => e.event === 'retrain').length, 4);
  assert.ok(wholeRun.stdout.includes(readFileSync(join(whole, 'table.md'), 'utf8')), 'the printed table is table.md');
  assert.match(wholeRun.stdout, /^\| rnn +\| lr [\d.e-]+, wd [\d.e-]+, batch \d+ +\| 3 \/ \d +\| \d+ +\|/m);
});

test('the retrained units are scored on held-out test segments, paired with persistence', () => {
  assert.equal(wholeRun.code, 0, wholeRun.stderr);
  const record = tuneJson(whole);
  const [reference, rnn, linear] = record.units;
  const referenceTest = summary(join(whole, 'reference', 'tone')).final_test_loss as number;
  assert.ok(referenceTest > 0);
  assert.equal(reference.test_loss!.mean, referenceTest);
  const testSegments = runConfig(join(whole, 'reference', 'tone')).data.test;
  assert.ok(testSegments.length > 0);
  for (const unit of [rnn, linear]) {
    const tests = unit.retrain.runs.map((r) => summary(join(whole, r.run)).final_test_loss as number);
    assert.deepEqual(unit.retrain.runs.map((r) => r.test_loss), tests);
    assert.deepEqual(unit.test_loss!.per_seed, tests, 'one recording: a seed’s mean is its run');
    assert.equal(unit.test_loss!.mean, (tests[0] + tests[1]) / 2);
    assert.equal(unit.test_loss!.ci95!.length, 2);
    assert.equal(unit.vs_persistence!.n, 2);
    assert.ok(Math.abs(unit.vs_persistence!.mean - (referenceTest - unit.test_loss!.mean)) < 1e-12);
    assert.equal(unit.vs_persistence!.wins, tests.filter((t) => t < referenceTest).length);
    // One split for the whole study, whatever a run's seed.
    for (const r of unit.retrain.runs) assert.deepEqual(runConfig(join(whole, r.run)).data.test, testSegments);
    for (const t of unit.trials) assert.deepEqual(runConfig(join(whole, 'trials', unit.key, `t${t.trial}-tone`)).data.test, testSegments);
  }
});

/** The pids of `pid`'s child processes (Linux: from /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).flatMap((n) => {
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid ? [Number(n)] : [];
    } catch {
      return []; // it ended while we looked
    }
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a study whose child and tuner are killed mid-way, then resumed, ends with the same tune.json', async (t) => {
  const out = join(dir, 'killed');
  const child = spawn(process.execPath, [BIN, ...studyArgs, '-o', out], { cwd: CLI_CWD, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const t0 = performance.now();
  while (journal(out).filter((e) => e.event === 'trial').length < 2 && performance.now() - t0 < 30_000) await sleep(10);
  // A run's process dies first (the tuner goes on without it), then the tuner itself.
  const victim = childrenOf(child.pid!)[0];
  if (victim) process.kill(victim, 'SIGKILL');
  await sleep(150);
  const orphans = childrenOf(child.pid!);
  child.kill('SIGKILL');
  await exited;
  while (orphans.some(alive)) await sleep(20); // stopped children finish their epoch before they exit
  const before = journal(out);
  t.diagnostic(`killed ${victim ? 'a run and ' : ''}the tuner after ${before.length} journal events`);
  assert.ok(!existsSync(join(out, 'tune.json')) || tuneJson(out).status !== 'done', 'the study was not finished when it was killed');

  const resumed = runCli(['tune', '--resume', out]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(timeless(tuneJson(out)), timeless(tuneJson(whole)));
  // Nothing the journal recorded ran again: the resumed session only appended.
  assert.deepEqual(journal(out).slice(0, before.length), before);
  const rungs = journal(out).filter((e) => e.event === 'rung').map((e) => `${e.unit} ${e.trial} ${e.rung}`);
  assert.equal(new Set(rungs).size, rungs.length, 'no rung was reported twice');

  assertCleanError(runCli(['tune', '--resume', out, '--lr', '0.1']), /--resume finishes .* with its own recordings and settings \(drop --lr\)/);
});

test('compare --tuned runs the configs tune chose and says which units ran them', () => {
  const out = join(dir, 'compare');
  const r = runCli(['compare', audio, '--segment', '100', '--hidden', '8', '--epochs', '2', '--seeds', '1', '--models', 'rnn,linear,zero', '--tuned', whole, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const tuned = tuneJson(whole);
  const best = (unit: string) => tuned.units.find((u) => u.unit === unit)!.best_config!;
  const record = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
  assert.equal(record.tuned.from, join(whole, 'tune.json'));
  assert.deepEqual(record.tuned.units.map((u: { unit: string }) => u.unit), ['rnn', 'linear'], 'persistence and zero run their defaults');
  assert.deepEqual(record.tuned.units[0].config, best('rnn'));
  const rnnRun = runConfig(join(out, 'runs', 'tone-rnn-s1')).config;
  assert.deepEqual([rnnRun.lr, rnnRun.weight_decay, rnnRun.batch, rnnRun.hidden], [best('rnn').lr, best('rnn').weight_decay, best('rnn').batch, 8]);
  const linearRun = runConfig(join(out, 'runs', 'tone-linear-s1')).config;
  assert.deepEqual(linearRun.options, Object.fromEntries(Object.entries(best('linear').options as object).map(([k, v]) => [k, String(v)])));
  assert.match(r.stdout, /^Configurations from .*tune\.json:\n- persistence: the shared settings \(not in tune\.json\)\n- rnn: tuned \(lr .*\)\n- linear: tuned \(order .*\)\n- zero: the shared settings/m);
  assert.match(readFileSync(join(out, 'table.md'), 'utf8'), /- rnn: tuned \(lr /);

  assertCleanError(runCli(['compare', '--resume', out, '--tuned', whole]), /--resume finishes .* \(drop --tuned\)/);
  assertCleanError(runCli(['compare', audio, '--tuned', join(dir, 'nowhere')]), /--tuned .*nowhere: no readable tune\.json there/);
});

test('tune refuses a split without test segments and bad counts before running anything', () => {
  assertCleanError(runCli(['tune', audio, '--split', '0.75,0.25,0', '-o', join(dir, 'no-test')]), /give --split a test fraction above 0/);
  assertCleanError(runCli(['tune', audio, '--split', '0.6,0.2', '-o', join(dir, 'two')]), /--split/);
  assertCleanError(runCli(['tune', audio, '--trials', '0']), /--trials must be an integer ≥ 1/);
  assertCleanError(runCli(['tune', audio, '--models', 'rnn,rnn']), /--models lists a unit twice/);
  assert.ok(!existsSync(join(dir, 'no-test')));
});
