/**
 * Standardisation of time-major features (frames, coefficients), computed in float64.
 *
 * - 'frame': what the original does, probably by accident. It calls scikit-learn's
 *   `StandardScaler().fit_transform(mfcc)` on the [coefficients, frames] matrix, so each FRAME
 *   is a "feature": it is standardised across its own coefficients (mean 0, population std 1).
 * - 'coefficient': each coefficient standardised over time, the usual choice.
 * - 'none': a copy.
 *
 * Both scaling modes mirror StandardScaler (scikit-learn 1.2): the two-pass variance with the
 * Chan–Golub–LeVeque correction term, and `_handle_zeros_in_scale` with the constant mask from
 * `_is_constant_feature`: a group whose variance is within float64 rounding error of zero
 * (var ≤ n·ε·var + (n·mean·ε)²) keeps scale 1, so digital silence gives zeros, never NaN.
 */

export const NORMALIZATIONS = ['frame', 'coefficient', 'none'] as const;
export type Normalization = (typeof NORMALIZATIONS)[number];

/** features (T, F) in, a new (T, F) array out. */
export function standardize(
  features: Float32Array,
  frames: number,
  coefficients: number,
  mode: Normalization,
): Float32Array {
  if (features.length !== frames * coefficients) {
    throw new RangeError(`standardize: ${features.length} values is not ${frames} frames × ${coefficients} coefficients`);
  }
  const out = new Float32Array(features.length); // (T, F)
  switch (mode) {
    case 'none':
      out.set(features);
      return out;
    case 'frame':
      // Group t holds features[t·F + j] for j in [0, F): stride 1.
      for (let t = 0; t < frames; t++) standardizeGroup(out, features, t * coefficients, 1, coefficients);
      return out;
    case 'coefficient':
      // Group j holds features[t·F + j] for t in [0, T): stride F.
      for (let j = 0; j < coefficients; j++) standardizeGroup(out, features, j, coefficients, frames);
      return out;
    default: {
      const unknown: never = mode;
      throw new RangeError(`standardize: unknown mode ${String(unknown)}`);
    }
  }
}

/** out[first + i·stride] = (x − mean) / scale over the n values x = input[first + i·stride]. */
function standardizeGroup(out: Float32Array, input: Float32Array, first: number, stride: number, n: number): void {
  if (n === 0) return;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += input[first + i * stride];
  const mean = sum / n;
  // Two-pass variance with the correction term, as sklearn's _incremental_mean_and_var.
  let correction = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = input[first + i * stride] - mean;
    correction += d;
    squares += d * d;
  }
  const variance = (squares - (correction * correction) / n) / n;
  const eps = Number.EPSILON; // float64 machine epsilon, as sklearn uses
  const constant = variance <= n * eps * variance + (n * mean * eps) ** 2;
  const scale = constant ? 1 : Math.sqrt(variance);
  for (let i = 0; i < n; i++) out[first + i * stride] = (input[first + i * stride] - mean) / scale;
}
