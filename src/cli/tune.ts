/**
 * `audiopred tune`: a tune study (src/tune/study.ts) with a line per event, its table printed and
 * its figure written. Ctrl-C stops the running runs after their epoch (they checkpoint), writes
 * what finished and says how to finish it with --resume; the journal stays whole.
 */
import { basename, join, resolve } from 'node:path';
import { resolveConfig, SETTINGS, type SettingKey } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { SEARCHABLE_SETTINGS } from '../models/search.js';
import { TUNE_FILE } from '../tune/record.js';
import { resumeTune, runTune, type TuneResult } from '../tune/study.js';
import type { JournalEvent } from '../tune/journal.js';
import { parseModels } from './compare.js';
import { queueHooks } from './queue-status.js';
import { stopOnSignals } from './signals.js';
import { studyInputs, taskNote } from './tasks.js';
import { TASKS } from '../tasks/registry.js';

export const TUNE_DEFAULTS = { models: 'linear,rnn,esn', trials: '20', epochs: 100, seeds: '3', seed: '1', split: '0.6,0.2,0.2', jobs: '0' };

export interface TuneCommandOptions {
  settings: Partial<Record<SettingKey, unknown>>;
  models: string;
  trials: string;
  seeds: string;
  seed: string;
  jobs: string;
  out?: string;
  resume?: string;
  /** redis://HOST:PORT: queue the runs there for workers. */
  redis?: string;
  json: boolean;
}

function count(flag: string, raw: string, min: number): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got '${raw}'`);
  return n;
}

/** One line per event worth reading as it happens. */
function eventLine(e: JournalEvent): string | undefined {
  const value = (x: number | null) => (x === null ? '—' : x.toFixed(4));
  switch (e.event) {
    case 'reference':
      return `persistence on ${e.audio}: val ${value(e.val_loss)}, test ${value(e.test_loss)}`;
    case 'rung':
      return `${e.unit} trial ${e.trial}, ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}: score ${e.score === null ? `diverged (${e.error})` : e.score.toFixed(4)}`;
    case 'trial_end':
      return e.status === 'completed' ? undefined : `${e.unit} trial ${e.trial} ${e.status} at ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}`;
    case 'retrain':
      return `${e.unit} seed ${e.seed} on ${e.audio}: ${e.status === 'ok' ? `test ${value(e.test_loss)}` : `${e.status}: ${e.error}`}`;
    default:
      return undefined;
  }
}

export async function tuneCommand(audio: string[], given: TuneCommandOptions): Promise<void> {
  // --seed is the study's own flag, not the per-run setting of the same name.
  const settings = Object.fromEntries(Object.entries(given.settings).filter(([k]) => SETTINGS[k as SettingKey].scope === 'run'));
  const options = { ...given, settings };
  const signals = stopOnSignals('stopping the running runs after their epoch');
  const out = process.stdout;
  const onEvent = (e: JournalEvent) => {
    const line = options.json ? undefined : eventLine(e);
    if (line) out.write(line + '\n');
  };
  let study: TuneResult;
  try {
    if (options.redis) await (await import('../queue/redis.js')).checkRedis(options.redis); // before any folder is made (ioredis loads only here)
    const hooks = { signal: signals.signal, onEvent, ...queueHooks(options.redis) };
    if (options.resume) {
      const given = Object.keys(options.settings) as SettingKey[];
      if (audio.length || given.length) {
        throw new UsageError(`--resume finishes ${options.resume} with its own recordings and settings (drop ${audio[0] ?? SETTINGS[given[0]].flag})`);
      }
      study = await resumeTune(options.resume, hooks);
    } else {
      // A task whose protocol fixes the split (mackey-glass) has its own test segments.
      const task = resolveConfig({ task: options.settings.task }).task;
      const split = TASKS[task].fixed?.includes('split') ? {} : { split: TUNE_DEFAULTS.split };
      const config = resolveConfig({ epochs: TUNE_DEFAULTS.epochs, ...split, ...options.settings });
      const files = studyInputs(config.task, audio).map((f) => resolve(f));
      const note = taskNote(config, Object.keys(options.settings) as SettingKey[]);
      if (note && !options.json) out.write(`${note}\n`);
      const seed = count('--seed', options.seed, 0);
      study = await runTune(
        {
          models: parseModels(options.models),
          files,
          config,
          trials: count('--trials', options.trials, 1),
          seeds: count('--seeds', options.seeds, 1),
          seed,
          // One split for the whole study, whatever a run's seed: the study's --seed unless --split-seed is given.
          split: [...config.split],
          splitSeed: config.splitSeed ?? seed,
          fixed: SEARCHABLE_SETTINGS.filter((k) => options.settings[k] !== undefined),
          jobs: count('--jobs', options.jobs, 0),
        },
        options.out,
        hooks,
      );
    }
  } finally {
    signals.dispose();
  }

  const { dir, record } = study;
  const { writeTuneFigure } = await import('../report/tune.js'); // Vega and resvg load only here
  const figure = await writeTuneFigure(record, dir);
  if (options.json) {
    out.write(JSON.stringify({ out: dir, status: record.status, wall_seconds: record.wall_seconds, units: record.units.map(({ trials: _, ...u }) => u) }) + '\n');
  } else {
    out.write(`\n${study.table}\n`);
    out.write(`${(record.wall_seconds / 60).toFixed(1)} min. Results: ${join(dir, TUNE_FILE)}, table.md, journal.jsonl${figure ? `, ${basename(figure)}` : ' (no tune.png: no font found to draw it)'}\n`);
  }
  if (record.status === 'interrupted') {
    const why = signals.signal.aborted ? 'interrupted' : 'some runs were killed';
    throw new UsageError(`${why}: finished runs are in the journal, the others keep their checkpoints; finish with: audiopred tune --resume ${dir}${options.redis ? ` --redis ${options.redis}` : ''}`, signals.signal.aborted ? signals.exitCode() : 1);
  }
}
