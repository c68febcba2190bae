/**
 * `audiopred compare`: a study (src/compare/study.ts) with a progress bar, its tables printed
 * and its page written. Ctrl-C stops the running runs after their epoch (they checkpoint),
 * prints the table of what finished and says how to finish it with --resume.
 */
import { basename, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { resolveConfig, SETTINGS, type SettingKey } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { resumeStudy, runStudy, STUDY_FILE, type StudyOptions, type StudyResult } from '../compare/study.js';
import type { JobResult } from '../jobs/job.js';
import { readTunedConfigs } from '../tune/record.js';
import { queueHooks } from './queue-status.js';
import { stopOnSignals } from './signals.js';
import { studyInputs, taskNote } from './tasks.js';

export interface CompareCommandOptions {
  settings: Partial<Record<SettingKey, unknown>>;
  models: string;
  seeds: string;
  jobs: string;
  out?: string;
  /** A folder audiopred tune wrote: its units run their best configs. */
  tuned?: string;
  resume?: string;
  /** redis://HOST:PORT: queue the runs there for workers. */
  redis?: string;
  json: boolean;
  png: boolean;
  log: boolean;
}

function parseSeeds(raw: string): number[] {
  const items = raw.split(',').map((s) => s.trim());
  const numbers = items.map(Number);
  if (items.some((s) => s === '') || numbers.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new UsageError(`--seeds takes a count (3) or a list of seeds (1,5,9), got '${raw}'`);
  }
  if (items.length === 1) {
    if (numbers[0] < 1) throw new UsageError(`--seeds must be at least 1, got '${raw}'`);
    return Array.from({ length: numbers[0] }, (_, i) => i + 1);
  }
  if (new Set(numbers).size !== numbers.length) throw new UsageError(`--seeds lists a seed twice: '${raw}'`);
  return numbers;
}

export function parseModels(raw: string): string[] {
  const models = raw.split(',').map((s) => s.trim());
  if (models.some((m) => m === '')) throw new UsageError(`--models takes a comma-separated list of units, got '${raw}'`);
  if (new Set(models).size !== models.length) throw new UsageError(`--models lists a unit twice: '${raw}'`);
  return models;
}

export async function compareCommand(audio: string[], options: CompareCommandOptions): Promise<void> {
  const signals = stopOnSignals('stopping the running runs after their epoch');
  const progress = createProgress(options.json);
  let study: StudyResult;
  try {
    if (options.redis) await (await import('../queue/redis.js')).checkRedis(options.redis); // before any folder is made (ioredis loads only here)
    const hooks: StudyOptions = { signal: signals.signal, onStart: progress.start, onEpoch: progress.epoch, onRunDone: progress.runDone, ...queueHooks(options.redis) };
    if (options.resume) {
      const given = Object.keys(options.settings) as SettingKey[];
      if (audio.length || given.length || options.tuned) {
        throw new UsageError(`--resume finishes ${options.resume} with its own recordings and settings (drop ${audio[0] ?? (options.tuned ? '--tuned' : SETTINGS[given[0]].flag)})`);
      }
      study = await resumeStudy(options.resume, hooks);
    } else {
      const config = resolveConfig(options.settings);
      const jobs = Number(options.jobs);
      if (!Number.isSafeInteger(jobs) || jobs < 0) throw new UsageError(`--jobs must be an integer ≥ 0, got '${options.jobs}'`);
      const plan = {
        models: parseModels(options.models),
        seeds: parseSeeds(options.seeds),
        files: studyInputs(config.task, audio).map((f) => resolve(f)),
        config,
        jobs,
        ...(options.tuned ? { tuned: readTunedConfigs(options.tuned) } : {}),
      };
      const note = taskNote(config, Object.keys(options.settings) as SettingKey[]);
      if (note && !options.json) process.stdout.write(`${note}\n`);
      study = await runStudy(plan, options.out, hooks);
    }
  } finally {
    progress.stop();
    signals.dispose();
  }

  const { dir, record } = study;
  const { renderCompareReport } = await import('../report/compare.js'); // Vega and resvg load only here
  await renderCompareReport(record, { dir, png: options.png, log: options.log });
  const out = process.stdout;
  if (options.json) {
    out.write(JSON.stringify({ out: dir, status: record.status, wall_seconds: record.wall_seconds, summaries: record.summaries }) + '\n');
  } else {
    out.write(`\n${study.tables}\n`);
    const ran = study.results.length;
    const where = options.redis ? 'on the queue' : `${record.parallel_runs} side by side`;
    out.write(`${ran} runs in ${(record.wall_seconds / 60).toFixed(1)} min (${where}, ${record.threads_per_run} thread${record.threads_per_run === 1 ? '' : 's'} each). `);
    out.write(`Results: ${join(dir, STUDY_FILE)}, compare.csv, runs.csv, table.md, compare.html${options.png ? ' and PNGs' : ''}\n`);
  }
  if (record.status === 'interrupted') {
    const done = study.results.filter((r) => r.status !== 'interrupted').length;
    const total = record.files.length * record.models.length * record.seeds.length;
    throw new UsageError(`interrupted: ${done} of ${total} runs finished, the others keep their checkpoints; finish with: audiopred compare --resume ${dir}${options.redis ? ` --redis ${options.redis}` : ''}`, signals.exitCode());
  }
  const bad = study.results.filter((r) => r.status !== 'ok');
  if (bad.length) throw new UsageError(`${bad.length} of ${study.results.length} runs failed (${bad[0].job.label}: ${bad[0].error}); see runs.csv in ${dir}`, 1);
}

/** A progress bar on a terminal, one line per finished run in a pipe, nothing with --json. */
function createProgress(quiet: boolean): { start: StudyOptions['onStart']; epoch: StudyOptions['onEpoch']; runDone: StudyOptions['onRunDone']; stop(): void } {
  const out = process.stdout;
  const bar =
    !quiet && out.isTTY
      ? new cliProgress.SingleBar(
          { stream: out, format: 'compare |{bar}| {percentage}% {runs} runs [{duration_formatted}<{eta_formatted}]', hideCursor: true, etaBuffer: 200 },
          cliProgress.Presets.shades_classic,
        )
      : null;
  let epochs = 0;
  const line = (r: JobResult, finished: number, total: number) => {
    const what = r.status === 'ok' ? `val ${r.finalVal.toFixed(4)}` : `${r.status}: ${r.error}`;
    const time = Number.isFinite(r.seconds) ? ` (${r.seconds.toFixed(1)} s)` : '';
    out.write(`[${finished}/${total}] ${r.job.label} seed ${r.job.seed} on ${basename(r.job.audio)}: ${what}${time}\n`);
  };
  return {
    start: (runs, perRun) => bar?.start(runs * perRun, 0, { runs: `0/${runs}` }),
    epoch: () => bar?.update(++epochs),
    runDone: (r, finished, total) => {
      const planned = Number(r.job.config.epochs);
      epochs += planned - r.curve.length; // closed-form units stop early; failed runs stop short
      bar?.update(epochs, { runs: `${finished}/${total}` });
      if (!bar && !quiet) line(r, finished, total);
    },
    stop: () => bar?.stop(),
  };
}
