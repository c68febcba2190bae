/**
 * `audiopred compare` when runs fail or the study is stopped: a unit's real error (not Node's
 * version banner) reaches the table, runs.csv and compare.json; Ctrl-C stops the runs after
 * their epoch, prints the partial table and says how to finish; `--resume` finishes with
 * results bit-equal to a study that was never stopped, and refuses new settings.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeWav16 } from '../../src/formats/wav.js';
import { BIN, CLI_CWD, assertCleanError, runCli, type CliResult } from '../helpers/cli.js';
import { testSignal } from '../helpers/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-compare-resume-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const RATE = 16000;
const audio = join(dir, 'tone.wav');
writeFileSync(audio, encodeWav16([testSignal(12, RATE)], RATE));
const small = ['--segment', '100', '--hidden', '8'];

interface StudyRunJson {
  unit: string;
  seed: number;
  status: string;
  error?: string;
  final_val: number | null;
}
const study = (out: string) => JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as { status: string; runs: StudyRunJson[] };

/**
 * An online unit (it repeats the frame) that counts its passes and segments; `trap` runs at the
 * 2nd training segment of the 2nd pass. The probe on random frames never gets there: it learns
 * in one pass and calls endPass after its learning.
 */
const failingUnit = (name: string, method: 'learn' | 'step', trap: string) => `import type { OnlineUnit, UnitContext } from 'audiopred';
export default function (ctx: UnitContext): OnlineUnit {
  let pass = 0, sequence = 0;
  const trapped = () => pass === 1 && sequence === 1;
  return {
    kind: 'online', name: '${name}', features: ctx.features,
    layout: { entries: [], size: 0 }, params: new Float32Array(0),
    reset() {},
    step(x: Float32Array): Float32Array { ${method === 'step' ? `if (trapped()) { ${trap} }` : ''} return x; },
    learn(): void { ${method === 'learn' ? `if (trapped()) { ${trap} }` : ''} },
    endSequence() { sequence++; },
    endPass() { pass++; sequence = 0; },
  };
}
`;

test('a unit that throws, one that exits its process and one that crashes it carry their real message into the output, runs.csv and compare.json', () => {
  const thrower = join(dir, 'thrower.ts');
  const exiter = join(dir, 'exiter.ts');
  writeFileSync(thrower, failingUnit('thrower', 'learn', "throw new Error('learn gave up');"));
  writeFileSync(exiter, failingUnit('exiter', 'step', 'process.exit(7);'));
  // An exception outside any call of the trainer's: the child dies printing a stack and Node's version banner.
  const crasher = join(dir, 'crasher.ts');
  writeFileSync(crasher, failingUnit('crasher', 'step', "setTimeout(() => { throw new RangeError('timer gave up'); }, 0);"));
  const out = join(dir, 'failing');
  const r = runCli(['compare', audio, ...small, '--epochs', '3', '--models', `${thrower},${exiter},${crasher}`, '--seeds', '1', '-o', out]);
  assertCleanError(r, /3 of 4 runs failed \((thrower|exiter|crasher): .+\); see runs\.csv in /, 1);
  const throwMessage = /unit thrower\.ts threw in learn\(\) \(epoch 2, segment \d+, step \d+, training\): learn gave up/;
  assert.doesNotMatch(r.stdout + r.stderr, /Node\.js v\d+/);

  // The line of each run as it ends, and the note under the table.
  assert.match(r.stdout, new RegExp(`thrower seed 1 on tone\\.wav: diverged: ${throwMessage.source}`));
  assert.match(r.stdout, /exiter seed 1 on tone\.wav: failed: .*exited with code 7/);
  assert.match(r.stdout, /crasher seed 1 on tone\.wav: failed: RangeError: timer gave up\n/);
  assert.match(r.stdout, new RegExp(`^thrower: 1 of 1 runs did not finish \\(1 diverged, 0 failed(, 0 interrupted)?\\): ${throwMessage.source}`, 'm'));
  assert.match(r.stdout, /^exiter: 1 of 1 runs did not finish \(0 diverged, 1 failed(, 0 interrupted)?\): .*exited with code 7/m);
  assert.match(r.stdout, /\| persistence +\| \d\.\d{4}/);

  const csv = readFileSync(join(out, 'runs.csv'), 'utf8');
  assert.match(csv, new RegExp(`thrower,1,diverged,.*${throwMessage.source}`));
  assert.match(csv, /exiter,1,failed,.*exited with code 7/);
  assert.match(csv, /crasher,1,failed,.*RangeError: timer gave up/);
  assert.doesNotMatch(csv, /Node\.js v\d+/);

  const record = study(out);
  const run = (unit: string) => record.runs.find((x) => x.unit === unit)!;
  assert.equal(run('thrower').status, 'diverged');
  assert.match(run('thrower').error!, throwMessage);
  assert.equal(run('exiter').status, 'failed');
  assert.match(run('exiter').error!, /exited with code 7/);
  assert.equal(run('crasher').status, 'failed');
  assert.equal(run('crasher').error, 'RangeError: timer gave up');
  assert.equal(run('persistence').status, 'ok');
  assert.doesNotMatch(r.stdout, /NaN/, 'runs that did not finish show — in the table, not NaN');
});

