/**
 * What a coordinator prints about a queued study: a line when its counts change (done, running
 * per worker, queued, the time left at the rate so far), and when Redis goes away or comes back.
 */
import type { QueueStatus } from '../queue/executor.js';
import type { ExecutorChoice } from '../queue/open.js';

export function queueStatusLine(s: QueueStatus, elapsedSeconds: number): string {
  const workers = Object.entries(s.workers).map(([w, n]) => `${w} ${n}`).join(', ');
  const left = s.running + s.queued;
  const rate = s.done / Math.max(elapsedSeconds, 1e-9);
  const eta = s.done > 0 && left > 0 ? `, about ${formatMinutes(left / rate)} left` : '';
  return `queue ${s.queue}: ${s.done} done, ${s.running} running${workers ? ` (${workers})` : ''}, ${s.queued} queued${eta}${s.redisUp ? '' : ' — Redis unreachable, waiting'}`;
}

const formatMinutes = (seconds: number) => (seconds < 90 ? `${Math.round(seconds)} s` : `${(seconds / 60).toFixed(1)} min`);

/** The hooks that print a queued study's status to `out` (stderr), or none without --redis. */
export function queueHooks(redis: string | undefined, out: NodeJS.WritableStream = process.stderr): ExecutorChoice {
  if (!redis) return {};
  const started = performance.now();
  let last = '';
  return {
    redis,
    onQueueStatus: (s) => {
      const line = queueStatusLine(s, (performance.now() - started) / 1000);
      const counts = line.replace(/, about .* left/, '');
      if (counts !== last) out.write(line + '\n');
      last = counts;
    },
    onRedis: (up, why) => out.write(up ? 'Redis is back: the study goes on\n' : `${why}; waiting for it\n`),
  };
}
