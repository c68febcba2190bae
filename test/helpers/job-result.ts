import type { Job, JobResult } from '../../src/jobs/job.js';
import type { CostReport } from '../../src/models/cost.js';

/** A finished (or not) compare run of `label` on one recording, as summaries and tables read it. */
export function jobResult(label: string, seed: number, finalVal: number, status: JobResult['status'], cost: CostReport): JobResult {
  const ok = status === 'ok';
  return {
    job: { model: label, label, seed, audio: '/data/a.flac' } as Job, // summaries read only these
    status,
    ...(ok ? {} : { error: 'loss NaN at epoch 2' }),
    curve: ok ? [{ epoch: 1, train: 1, val: finalVal * 2 }, { epoch: 2, train: 0.5, val: finalVal }] : [],
    finalTrain: ok ? 0.5 : NaN,
    finalVal: ok ? finalVal : NaN,
    bestVal: ok ? finalVal : Infinity,
    seconds: 2,
    ...(ok ? { cost } : {}),
  };
}
