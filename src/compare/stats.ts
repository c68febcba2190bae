/**
 * Summary statistics for a handful of seeds: mean, sample standard
 * deviation and a 95 % confidence interval for the mean from Student's t
 * (few seeds make the normal approximation far too narrow: with 3 seeds the
 * multiplier is 4.30, not 1.96).
 */

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); null for a single value (no spread to estimate). */
  std: number | null;
  /** 95 % confidence interval of the mean, [low, high]; null for a single value. */
  ci95: [number, number] | null;
}

/** t_{0.975, df} for df = 1 … 30 (two-sided 95 %). */
const T975 = [
  12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139, 2.200985,
  2.178813, 2.160369, 2.144787, 2.13145, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658,
  2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.04523, 2.042272,
];

/** The 0.975 quantile of Student's t with `df` degrees of freedom (table to 30, then a series in 1/df). */
export function tQuantile975(df: number): number {
  if (!(Number.isInteger(df) && df >= 1)) throw new RangeError(`degrees of freedom must be an integer ≥ 1, got ${df}`);
  if (df <= T975.length) return T975[df - 1];
  // Cornish–Fisher expansion around z = 1.959964; error < 1e-5 for df > 30.
  const z = 1.959963985;
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3;
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) throw new RangeError('no values to summarise');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, std: null, ci95: null };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  const std = Math.sqrt(variance);
  const half = (tQuantile975(n - 1) * std) / Math.sqrt(n);
  return { n, mean, std, ci95: [mean - half, mean + half] };
}
