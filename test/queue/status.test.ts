/** The coordinator's status line for a queued study: counts, runs per worker, time left, Redis down. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queueStatusLine } from '../../src/cli/queue-status.js';

const status = { queue: 'study-0123456789', queued: 6, running: 3, done: 3, workers: { 'a:1': 2, 'b:7': 1 }, redisUp: true };

test('the status line counts runs, names each worker with its runs, and gives the time left at the rate so far', () => {
  // 3 runs in 60 s: 9 left at 3 a minute is 3 minutes.
  assert.equal(queueStatusLine(status, 60), 'queue study-0123456789: 3 done, 3 running (a:1 2, b:7 1), 6 queued, about 3.0 min left');
  assert.equal(queueStatusLine({ ...status, done: 0 }, 60), 'queue study-0123456789: 0 done, 3 running (a:1 2, b:7 1), 6 queued', 'no rate yet, no estimate');
  assert.equal(queueStatusLine({ ...status, workers: {}, running: 0, queued: 1 }, 30), 'queue study-0123456789: 3 done, 0 running, 1 queued, about 10 s left');
  assert.match(queueStatusLine({ ...status, redisUp: false }, 60), / — Redis unreachable, waiting$/);
});
