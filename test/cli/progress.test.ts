/**
 * The plain reporter of `train` in a pipe: a line at every 100th epoch, and also whenever
 * 10 s have passed since the last line, so a slow unit never looks hung. The clock is
 * performance.now, faked here (node:test's mock timers do not cover it in Node 20).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReporter } from '../../src/cli/progress.js';

/** A stream that keeps what is written to it. */
function fakeStream(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const stream = { write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

const report = (epoch: number) => ({ epoch, trainLoss: 0.5, valLoss: 0.25, seconds: epoch, epochsPerSecond: 2 });

test('the plain reporter prints at multiples of 100 epochs, and also after 10 s without a line', (t) => {
  let now = 1_000;
  t.mock.method(performance, 'now', () => now);
  const { stream, lines } = fakeStream();
  const reporter = createReporter('plain', 1000, stream);
  const printed: number[] = [];
  const at = (epoch: number, ms: number) => {
    now += ms;
    const before = lines.length;
    reporter.epoch(report(epoch));
    if (lines.length > before) printed.push(epoch);
  };
  // Fast epochs: only the hundreds.
  for (let e = 1; e <= 200; e++) at(e, 10);
  assert.deepEqual(printed, [100, 200]);
  assert.equal(lines[0], 'Epoch 100/1000, Train Loss: 0.500000, Val Loss: 0.250000 (2.00 epochs/s)\n');
  // Slow epochs: 4 s each; a line once 10 s have passed since the last one (epoch 200).
  at(201, 4_000); // 4 s
  at(202, 4_000); // 8 s
  at(203, 1_999); // 9.999 s
  assert.deepEqual(printed, [100, 200]);
  at(204, 1); // 10 s
  assert.deepEqual(printed, [100, 200, 204]);
  at(205, 9_000); // 9 s after 204
  at(206, 1_500); // 10.5 s after 204
  assert.deepEqual(printed, [100, 200, 204, 206]);
  // A hundred resets the 10 s clock too.
  for (let e = 207; e <= 299; e++) at(e, 100);
  assert.deepEqual(printed, [100, 200, 204, 206]); // 207…299 took 9.3 s: no line
  at(300, 100);
  at(301, 9_950);
  assert.deepEqual(printed, [100, 200, 204, 206, 300]);
  at(302, 50);
  assert.deepEqual(printed, [100, 200, 204, 206, 300, 302]);
  assert.match(lines.at(-1)!, /^Epoch 302\/1000, Train Loss: 0\.500000, Val Loss: 0\.250000 \(2\.00 epochs\/s\)\n$/);
  reporter.finish();
});

test('the first slow epoch is measured from the reporter\'s start', (t) => {
  let now = 50_000;
  t.mock.method(performance, 'now', () => now);
  const { stream, lines } = fakeStream();
  const reporter = createReporter('plain', 1000, stream);
  now += 9_999;
  reporter.epoch(report(1));
  assert.equal(lines.length, 0);
  now += 1;
  reporter.epoch(report(2));
  assert.deepEqual(lines, ['Epoch 2/1000, Train Loss: 0.500000, Val Loss: 0.250000 (2.00 epochs/s)\n']);
});

test('the JSON reporter prints every epoch', () => {
  const { stream, lines } = fakeStream();
  const reporter = createReporter('json', 3, stream);
  for (let e = 1; e <= 3; e++) reporter.epoch(report(e));
  assert.deepEqual(lines.map((l) => JSON.parse(l).epoch), [1, 2, 3]);
  assert.deepEqual(Object.keys(JSON.parse(lines[0])), ['epoch', 'train_loss', 'val_loss', 'epochs_per_second']);
});
