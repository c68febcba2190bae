/**
 * `npm run bench`: every built-in unit against its PyTorch twin on the reference workload (the
 * bundled example, or the audio file given), in one script on one machine, as one table:
 * training epochs/s of audiopred at 1 thread and at all cores, of PyTorch (bench/torch_train.py)
 * at 1 and 2 threads, the ratio against PyTorch's best, audiopred's GFLOP/s and each side's peak
 * RSS. With --before DIR, a second built audiopred checkout runs every job too, alternating with
 * this one's, for a before/after speed-up in the same run. Then feature extraction (decode +
 * MFCC) against torchaudio.
 *
 *   node dist/bench/main.js [AUDIO] [--units a,b] [--epochs-scale X | --quick] [--before DIR]
 *                           [--no-torch] [--no-features]
 *
 * Every training run is its own child process (training-runs.ts). Epochs per unit come from
 * the registry's relative epoch cost, so each run takes a few seconds at the defaults.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_AUDIO } from '../src/audio/features.js';
import { BUILTIN_INFO, isModelName, modelNames, type ModelName } from '../src/models/registry.js';
import { benchFeatures, formatTable } from './features.js';
import { PYTHON, probeTorch, runAudiopredSides, runTorch, type AudiopredRun } from './training-runs.js';
import { FLOP_FORMULA, trainingTable, type ThreadRow, type TorchRun, type TorchSide, type UnitResult } from './training-table.js';

const CLI = fileURLToPath(new URL('../src/cli/bin.js', import.meta.url));

/** Epochs of the RNN's runs at --epochs-scale 1 (1–2 s at one thread); other units scale by epochCost. */
const RNN_EPOCHS = 20;
/** At least two epochs, so a run is not all first-epoch warm-up. */
const MIN_EPOCHS = 2;
const QUICK_SCALE = 0.25;
const TORCH_THREADS = [1, 2];
/** Units that have no PyTorch twin, and why. */
const NO_TWIN: Partial<Record<ModelName, string>> = {
  zero: 'no PyTorch twin (nothing to train)',
  persistence: 'no PyTorch twin (nothing to train)',
};

interface Options {
  audio: string;
  units: ModelName[];
  epochsScale: number;
  /** A second checkout's root, built (its dist/src/cli/bin.js runs). */
  before?: string;
  torch: boolean;
  features: boolean;
}

const USAGE = 'use [AUDIO] [--units a,b] [--epochs-scale X | --quick] [--before DIR] [--no-torch] [--no-features]';

