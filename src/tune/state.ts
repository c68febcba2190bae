/**
 * What a tune study knows, rebuilt from its journal events alone: the reference losses, each
 * trial's rung reports and end, each retrain run. The study adds to it as events happen; a
 * resumed study replays the journal into it first. Everything it answers (ASHA's states, a
 * unit's best trial) is a function of these events, so both arrive at the same answers.
 */
import { ashaStates, type TrialState } from './asha.js';
import type { JournalEvent, TrialStatus } from './journal.js';

export type RungEvent = Extract<JournalEvent, { event: 'rung' }>;
export type ReferenceEvent = Extract<JournalEvent, { event: 'reference' }>;
export type RetrainEvent = Extract<JournalEvent, { event: 'retrain' }>;

export interface TrialRecord {
  started: boolean;
  /** Reports of rungs 0, 1, … in order. */
  rungs: RungEvent[];
  end?: { status: TrialStatus; epochs: number };
}

export interface BestTrial {
  trial: number;
  /** The rung its score is compared at: the highest any trial reached with a finite score. */
  rung: number;
  score: number;
}

const retrainKey = (unit: string, seed: number, audio: string) => `${unit}\u0000${seed}\u0000${audio}`;

export class StudyState {
  /** By recording file name. */
  readonly references = new Map<string, ReferenceEvent>();
  private readonly trials = new Map<string, TrialRecord[]>();
  private readonly retrains = new Map<string, RetrainEvent>();

  apply(e: JournalEvent): void {
    switch (e.event) {
      case 'start':
        return;
      case 'reference':
        this.references.set(e.audio, e);
        return;
      case 'trial':
        this.trial(e.unit, e.trial).started = true;
        return;
      case 'rung': {
        const t = this.trial(e.unit, e.trial);
        if (e.rung !== t.rungs.length) throw new Error(`journal: ${e.unit} trial ${e.trial} reports rung ${e.rung} after ${t.rungs.length} rungs`);
        t.rungs.push(e);
        return;
      }
      case 'trial_end':
        this.trial(e.unit, e.trial).end = { status: e.status, epochs: e.epochs };
        return;
      case 'retrain':
        this.retrains.set(retrainKey(e.unit, e.seed, e.audio), e);
        return;
    }
  }

  trial(unit: string, trial: number): TrialRecord {
    let list = this.trials.get(unit);
    if (!list) this.trials.set(unit, (list = []));
    while (list.length <= trial) list.push({ started: false, rungs: [] });
    return list[trial];
  }

  retrain(unit: string, seed: number, audio: string): RetrainEvent | undefined {
    return this.retrains.get(retrainKey(unit, seed, audio));
  }

  /** ASHA's state of each of `unit`'s `trials` trials over `rungs` rungs (a diverged rung scores Infinity). */
  states(unit: string, trials: number, rungs: number): TrialState[] {
    const scores = Array.from({ length: trials }, (_, i) => this.trial(unit, i).rungs.map((r) => r.score ?? Infinity));
    return ashaStates(scores, rungs);
  }

  /** The trial with the lowest score at the highest rung any trial reached with a finite score (ties: the earlier trial); null if none did. */
  best(unit: string, trials: number): BestTrial | null {
    let best: BestTrial | null = null;
    for (let i = 0; i < trials; i++) {
      this.trial(unit, i).rungs.forEach((r, rung) => {
        if (r.score === null || !Number.isFinite(r.score)) return;
        if (!best || rung > best.rung || (rung === best.rung && r.score < best.score)) best = { trial: i, rung, score: r.score };
      });
    }
    return best;
  }
}
