import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { createLocalExecutor } from '../../src/jobs/executor.js';
import type { EpochPoint, Job, JobResult, RunningJob } from '../../src/jobs/job.js';

/** Jobs that run until the test ends them, in place of child processes. */
function fakeRuns() {
  const started: string[] = [];
  const stopped: string[] = [];
  const finish = new Map<string, () => void>();
  const start = (job: Job, onEpoch: (p: EpochPoint) => void): RunningJob => {
    started.push(job.out);
    const result = new Promise<JobResult>((resolve) => {
      const end = (status: JobResult['status']) =>
        resolve({ job, status, curve: [], finalTrain: 1, finalVal: 1, bestVal: 1, seconds: 0 });
      finish.set(job.out, () => {
        onEpoch({ epoch: 1, train: 1, val: 1 });
        end('ok');
      });
    });
    return { result, stop: () => stopped.push(job.out) };
  };
  return { start, started, stopped, finish: (out: string) => finish.get(out)!() };
}

const job = (out: string) => ({ out }) as Job;

test('the local executor runs jobs on its lanes, first handed first run', async () => {
  const fake = fakeRuns();
  const executor = createLocalExecutor(2, fake.start);
  const epochs: string[] = [];
  const runs = ['a', 'b', 'c', 'd'].map((out) => executor.run(job(out), () => epochs.push(out)));
  assert.deepEqual(fake.started, ['a', 'b'], 'two lanes: two jobs at a time');
  fake.finish('b');
  assert.equal((await runs[1].result)?.status, 'ok');
  await tick();
  assert.deepEqual(fake.started, ['a', 'b', 'c']);
  fake.finish('a');
  await runs[0].result;
  await tick();
  assert.deepEqual(fake.started, ['a', 'b', 'c', 'd']);
  assert.deepEqual(epochs, ['b', 'a']);
});

test('stopping a waiting job drops it (result undefined); stopping a running one asks it to stop', async () => {
  const fake = fakeRuns();
  const executor = createLocalExecutor(1, fake.start);
  const first = executor.run(job('a'));
  const second = executor.run(job('b'));
  second.stop();
  assert.equal(await second.result, undefined);
  first.stop();
  assert.deepEqual(fake.stopped, ['a']);
  fake.finish('a');
  await first.result;
  await tick();
  assert.deepEqual(fake.started, ['a'], 'the dropped job never started');
  assert.throws(() => createLocalExecutor(0), /lanes must be an integer ≥ 1/);
});