/** Runs `audiopred ARGS` asynchronously (so several can run at once, or be signalled). */
function start(args: string[]): { child: ReturnType<typeof spawn>; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: CLI_CWD });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

/** Whether some run of the study in `out` has started (its folder has a config.json). */
function someRunStarted(out: string): boolean {
  const runs = join(out, 'runs');
  return existsSync(runs) && readdirSync(runs).some((r) => existsSync(join(runs, r, 'config.json')));
}

/** Two backprop units and the reference, one seed: three runs, two side by side (each study costs a few seconds). */
const studyArgs = (epochs: number) => ['compare', audio, ...small, '--models', 'rnn,gru', '--seeds', '1', '--epochs', String(epochs)];

const finals = (out: string) => Object.fromEntries(study(out).runs.map((r) => [`${r.unit} s${r.seed}`, r.final_val]));

test('Ctrl-C stops a compare with its partial table and --resume; resuming ends bit-equal to a study never stopped', async (t) => {
  // Long enough that the runs are still going when the signal lands; if they were not, try longer.
  let out = '';
  let epochs = 0;
  let stopped: CliResult | undefined;
  for (let attempt = 1; attempt <= 3 && !stopped; attempt++) {
    epochs = 300 * 3 ** (attempt - 1);
    out = join(dir, `stopped-${attempt}`);
    const run = start([...studyArgs(epochs), '-o', out]);
    const t0 = performance.now();
    while (!someRunStarted(out) && performance.now() - t0 < 20_000) await sleep(25);
    await sleep(200);
    run.child.kill('SIGINT');
    const r = await run.done;
    if (r.code === 130) stopped = r;
    else assert.equal(r.code, 0, `attempt ${attempt}: ${r.stderr}`); // it finished before the signal: go again, longer
  }
  assert.ok(stopped, 'no attempt was interrupted: the test did not exercise Ctrl-C');
  t.diagnostic(`interrupted at ${epochs} epochs a run`);

  const lines = stopped.stderr.trimEnd().split('\n');
  assert.match(lines.at(-1)!, new RegExp(`^audiopred: interrupted: \\d of 3 runs finished, .*finish with: audiopred compare --resume ${out}$`));
  assert.doesNotMatch(stopped.stderr, /\n\s+at /);
  assert.match(stopped.stdout, /tone\.wav: 12 segments of 100 frames/);
  assert.match(stopped.stdout, /^\| unit +\| final val/m);
  assert.match(stopped.stdout, /runs did not finish \(.*\d+ interrupted\)/);
  const partial = study(out);
  assert.equal(partial.status, 'interrupted');
  assert.ok(partial.runs.some((r) => r.status === 'interrupted'), 'some run was interrupted');

  // The interrupted runs continue from their checkpoints: their folders are not started afresh.
  const interrupted = partial.runs.filter((r) => r.status === 'interrupted').map((r) => join(out, 'runs', `tone-${r.unit}-s${r.seed}`, 'config.json'));
  const configs = interrupted.map((path) => readFileSync(path, 'utf8'));

  // Finish it, and meanwhile run the same study uninterrupted.
  const [resumed, whole] = await Promise.all([
    start(['compare', '--resume', out]).done,
    start([...studyArgs(epochs), '-o', join(dir, 'whole')]).done,
  ]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(whole.code, 0, whole.stderr);
  const record = study(out);
  assert.equal(record.status, 'done');
  assert.equal(record.runs.length, 3);
  assert.deepEqual(record.runs.filter((r) => r.status !== 'ok'), []);
  assert.deepEqual(finals(out), finals(join(dir, 'whole')));
  assert.deepEqual(interrupted.map((path) => readFileSync(path, 'utf8')), configs, 'an interrupted run was started again rather than resumed');
  for (const v of Object.values(finals(out))) assert.ok(typeof v === 'number' && v > 0);

  // A finished study's settings are its own.
  assertCleanError(runCli(['compare', '--resume', out, '--lr', '0.1']), /--resume finishes .* with its own recordings and settings \(drop --lr\)/);
  assertCleanError(runCli(['compare', audio, '--resume', out]), /drop .*tone\.wav/);
  assert.equal(study(out).status, 'done');
  assert.doesNotMatch(stopped.stdout, /NaN/, 'runs that did not finish show — in the table, not NaN');
});
