/**
 * sMAPE, the correctness score of NeuroBench's Mackey-Glass task, computed as their
 * neurobench/metrics/workload/smape.py does:
 *
 *   sMAPE = 200 · mean_i |y_i − ŷ_i| / (|y_i| + |ŷ_i|),   in [0, 200]
 *
 * 0 is a perfect prediction, 200 one of the opposite sign (or 0 against anything non-zero)
 * at every point.
 *
 * Their NaN rule, followed here so that scores compare with theirs: they take the mean in torch
 * and then `torch.nan_to_num(smape, nan=200.0)`. A NaN term makes the mean NaN, so one NaN
 * term makes the *whole score* 200, not just that term. A term is NaN when the prediction is
 * NaN, when either value is ±Infinity (∞/∞ or ∞−∞), and when y = ŷ = 0 (0/0): even a perfect
 * prediction of a 0 scores 200. (A diverged autoregressive prediction thus scores the worst.)
 *
 * Where we differ on purpose: they raise on a shape mismatch (which their benchmark runner
 * turns into a score of 0) and score an empty input 200 (the mean of nothing is NaN); both
 * are mistakes in the caller, so they throw a RangeError here.
 */

/** sMAPE of predictions yHat against targets y (the same length, at least one point). */
export function smape(y: ArrayLike<number>, yHat: ArrayLike<number>): number {
  if (y.length !== yHat.length) {
    throw new RangeError(`smape: targets and predictions differ in length (${y.length} vs ${yHat.length})`);
  }
  if (y.length === 0) throw new RangeError('smape: no points to score');
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    sum += Math.abs(y[i] - yHat[i]) / (Math.abs(y[i]) + Math.abs(yHat[i]));
  }
  const score = (200 * sum) / y.length;
  return Number.isNaN(score) ? 200 : score;
}
