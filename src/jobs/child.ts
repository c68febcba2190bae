/**
 * The process one run of a study trains in (forked by job.ts): it calls trainRun and reports
 * over the IPC channel. A run in its own process costs only itself if a unit crashes, and lets
 * runs use every core side by side. The parent stops it with a 'stop' message (or by going
 * away): the run finishes its epoch, checkpoints and reports 'interrupted'. Terminal signals are
 * the parent's to handle, so Ctrl-C reaches each run once, through the parent.
 */
import { configFromJson } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { trainRun } from '../runs/train-run.js';
import type { ChildMessage, ParentMessage } from './job.js';

const send = (message: ChildMessage) => new Promise<void>((resolve) => (process.send ? process.send(message, undefined, {}, () => resolve()) : resolve()));

const controller = new AbortController();
process.on('SIGINT', () => {});
process.on('SIGTERM', () => controller.abort());
process.on('disconnect', () => controller.abort());

process.on('message', (message: ParentMessage) => {
  if (message.type === 'stop') {
    controller.abort();
    return;
  }
  void run(message).then(() => process.disconnect?.());
});

async function run(message: Extract<ParentMessage, { type: 'run' }>): Promise<void> {
  const { job } = message;
  try {
    const config = configFromJson(job.config, 'the job');
    const result = await trainRun({
      // A resumed job may continue its run to more epochs than it first had (tune's next rung).
      ...(job.resume ? { resume: job.out, epochs: config.epochs } : { audio: job.audio, config, out: job.out }),
      saveEvery: job.saveEvery,
      signal: controller.signal,
      onEpoch: (e) => void send({ type: 'epoch', epoch: e.epoch, train: e.trainLoss, val: e.valLoss }),
    });
    await send({ type: 'end', status: result.status, ...(result.error ? { error: result.error } : {}) });
  } catch (err) {
    const error = err instanceof UsageError ? err.message : `internal error: ${(err as Error).stack ?? String(err)}`;
    await send({ type: 'end', status: 'failed', error });
  }
}
