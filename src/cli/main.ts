import { Command, CommanderError, Option } from 'commander';
import { UsageError } from '../errors.js';
import { version } from '../version.js';
import { modelNames } from '../models/registry.js';
import { NORMALIZATIONS } from '../audio/standardize.js';
import { BACKEND_CHOICES, DEFAULT_CONFIG } from '../train/config.js';
import { featuresCommand } from './features.js';
import { trainCommand } from './train.js';
import { compareCommand } from './compare.js';
import { unitsCommand } from './units.js';


/** The original script's flag spellings, accepted as synonyms (hidden from --help). */
const ORIGINAL_SPELLINGS = {
  hidden_size: 'hidden',
  batch_size: 'batch',
  segment_length: 'segment',
} as const;

/** Commander argParser for a repeatable flag. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

type Flags = Record<string, string | string[] | boolean | undefined>;

const d = DEFAULT_CONFIG;

/** The flags `train` and `compare` share: how every unit is trained and scored. */
function addTrainingFlags(command: Command): Command {
  return command
    .addOption(new Option('--epochs <n>', 'passes over the training segments').default(d.epochs))
    .addOption(new Option('--lr <x>', 'learning rate (AdamW for backprop units)').default(d.lr))
    .addOption(new Option('--weight-decay <x>', 'AdamW decoupled weight decay').default(d.weightDecay))
    .addOption(new Option('--hidden <n>', 'hidden units (reservoir size, transformer width)').default(d.hidden))
    .addOption(new Option('--batch <n>', 'segments per batch').default(d.batch))
    .addOption(new Option('--segment <n>', 'frames per segment').default(d.segment))
    .addOption(new Option('--horizon <n>', 'score the output at step t against frame t+n (2 = the original, 1 = next frame)').default(d.horizon))
    .addOption(
      new Option('--normalize <mode>', 'per-frame (original), per-coefficient or no standardisation')
        .choices(NORMALIZATIONS)
        .default(d.normalize),
    )
    .addOption(new Option('--opt <key=value>', 'unit setting, repeatable; unit.key=value for one unit (see docs/units.md)').argParser(collect))
    .addOption(new Option('--backend <name>', 'kernels: wasm SIMD where supported, or the plain TypeScript reference').choices(BACKEND_CHOICES).default(d.backend));
}

function trainingSettings(opts: Flags): Record<string, unknown> {
  return {
    epochs: opts.epochs,
    lr: opts.lr,
    weightDecay: opts.weightDecay,
    hidden: opts.hidden,
    batch: opts.batch,
    segment: opts.segment,
    horizon: opts.horizon,
    normalize: opts.normalize,
    options: opts.opt,
    backend: opts.backend,
  };
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
    .description('train a model to predict upcoming MFCC frames of AUDIO (default: the bundled example)')
    .argument('[audio]', 'audio file: FLAC, WAV, OGG/Vorbis or MP3');
  addTrainingFlags(train)
    .addOption(new Option('--model <unit>', `built-in unit (${modelNames.join(', ')}) or a unit module ./my-unit.ts`).default(d.model))
    .addOption(new Option('--seed <n>', 'seed of initialisation, split and batch order').default(d.seed))
    .addOption(new Option('--threads <n>', 'threads sharing each batch (0 = one per core)').default(d.threads))
    .option('--json', 'print one JSON object per epoch instead of a progress bar')
    .option('--out <dir>', 'run folder for config, metrics, summary and checkpoints (default: runs/TIME-UNIT-sSEED)')
    .addOption(new Option('--save-every <n>', 'write a checkpoint every n epochs (0 = only at the end)').default('100'))
    .option('--resume <run>', 'continue the run in this folder where its last checkpoint left off (--epochs may extend it)')
    .addOption(new Option('--file_path <path>').hideHelp())
    .addOption(new Option('--hidden_size <n>').hideHelp())
    .addOption(new Option('--batch_size <n>').hideHelp())
    .addOption(new Option('--segment_length <n>').hideHelp())
    .action(async (audio: string | undefined, opts: Flags, command: Command) => {
      const settings: Record<string, unknown> = { ...trainingSettings(opts), seed: opts.seed, model: opts.model, threads: opts.threads };
      const given = new Set(Object.keys(opts).filter((key) => command.getOptionValueSource(key) === 'cli'));
      for (const [original, ours] of Object.entries(ORIGINAL_SPELLINGS)) {
        if (opts[original] !== undefined) settings[ours] = opts[original];
      }
      const filePath = opts.file_path as string | undefined;
      if (filePath !== undefined && audio !== undefined && filePath !== audio) {
        throw new UsageError(`two audio files given ('${audio}' and --file_path '${filePath}'); give one`);
      }
      await trainCommand(audio ?? filePath, {
        settings,
        given,
        json: opts.json === true,
        ...(opts.out !== undefined ? { out: String(opts.out) } : {}),
        saveEvery: String(opts.saveEvery),
        ...(opts.resume !== undefined ? { resume: String(opts.resume) } : {}),
      });
    });

  const compare = program
    .command('compare')
    .description('train several units over several seeds and recordings and compare them (default: the bundled recordings)')
    .argument('[audio...]', 'audio files (default: every recording in examples/audio)');
  addTrainingFlags(compare)
    .addOption(new Option('--models <list>', 'comma-separated units: built-in names or unit modules').default('persistence,linear,rnn,esn'))
    .addOption(new Option('--seeds <n|list>', 'how many seeds (1…n), or a comma-separated list of seeds').default('3'))
    .addOption(new Option('--jobs <n>', 'runs side by side (0 = one per core)').default('0'))
    .addOption(new Option('-o, --out <dir>', 'folder for compare.json, compare.csv, runs.csv and the table (default: runs/compare-TIME)'))
    .option('--json', 'print the results as JSON instead of tables')
    .option('--png', 'also write the figures of compare.html as PNGs')
    .option('--log', 'log-scale losses in the PNGs and the page\'s first view')
    .action(async (audio: string[], opts: Flags) => {
      await compareCommand(audio, {
        settings: trainingSettings(opts),
        models: String(opts.models),
        seeds: String(opts.seeds),
        jobs: String(opts.jobs),
        out: opts.out as string | undefined,
        json: opts.json === true,
        png: opts.png === true,
        log: opts.log === true,
      });
    });

  program
    .command('features')
    .description('write the MFCC features of AUDIO as a NumPy .npy file, float32, shape (frames, 12)')
    .argument('<audio>', 'audio file: FLAC, WAV, OGG/Vorbis or MP3')
    .requiredOption('-o, --output <file>', 'where to write the .npy file')
    .addOption(new Option('--stage <stage>', 'raw MFCC or standardised features').choices(['mfcc', 'standardized']).default('standardized'))
    .addOption(new Option('--normalize <mode>', 'standardisation, for --stage standardized').choices(NORMALIZATIONS).default(d.normalize))
    .action(async (audio: string, opts: { output: string; stage: string; normalize: string }) => {
      await featuresCommand(audio, opts);
    });

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
