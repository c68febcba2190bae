import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ashaRungs, ashaStates, promotes, type TrialState } from '../../src/tune/asha.js';
import { Xoshiro128 } from '../../src/data/rng.js';

test('rungs are at E/27, E/9, E/3 (those ≥ 1, distinct) and E', () => {
  assert.deepEqual(ashaRungs(100), [3, 11, 33, 100]);
  assert.deepEqual(ashaRungs(27), [1, 3, 9, 27]);
  assert.deepEqual(ashaRungs(9), [1, 3, 9]);
  assert.deepEqual(ashaRungs(4), [1, 4]);
  assert.deepEqual(ashaRungs(3), [1, 3]);
  assert.deepEqual(ashaRungs(2), [2]);
  assert.deepEqual(ashaRungs(1), [1]);
  assert.throws(() => ashaRungs(0), /epochs/);
});

test("a trial continues iff its score is at most the ⌊n/3⌋-th best of its rivals (Optuna's rule), the first ones if best so far", () => {
  assert.equal(promotes(5, [5]), true); // alone: n = 1, index 0 is itself
  assert.equal(promotes(2, [1, 2]), false); // n = 2: only the best goes on
  assert.equal(promotes(1, [2, 1]), true);
  assert.equal(promotes(3, [1, 2, 3, 4, 5, 6]), false); // n = 6: the best 2
  assert.equal(promotes(2, [6, 5, 4, 3, 2, 1]), true);
  assert.equal(promotes(2, [2, 2, 9]), true, 'a tie with the threshold continues');
  assert.equal(promotes(NaN, [NaN]), false, 'a score that is not finite never continues');
  assert.equal(promotes(7, [Infinity, NaN, 7]), true, 'diverged rivals are the worst');
});

test('decisions at the first rung follow the rule trial by trial', () => {
  const scores = [[3], [1], [2], [0.5], [4], [0.1]];
  const states = ashaStates(scores, 3);
  assert.deepEqual(
    states.map((s) => s.next),
    ['run', 'run', 'stopped', 'run', 'stopped', 'run'], // t5: n = 6, the second best (0.5) is the bar
  );
  assert.ok(states.every((s) => s.next !== 'run' || s.rung === 1));
});

test('a trial waits for every earlier trial to report its rung or stop before it', () => {
  // Trial 0 has not reported rung 0: trial 1's decision waits.
  assert.deepEqual(ashaStates([[], [1]], 3), [{ next: 'run', rung: 0 }, { next: 'wait', rung: 0 }]);
  // Trial 0 went on to rung 1 and has not reported it: trial 1, at rung 1, waits; trial 2 at rung 0 does not.
  const states = ashaStates([[1], [0.5, 0.4], [0.9]], 3);
  assert.deepEqual(states, [{ next: 'run', rung: 1 }, { next: 'wait', rung: 1 }, { next: 'stopped', rung: 0 }]);
  // Trial 2, stopped at rung 0, does not hold trial 3 back at rung 1; trial 1, not yet at rung 1, does.
  assert.deepEqual(ashaStates([[2, 4], [1], [3], [0.5, 2]], 3).map((s) => s.next), ['run', 'run', 'stopped', 'wait']);
  assert.deepEqual(ashaStates([[2, 4], [1, 3], [3], [0.5, 2]], 3), [
    { next: 'run', rung: 2 },
    { next: 'run', rung: 2 },
    { next: 'stopped', rung: 0 },
    { next: 'run', rung: 2 }, // rivals at rung 1: 4, 3 and its own 2
  ]);
});

test('a diverged score is the worst and stops its trial; the last rung completes a trial', () => {
  const states = ashaStates([[NaN], [2], [Infinity], [1, 2, 3]], 3);
  assert.deepEqual(states, [
    { next: 'diverged', rung: 0 },
    { next: 'run', rung: 1 }, // rivals [NaN, 2]: 2 is the best
    { next: 'diverged', rung: 0 },
    { next: 'completed', rung: 2 },
  ]);
  // Closed-form units have one rung: their only report completes them.
  assert.deepEqual(ashaStates([[0.9], [0.3]], 1), [{ next: 'completed', rung: 0 }, { next: 'completed', rung: 0 }]);
});

/**
 * A study simulated with `lanes` runs at a time that end in an order drawn from `orderSeed`:
 * the scores each trial reports (a fixed function of trial and rung) and their final states.
 */
function simulate(trials: number, rungs: number, lanes: number, orderSeed: number): { scores: number[][]; states: TrialState[] } {
  const scoreRng = (trial: number, rung: number) => Xoshiro128.fromSeed(trial * 31 + rung, 'asha test').nextFloat() / (rung + 1);
  const scores: number[][] = Array.from({ length: trials }, () => []);
  const order = Xoshiro128.fromSeed(orderSeed, 'completion order');
  const running: { trial: number; rung: number }[] = [];
  for (;;) {
    const states = ashaStates(scores, rungs);
    for (let i = 0; i < trials && running.length < lanes; i++) {
      const s = states[i];
      if (s.next === 'run' && !running.some((r) => r.trial === i)) running.push({ trial: i, rung: s.rung });
    }
    if (!running.length) return { scores, states };
    const [done] = running.splice(order.nextInt(running.length), 1);
    scores[done.trial].push(done.trial === 4 && done.rung === 1 ? NaN : scoreRng(done.trial, done.rung));
  }
}

test('a study decides the same whatever order its runs end in and however many run at once', () => {
  const reference = simulate(12, 4, 1, 0);
  assert.ok(reference.states.every((s) => ['stopped', 'diverged', 'completed'].includes(s.next)), JSON.stringify(reference.states));
  assert.ok(reference.states.some((s) => s.next === 'stopped') && reference.states.some((s) => s.next === 'completed'));
  assert.equal(reference.states[4].next === 'diverged' || reference.scores[4].length < 2, true);
  for (const lanes of [2, 3, 5, 12]) {
    for (let orderSeed = 1; orderSeed <= 20; orderSeed++) {
      const other = simulate(12, 4, lanes, orderSeed);
      assert.deepEqual(other, reference, `lanes ${lanes}, order ${orderSeed}`);
    }
  }
});
