/**
 * Mean squared error of the prediction against a later frame of the same
 * segment.
 *
 * A batch is B segments seg (B, T+1, F); the model reads frames 0..T−1 and
 * writes out (B, T, F), where out[b, t] has seen frames 0..t. With horizon k,
 * out[b, t] is scored against seg[b, t+k] for every t with t + k ≤ T, i.e.
 * t ∈ [0, T+1−k):
 *
 *   loss = 1/(B·(T+1−k)·F) · Σ_b Σ_{t<T+1−k} Σ_f (out[b,t,f] − seg[b,t+k,f])²
 *
 * k = 2 is the original script's alignment, mse(out[:, :-1], target[:, 1:])
 * with target = seg[:, 1:]: two frames ahead. k = 1 is true next-frame
 * prediction.
 *
 * When a batch is split across threads, each part passes the whole batch's
 * size as `meanOver`: the parts' losses (and gradients) then add up to the
 * batch's.
 */

function checkHorizon(T: number, horizon: number): void {
  if (!(Number.isInteger(horizon) && horizon >= 1 && horizon <= T)) {
    throw new RangeError(`horizon must be an integer in [1, ${T}] for ${T} input steps, got ${horizon}`);
  }
}

/** The loss above; out (B, T, F), seg (B, T+1, F). The sum is accumulated in float64. */
export function shiftedMse(
  out: Float32Array,
  seg: Float32Array,
  B: number,
  T: number,
  F: number,
  horizon: number,
  meanOver = B,
): number {
  checkHorizon(T, horizon);
  const scored = T + 1 - horizon; // steps per segment that have a target
  let sum = 0;
  for (let b = 0; b < B; b++) {
    const o = b * T * F; // out[b, 0]
    const s = (b * (T + 1) + horizon) * F; // seg[b, horizon]
    for (let i = 0; i < scored * F; i++) {
      const e = out[o + i] - seg[s + i];
      sum += e * e;
    }
  }
  return sum / (meanOver * scored * F);
}

/** dout (B, T, F) ← ∂loss/∂out: 2(out − target)/count where scored, 0 on the last horizon − 1 steps. */
export function shiftedMseBackward(
  dout: Float32Array,
  out: Float32Array,
  seg: Float32Array,
  B: number,
  T: number,
  F: number,
  horizon: number,
  meanOver = B,
): void {
  checkHorizon(T, horizon);
  const scored = T + 1 - horizon;
  const k = 2 / (meanOver * scored * F);
  for (let b = 0; b < B; b++) {
    const o = b * T * F;
    const s = (b * (T + 1) + horizon) * F;
    for (let i = 0; i < scored * F; i++) dout[o + i] = k * (out[o + i] - seg[s + i]);
    dout.fill(0, o + scored * F, o + T * F);
  }
}