function parseOptions(argv: string[]): Options {
  const options: Options = { audio: EXAMPLE_AUDIO, units: [...modelNames], epochsScale: 1, torch: true, features: true };
  const value = (i: number, flag: string) => {
    if (i >= argv.length) throw new Error(`${flag} needs a value; ${USAGE}`);
    return argv[i];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--units') {
      options.units = value(++i, a).split(',').map((u) => {
        if (!isModelName(u)) throw new Error(`unknown unit '${u}'; built-in units: ${modelNames.join(', ')}`);
        return u;
      });
    } else if (a === '--epochs-scale') {
      options.epochsScale = Number(value(++i, a));
      if (!(options.epochsScale > 0)) throw new Error(`--epochs-scale must be a number > 0`);
    } else if (a === '--quick') options.epochsScale = QUICK_SCALE;
    else if (a === '--before') options.before = resolve(value(++i, a));
    else if (a === '--no-torch') options.torch = false;
    else if (a === '--no-features') options.features = false;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}; ${USAGE}`);
    else options.audio = resolve(a);
  }
  return options;
}

function epochsFor(unit: ModelName, scale: number): number {
  return Math.max(MIN_EPOCHS, Math.round((scale * RNN_EPOCHS) / BUILTIN_INFO[unit].epochCost));
}

function beforeCli(dir: string): string {
  const cli = join(dir, 'dist/src/cli/bin.js');
  if (!existsSync(cli)) throw new Error(`--before ${dir}: no ${cli}; build that checkout first (npm run build)`);
  return cli;
}

const progress = (line: string) => process.stderr.write(line + '\n');
const perSecond = (r: AudiopredRun | TorchRun) => `${r.epochsPerSecond.toFixed(2)} epochs/s`;

/** Every job of one unit: audiopred (and the before checkout, alternating) per thread count, then PyTorch. */
function benchUnit(unit: ModelName, options: Options, before: string | undefined, torchMissing: string | null): UnitResult {
  const kind = BUILTIN_INFO[unit].kind;
  const epochs = epochsFor(unit, options.epochsScale);
  const cores = availableParallelism();
  // Online units stream on one thread whatever --threads says: one row is all there is.
  const threadCounts = kind === 'online' || cores === 1 ? [1] : [1, cores];
  const rows: ThreadRow[] = [];
  for (const threads of threadCounts) {
    const job = { audio: options.audio, unit, threads, epochs };
    const [after, beforeRun] = runAudiopredSides(before ? [CLI, before] : [CLI], job);
    if (after instanceof Error) throw new Error(`audiopred train --model ${unit} --threads ${threads} failed: ${after.message}`);
    progress(`${unit}, ${threads} thread(s): audiopred ${perSecond(after)}`);
    const row: ThreadRow = { threads, after };
    if (beforeRun) {
      row.before = beforeRun;
      progress(`${unit}, ${threads} thread(s): before ${beforeRun instanceof Error ? `failed: ${beforeRun.message}` : perSecond(beforeRun)}`);
    }
    rows.push(row);
  }
  const result: UnitResult = { unit, kind, epochs, rows };
  if (options.torch) result.torch = torchSide(unit, options.audio, epochs, torchMissing);
  return result;
}

function torchSide(unit: ModelName, audio: string, epochs: number, torchMissing: string | null): TorchSide {
  const noTwin = NO_TWIN[unit];
  if (noTwin) return { none: noTwin };
  if (torchMissing) return { none: 'PyTorch skipped' };
  const runs: TorchRun[] = [];
  for (const threads of TORCH_THREADS) {
    try {
      const run = { ...runTorch({ audio, unit, threads, epochs }), threads };
      progress(`${unit}, ${threads} thread(s): PyTorch ${perSecond(run)}`);
      runs.push(run);
    } catch (e) {
      progress(`${unit}, ${threads} thread(s): PyTorch failed: ${(e as Error).message}`);
    }
  }
  return runs.length ? { runs } : { none: 'PyTorch failed' };
}

/** Every PyTorch run, not only each unit's best: thread scaling differs by unit. */
function torchRunsLine(results: UnitResult[]): string | undefined {
  const units = results.flatMap((r) => {
    const side = r.torch;
    if (!side || !('runs' in side)) return [];
    return [`${r.unit} ${side.runs.map((run) => `${run.epochsPerSecond.toFixed(2)} (${run.threads})`).join(' / ')}`];
  });
  return units.length ? `PyTorch epochs/s (threads): ${units.join('; ')}` : undefined;
}

/** The rate of `unit`'s one-thread run (this checkout's, or the before checkout's). */
function oneThreadRate(results: UnitResult[], unit: string, side: 'after' | 'before'): number | undefined {
  const row = results.find((r) => r.unit === unit)?.rows.find((r) => r.threads === 1);
  const run = row?.[side];
  return run && !(run instanceof Error) ? run.epochsPerSecond : undefined;
}

/** eprop's epoch time over the RNN's one-thread epoch time, the derived figure the issue asks for. */
function epropLine(results: UnitResult[]): string | undefined {
  const ratio = (side: 'after' | 'before') => {
    const rnn = oneThreadRate(results, 'rnn', side);
    const eprop = oneThreadRate(results, 'eprop', side);
    return rnn && eprop ? `${(rnn / eprop).toFixed(1)}×` : undefined;
  };
  const after = ratio('after');
  if (!after) return undefined;
  const before = ratio('before');
  return `eprop epoch time ÷ rnn one-thread epoch time: ${after}${before ? ` (before: ${before})` : ''}`;
}

async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  const before = options.before ? beforeCli(options.before) : undefined;
  const torch = options.torch ? probeTorch() : { missing: 'rows skipped (--no-torch)' };
  const torchMissing = 'missing' in torch ? torch.missing : null;

  const results = options.units.map((unit) => benchUnit(unit, options, before, torchMissing));
  const first = results[0].rows[0].after;
  const w = first.workload;
  const beforeRun = results.flatMap((r) => r.rows.map((row) => row.before)).find((b): b is AudiopredRun => b !== undefined && !(b instanceof Error));

  console.log(`audiopred bench — ${new Date().toISOString().slice(0, 10)}`);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}`);
  console.log(`audiopred: this checkout, ${first.backend}${before ? `; before: ${options.before}, ${beforeRun?.backend ?? 'no run succeeded'}` : ''}`);
  console.log(`PyTorch: ${'version' in torch ? `${torch.version} (${PYTHON}), bench/torch_train.py` : torch.missing}`);
  console.log(
    `workload: ${basename(options.audio)}, dataset (${w.segments}, ${w.length}, ${w.features}): ${w.train} train / ${w.val} validation segments; ` +
      `hidden ${w.hidden}, batch ${w.batch}, horizon ${w.horizon}, every unit at its defaults; epochs per run: ${RNN_EPOCHS} × --epochs-scale ${options.epochsScale} ÷ the unit's relative epoch cost, at least ${MIN_EPOCHS}\n`,
  );
  console.log(trainingTable(results, before !== undefined, options.torch && torchMissing === null));
  console.log('');
  const torchRuns = torchRunsLine(results);
  if (torchRuns) console.log(torchRuns);
  const eprop = epropLine(results);
  if (eprop) console.log(eprop);
  console.log(
    'epochs/s: whole-run rate (first epoch included) of one child process per run; runs shorter than 1 s are repeated (up to 5 processes), the best kept. ' +
      'PyTorch best: the faster of 1 and 2 threads; × PyTorch = audiopred ÷ that. speed-up = audiopred ÷ before, the two run in alternation.',
  );
  console.log(FLOP_FORMULA);

  if (options.features) {
    console.log('\nFeature extraction (decode + MFCC) of a 60 s stereo 44.1 kHz recording:\n');
    console.log(formatTable(await benchFeatures(undefined, { torch: torchMissing === null, reference: false })));
  }
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  console.error(`bench: ${(e as Error).message}`);
  process.exitCode = 2;
}
