import { availableParallelism } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { NORMALIZATIONS } from '../audio/standardize.js';
import { UsageError } from '../errors.js';
import { version } from '../version.js';
import { SETTINGS } from '../config/settings.js';
import { addSettingFlags, givenSettings } from './options.js';
import { featuresCommand } from './features.js';
import { trainCommand } from './train.js';
import { compareCommand } from './compare.js';
import { TUNE_DEFAULTS, tuneCommand } from './tune.js';
import { workerCommand } from './worker.js';
import { tasksCommand } from './tasks.js';
import { unitsCommand } from './units.js';

type Flags = Record<string, string | string[] | boolean | undefined>;


/** A shared setting's help where a command uses it differently (tune's --epochs). */
function describeFlag(command: Command, flag: string, description: string): void {
  const option = command.options.find((o) => o.long === flag);
  if (option) option.description = description;
}

function buildProgram(): Command {
  const program = new Command('audiopred')
    .description('Train and compare sequence predictors on MFCC features of audio.')
    .version(version)
    .exitOverride()
    .configureOutput({
      outputError: (message, write) => write(`audiopred: ${message.replace(/^error: /, '').trimEnd()}\n`),
    })
    .showSuggestionAfterError();

  const train = program
    .command('train')
    .description('train a model to predict upcoming frames of INPUT: MFCCs of an audio file (default: the bundled example), or a series (--task series)')
    .argument('[input]', 'audio file (FLAC, WAV, OGG/Vorbis, MP3), or with --task series a .npy/.csv file of (frames, features)');
  addSettingFlags(train, 'train')
    .option('--json', 'print one JSON object per epoch instead of a progress bar')
    .option('--out <dir>', 'run folder for config, metrics, summary and checkpoints (default: runs/TIME-UNIT-sSEED)')
    .option('--save-every <n>', 'write a checkpoint every n epochs (0 = only at the end) (default: 100)')
    .option('--resume <run>', 'continue the run in this folder where its last checkpoint left off (--epochs may extend it)')
    .addOption(new Option('--file_path <path>').hideHelp())
    .action(async (audio: string | undefined, opts: Flags) => {
      const filePath = opts.file_path as string | undefined;
      if (filePath !== undefined && audio !== undefined && filePath !== audio) {
        throw new UsageError(`two audio files given ('${audio}' and --file_path '${filePath}'); give one`);
      }
      await trainCommand(audio ?? filePath, {
        settings: givenSettings(opts),
        json: opts.json === true,
        ...(opts.out !== undefined ? { out: String(opts.out) } : {}),
        ...(opts.saveEvery !== undefined ? { saveEvery: String(opts.saveEvery) } : {}),
        ...(opts.resume !== undefined ? { resume: String(opts.resume) } : {}),
      });
    });

  const compare = program
    .command('compare')
    .description('train several units over several seeds and recordings and compare them (default: the bundled recordings)')
    .argument('[audio...]', 'audio files (default: every recording in examples/audio)');
  addSettingFlags(compare, 'compare')
    .addOption(new Option('--models <list>', 'comma-separated units: built-in names or unit modules').default('persistence,linear,rnn,esn'))
    .addOption(new Option('--seeds <n|list>', 'how many seeds (1…n), or a comma-separated list of seeds').default('3'))
    .addOption(new Option('--jobs <n>', 'runs side by side (0 = one per core)').default('0'))
    .addOption(new Option('-o, --out <dir>', 'folder for compare.json, compare.csv, runs.csv, the table and every run (default: runs/compare-TIME)'))
    .option('--tuned <dir>', 'run each unit that audiopred tune tuned in DIR with its best config (the others with the settings given)')
    .option('--resume <dir>', 'finish a compare that was stopped: rerun only the runs its folder lacks (its own settings)')
    .option('--redis <url>', 'put the runs on a BullMQ queue in this Redis (redis://HOST:PORT) for audiopred worker on any machine')
    .option('--json', 'print the results as JSON instead of tables')
    .option('--png', 'also write the figures of compare.html as PNGs')
    .option('--log', 'log-scale losses in the PNGs and the page\'s first view')
    .action(async (audio: string[], opts: Flags) => {
      await compareCommand(audio, {
        settings: givenSettings(opts),
        models: String(opts.models),
        seeds: String(opts.seeds),
        jobs: String(opts.jobs),
        ...(opts.out !== undefined ? { out: String(opts.out) } : {}),
        ...(opts.tuned !== undefined ? { tuned: String(opts.tuned) } : {}),
        ...(opts.resume !== undefined ? { resume: String(opts.resume) } : {}),
        ...(opts.redis !== undefined ? { redis: String(opts.redis) } : {}),
        json: opts.json === true,
        png: opts.png === true,
        log: opts.log === true,
      });
    });

  const tune = program
    .command('tune')
    .description('tune every unit at the same budget (trials × epochs, ASHA), retrain the best config of each with several seeds and score it on held-out test segments')
    .argument('[audio...]', 'audio files (default: every recording in examples/audio)');
  addSettingFlags(tune, 'compare');
  describeFlag(tune, '--epochs', `most epochs a trial runs, and what the best config is retrained for (default: ${TUNE_DEFAULTS.epochs})`);
  describeFlag(tune, '--split', `fractions of the segments for training, validation and test; tune needs test segments (default: ${TUNE_DEFAULTS.split})`);
  describeFlag(tune, '--split-seed', 'seed of the one split every run of the study uses (default: --seed)');
  tune
    .addOption(new Option('--models <list>', 'comma-separated units: built-in names or unit modules (persistence runs as the reference)').default(TUNE_DEFAULTS.models))
    .addOption(new Option('--trials <n>', 'configurations tried per unit').default(TUNE_DEFAULTS.trials))
    .addOption(new Option('--seeds <n>', 'seeds the best configuration of each unit is retrained with').default(TUNE_DEFAULTS.seeds))
    .addOption(new Option('--seed <n>', 'seed of the study: which configurations are tried, their initialisation and the split').default(TUNE_DEFAULTS.seed))
    .addOption(new Option('--jobs <n>', 'runs side by side (0 = one per core)').default(TUNE_DEFAULTS.jobs))
    .addOption(new Option('-o, --out <dir>', 'folder for tune.json, table.md, tune.png, journal.jsonl and every run (default: runs/tune-TIME)'))
    .option('--resume <dir>', 'finish a tune that was stopped or killed, from its journal (its own settings)')
    .option('--redis <url>', 'put the runs on a BullMQ queue in this Redis (redis://HOST:PORT) for audiopred worker on any machine')
    .option('--json', 'print the results as JSON instead of a table')
    .action(async (audio: string[], opts: Flags) => {
      await tuneCommand(audio, {
        settings: givenSettings(opts),
        models: String(opts.models),
        trials: String(opts.trials),
        seeds: String(opts.seeds),
        seed: String(opts.seed),
        jobs: String(opts.jobs),
        ...(opts.out !== undefined ? { out: String(opts.out) } : {}),
        ...(opts.resume !== undefined ? { resume: String(opts.resume) } : {}),
        ...(opts.redis !== undefined ? { redis: String(opts.redis) } : {}),
        json: opts.json === true,
      });
    });

  program
    .command('worker')
    .description('take runs of every study queued in a Redis (compare or tune with --redis) and train them here, until stopped')
    .requiredOption('--redis <url>', 'the Redis the studies are queued in: redis://[USER:PASSWORD@]HOST:PORT[/DB]')
    .addOption(new Option('--concurrency <n>', 'runs at once on this machine (one thread each)').default(String(availableParallelism())))
    .option('--data <dir>', 'a folder to find recordings and unit modules in by file name, when they are not at the study\'s paths (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--name <name>', 'how progress views name this worker (default: HOST:PID)')
    .action(async (opts: Flags) => {
      await workerCommand({
        redis: String(opts.redis),
        concurrency: String(opts.concurrency),
        data: (opts.data as string[]) ?? [],
        ...(opts.name !== undefined ? { name: String(opts.name) } : {}),
      });
    });

  program
    .command('features')
    .description('write the MFCC features of AUDIO as a NumPy .npy file, float32, shape (frames, 12)')
    .argument('<audio>', 'audio file: FLAC, WAV, OGG/Vorbis or MP3')
    .requiredOption('-o, --output <file>', 'where to write the .npy file')
    .addOption(new Option('--stage <stage>', 'raw MFCC or standardised features').choices(['mfcc', 'standardized']).default('standardized'))
    .addOption(new Option('--normalize <mode>', 'standardisation, for --stage standardized').choices(NORMALIZATIONS).default(SETTINGS.normalize.default))
    .action(async (audio: string, opts: { output: string; stage: string; normalize: string }) => {
      await featuresCommand(audio, opts);
    });

  program
    .command('tasks')
    .description('list the tasks (--task): what each predicts, reads and defaults differently')
    .action(() => tasksCommand());

  program
    .command('units')
    .description('list the built-in units and the options (--opt) each reads')
    .action(() => unitsCommand());

  program
    .command('report')
    .description('write one self-contained HTML page about RUN folders: loss curves, configs and results, and one validation segment predicted')
    .argument('<runs...>', 'run folders that audiopred train wrote (or one folder that audiopred compare wrote)')
    .option('-o, --out <file>', 'the HTML file to write', 'report.html')
    .option('--png', 'also write each figure as a PNG beside it (OUT-loss.png, OUT-heatmap.png, OUT-error.png)')
    .option('--log', 'log-scale losses and errors in the PNGs and the page\'s first view (the page switches either way)')
    .addOption(new Option('--val-segment <n>', "which validation segment to predict: its place in each run's split").default('0'))
    .action(async (runs: string[], opts: { out: string; png?: boolean; log?: boolean; valSegment: string }) => {
      const { reportCommand } = await import('./report.js'); // Vega and resvg load only for reports
      await reportCommand(runs, { out: opts.out, png: opts.png === true, log: opts.log === true, valSegment: String(opts.valSegment) });
    });

  return program;
}

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns the exit
 * code: 0 done, 2 bad input or flags (one line on stderr, no stack trace).
 */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message; help and version end with code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`audiopred: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
