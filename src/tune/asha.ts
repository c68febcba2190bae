/**
 * Asynchronous successive halving (ASHA; Li et al. 2020), reduction factor η = 3, as a pure
 * function of the scores trials have reported. A trial trains to the first rung's epochs and
 * reports its validation score (lower is better); at each rung but the last it continues iff its
 * score is among the best 1/η of the trials that reached that rung, Optuna's
 * SuccessiveHalvingPruner rule: continue iff score ≤ sorted[max(0, ⌊n/η⌋ − 1)], n counting itself
 * (so the first trials, which have few rivals, continue when they are the best so far).
 *
 * The rivals of trial i at rung k are the trials j ≤ i that reach rung k, and its decision waits
 * until every j < i has reported rung k or stopped before it. So every decision is the same
 * whatever order runs finish in, and a study replayed from its journal decides as it did.
 * A score that is not finite (NaN, a run that diverged) is the worst and stops its trial.
 */

export const REDUCTION = 3;

/** Rungs (epochs) for trials of at most `epochs` epochs: ⌊E/27⌋, ⌊E/9⌋, ⌊E/3⌋ (those ≥ 1, distinct) and E. */
export function ashaRungs(epochs: number, reduction = REDUCTION): number[] {
  if (!(Number.isSafeInteger(epochs) && epochs >= 1)) throw new RangeError(`epochs must be an integer ≥ 1, got ${epochs}`);
  const rungs = [reduction ** 3, reduction ** 2, reduction].map((d) => Math.floor(epochs / d)).filter((r) => r >= 1);
  return [...new Set([...rungs, epochs])];
}

/** What a trial does next, given the scores so far. */
export type TrialState =
  /** Train to rung `rung` and report it (rung 0: the trial has not reported yet). */
  | { readonly next: 'run'; readonly rung: number }
  /** It reported `rung`; its decision waits for an earlier trial to report that rung. */
  | { readonly next: 'wait'; readonly rung: number }
  /** Stopped by the rule at rung `rung`. */
  | { readonly next: 'stopped'; readonly rung: number }
  /** Its score at rung `rung` was not finite. */
  | { readonly next: 'diverged'; readonly rung: number }
  /** It reached the last rung. */
  | { readonly next: 'completed'; readonly rung: number };

/** Whether trial i at rung k continues, against the scores of its rivals (its own among them). */
export function promotes(score: number, rivals: readonly number[], reduction = REDUCTION): boolean {
  const sorted = rivals.map((s) => (Number.isFinite(s) ? s : Infinity)).sort((a, b) => a - b);
  const index = Math.max(0, Math.floor(sorted.length / reduction) - 1);
  return Number.isFinite(score) && score <= sorted[index];
}

/**
 * The state of every trial. `scores[i]` holds trial i's scores at rungs 0, 1, … as far as it has
 * reported (empty if it has not); `rungs` is how many rungs there are.
 */
export function ashaStates(scores: readonly (readonly number[])[], rungs: number, reduction = REDUCTION): TrialState[] {
  const states: TrialState[] = [];
  for (let i = 0; i < scores.length; i++) {
    const own = scores[i];
    const k = own.length - 1;
    if (k >= rungs) throw new RangeError(`trial ${i} reported ${own.length} rungs of ${rungs}`);
    if (k < 0) {
      states.push({ next: 'run', rung: 0 });
    } else if (!Number.isFinite(own[k])) {
      states.push({ next: 'diverged', rung: k });
    } else if (k === rungs - 1) {
      states.push({ next: 'completed', rung: k });
    } else {
      // An earlier trial that has not reported rung k and has not ended below it may still come.
      const pending = states.some((s, j) => scores[j].length <= k && (s.next === 'run' || s.next === 'wait'));
      if (pending) {
        states.push({ next: 'wait', rung: k });
      } else {
        const rivals = scores.slice(0, i + 1).filter((s) => s.length > k).map((s) => s[k]);
        states.push(promotes(own[k], rivals, reduction) ? { next: 'run', rung: k + 1 } : { next: 'stopped', rung: k });
      }
    }
  }
  return states;
}
