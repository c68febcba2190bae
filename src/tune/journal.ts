/**
 * DIR/journal.jsonl: what a tune study has done, one JSON line per event, appended and fsynced as
 * each happens, never rewritten. `tune --resume DIR` replays it: whatever it records is not run
 * again, and tune.json is built from it alone, so an interrupted study finished later writes the
 * same tune.json as one never interrupted. A line torn by a kill mid-write is dropped on reading.
 * Per-recording values are keyed by the recording's file name; losses that do not exist are null.
 */
import { closeSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { UsageError } from '../errors.js';

export const JOURNAL_FILE = 'journal.jsonl';

/** The study as planned: everything `--resume` needs to carry on. */
export interface PlanJson {
  /** Units: built-in names, modules by absolute path (persistence, the reference, not among them). */
  models: string[];
  /** Recordings, absolute paths. */
  files: string[];
  /** The settings every run shares (config.json's names); epochs is the most a trial runs. */
  config: Record<string, unknown>;
  trials: number;
  /** Retrain seeds 1 … seeds. */
  seeds: number;
  /** Seeds the trials' configs, their initialisation, and (as split_seed) the split. */
  seed: number;
  split: [number, number, number];
  split_seed: number;
  /** Settings the user gave (their JSON names): every run has them as given, no trial varies them. */
  fixed: string[];
  /** Runs side by side; 0 = one per core. */
  jobs: number;
}

export type TrialStatus = 'completed' | 'stopped' | 'diverged';

export type JournalEvent =
  | { event: 'start'; audiopred: string; created: string; plan: PlanJson }
  /** Persistence on one recording: the score every trial's validation loss is divided by, and the test loss to beat. */
  | { event: 'reference'; audio: string; val_loss: number; test_loss: number | null; run: string }
  | { event: 'trial'; unit: string; trial: number; config: Record<string, unknown> }
  /** A trial's runs reached rung `rung` (`epochs` epochs) on every recording; score null: a run diverged. */
  | {
      event: 'rung'; unit: string; trial: number; rung: number; epochs: number; score: number | null;
      val_loss: Record<string, number | null>; best_val: Record<string, number | null>; error?: string;
    }
  | { event: 'trial_end'; unit: string; trial: number; status: TrialStatus; epochs: number }
  | {
      event: 'retrain'; unit: string; seed: number; audio: string; status: 'ok' | 'diverged' | 'failed';
      epochs: number; val_loss: number | null; test_loss: number | null; run: string; error?: string;
    };

/** Appends `event` as one line and forces it to disk before returning. */
export function appendEvent(path: string, event: JournalEvent): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, JSON.stringify(event) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The events of journal `path`; a torn last line (a kill mid-write) is cut off the file. */
export function readJournal(path: string): JournalEvent[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`${path} cannot be read; give the folder an earlier audiopred tune wrote (its -o)`);
  }
  const whole = text.lastIndexOf('\n') + 1;
  if (whole < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, whole)));
  const events: JournalEvent[] = [];
  text.slice(0, whole).split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      events.push(JSON.parse(line) as JournalEvent);
    } catch {
      throw new UsageError(`${path}: line ${i + 1} is not JSON; the journal is damaged`);
    }
  });
  if (events[0]?.event !== 'start') throw new UsageError(`${path} does not begin with the study's plan; the journal is damaged`);
  return events;
}
