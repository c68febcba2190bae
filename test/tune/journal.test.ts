import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendEvent, readJournal, type JournalEvent, type PlanJson } from '../../src/tune/journal.js';
import { StudyState } from '../../src/tune/state.js';

const dir = mkdtempSync(join(tmpdir(), 'audiopred-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const plan: PlanJson = {
  models: ['rnn'], files: ['/a.wav'], config: { epochs: 9 }, trials: 3, seeds: 2, seed: 1, split: [0.6, 0.2, 0.2], split_seed: 1, fixed: [], jobs: 0,
};
const start: JournalEvent = { event: 'start', audiopred: 'test', created: '2026-12-06T00:00:00Z', plan };
const rung = (trial: number, r: number, score: number | null): JournalEvent => ({
  event: 'rung', unit: 'rnn', trial, rung: r, epochs: [1, 3, 9][r], score, val_loss: { 'a.wav': score }, best_val: { 'a.wav': score },
});

test('events are appended one JSON line each and read back in order', () => {
  const path = join(dir, 'whole.jsonl');
  const events: JournalEvent[] = [start, { event: 'trial', unit: 'rnn', trial: 0, config: { lr: 0.001 } }, rung(0, 0, 0.5)];
  for (const e of events) appendEvent(path, e);
  assert.equal(readFileSync(path, 'utf8').split('\n').length, 4);
  assert.deepEqual(readJournal(path), events);
});

test('a line torn by a kill mid-write is cut off, and the journal goes on after it', () => {
  const path = join(dir, 'torn.jsonl');
  appendEvent(path, start);
  appendEvent(path, rung(0, 0, 0.5));
  appendFileSync(path, '{"event":"rung","unit":"rn');
  assert.deepEqual(readJournal(path), [start, rung(0, 0, 0.5)]);
  appendEvent(path, rung(1, 0, 0.25));
  assert.deepEqual(readJournal(path), [start, rung(0, 0, 0.5), rung(1, 0, 0.25)]);
});

test('a journal that does not begin with the plan, or has a damaged line, is refused', () => {
  const headless = join(dir, 'headless.jsonl');
  appendEvent(headless, rung(0, 0, 0.5));
  assert.throws(() => readJournal(headless), /does not begin with the study's plan/);
  const damaged = join(dir, 'damaged.jsonl');
  writeFileSync(damaged, `${JSON.stringify(start)}\nnot json\n`);
  assert.throws(() => readJournal(damaged), /line 2 is not JSON/);
  assert.throws(() => readJournal(join(dir, 'missing.jsonl')), /cannot be read/);
});

test('replayed events give the same ASHA states and the same best trial', () => {
  const events: JournalEvent[] = [start, rung(0, 0, 0.5), rung(1, 0, 0.4), rung(2, 0, 0.9), rung(0, 1, 0.3), rung(1, 1, 0.3), rung(1, 2, 0.2)];
  const live = new StudyState();
  const path = join(dir, 'replay.jsonl');
  for (const e of events) {
    appendEvent(path, e);
    live.apply(e);
  }
  const replayed = new StudyState();
  for (const e of readJournal(path)) replayed.apply(e);
  assert.deepEqual(replayed.states('rnn', 3, 3), live.states('rnn', 3, 3));
  assert.deepEqual(live.states('rnn', 3, 3).map((s) => s.next), ['run', 'completed', 'stopped']); // trial 0 has no earlier rival
  // The highest rung reached counts first: trial 1 at 9 epochs, though trial 0 and 1 tie at 3.
  assert.deepEqual(replayed.best('rnn', 3), { trial: 1, rung: 2, score: 0.2 });
});

test('the best trial: the lowest score at the highest rung reached, ties to the earlier trial, diverged ones never', () => {
  const state = new StudyState();
  for (const e of [rung(0, 0, 0.5), rung(1, 0, 0.5), rung(2, 0, null)]) state.apply(e);
  assert.deepEqual(state.best('rnn', 3), { trial: 0, rung: 0, score: 0.5 });
  const none = new StudyState();
  none.apply(rung(0, 0, null));
  assert.equal(none.best('rnn', 1), null);
  assert.throws(() => none.apply(rung(0, 2, 0.1)), /reports rung 2 after 1 rungs/);
});
