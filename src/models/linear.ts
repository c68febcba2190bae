/**
 * The dense kernels every model here is built from, and the Linear layer
 * (y = x Wᵀ + b, PyTorch's nn.Linear) on top of them.
 *
 * There is one multiply kernel, `matmulAdd`: out (N, OUT) += inp (N, IN) · wᵀ
 * with w (OUT, IN), i.e. every output is a dot product of two contiguous rows.
 * The weight gradient Σ_n dout[n]ᵀ inp[n] is the same kernel applied to
 * transposed copies (doutᵀ (OUT, N) and inpᵀ (IN, N)), so it too becomes
 * long contiguous dot products, accumulated in float64 registers.
 *
 * Activations are addressed by (array, offset) so that a model can point a
 * kernel at one time step of a history buffer without making a view (making
 * views allocates). Weights are whole arrays.
 *
 * `matmulAddReference` is the plain triple loop the fast kernel is tested
 * against (and the one a WebAssembly kernel will be tested against too).
 */

/**
 * out (N, OUT) += inp (N, IN) · wᵀ, w (OUT, IN).
 * Row n of out starts at outOff + n·OUT, row n of inp at inpOff + n·IN.
 *
 * Register-blocked 2 rows × 4 outputs: each step of the inner loop loads 2
 * inputs and 4 weights for 8 multiply-adds. Sums are float64 (JavaScript
 * numbers) and rounded to float32 once, when added to out.
 */
export function matmulAdd(
  out: Float32Array,
  outOff: number,
  inp: Float32Array,
  inpOff: number,
  w: Float32Array,
  N: number,
  IN: number,
  OUT: number,
): void {
  let n = 0;
  for (; n + 2 <= N; n += 2) {
    const xa = inpOff + n * IN; // row n of inp
    const xb = xa + IN; // row n + 1
    const ya = outOff + n * OUT;
    const yb = ya + OUT;
    let o = 0;
    for (; o + 4 <= OUT; o += 4) {
      const w0 = o * IN;
      const w1 = w0 + IN;
      const w2 = w1 + IN;
      const w3 = w2 + IN;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0; // row n · w rows o..o+3
      let b0 = 0, b1 = 0, b2 = 0, b3 = 0; // row n + 1 · w rows o..o+3
      for (let k = 0; k < IN; k++) {
        const p = inp[xa + k];
        const q = inp[xb + k];
        const v0 = w[w0 + k];
        const v1 = w[w1 + k];
        const v2 = w[w2 + k];
        const v3 = w[w3 + k];
        a0 += v0 * p; a1 += v1 * p; a2 += v2 * p; a3 += v3 * p;
        b0 += v0 * q; b1 += v1 * q; b2 += v2 * q; b3 += v3 * q;
      }
      out[ya + o] += a0; out[ya + o + 1] += a1; out[ya + o + 2] += a2; out[ya + o + 3] += a3;
      out[yb + o] += b0; out[yb + o + 1] += b1; out[yb + o + 2] += b2; out[yb + o + 3] += b3;
    }
    for (; o < OUT; o++) {
      const wo = o * IN;
      let a = 0;
      let b = 0;
      for (let k = 0; k < IN; k++) {
        const v = w[wo + k];
        a += v * inp[xa + k];
        b += v * inp[xb + k];
      }
      out[ya + o] += a;
      out[yb + o] += b;
    }
  }
  if (n < N) {
    // The odd last row: 1 row × 4 outputs.
    const x = inpOff + n * IN;
    const y = outOff + n * OUT;
    let o = 0;
    for (; o + 4 <= OUT; o += 4) {
      const w0 = o * IN;
      const w1 = w0 + IN;
      const w2 = w1 + IN;
      const w3 = w2 + IN;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let k = 0; k < IN; k++) {
        const p = inp[x + k];
        a0 += w[w0 + k] * p; a1 += w[w1 + k] * p; a2 += w[w2 + k] * p; a3 += w[w3 + k] * p;
      }
      out[y + o] += a0; out[y + o + 1] += a1; out[y + o + 2] += a2; out[y + o + 3] += a3;
    }
    for (; o < OUT; o++) {
      const wo = o * IN;
      let a = 0;
      for (let k = 0; k < IN; k++) a += w[wo + k] * inp[x + k];
      out[y + o] += a;
    }
  }
}

/** The plain triple loop matmulAdd must agree with (same contract, same float64 sums). */
export function matmulAddReference(
  out: Float32Array,
  outOff: number,
  inp: Float32Array,
  inpOff: number,
  w: Float32Array,
  N: number,
  IN: number,
  OUT: number,
): void {
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OUT; o++) {
      let s = 0;
      for (let k = 0; k < IN; k++) s += inp[inpOff + n * IN + k] * w[o * IN + k];
      out[outOff + n * OUT + o] += s;
    }
  }
}

/**
 * out (C, R, F) ← inp (R, C, F), starting at inpOff: swaps the two leading
 * axes, moving F-long rows. With F = 1 it is a matrix transpose; with
 * (R, C) = (B, T) it turns batch-major (B, T, F) into time-major (T, B, F).
 */
export function transpose(out: Float32Array, inp: Float32Array, inpOff: number, R: number, C: number, F: number): void {
  if (F === 1) {
    // Blocked so that both the reads and the strided writes stay in cache.
    const S = 32;
    for (let r0 = 0; r0 < R; r0 += S) {
      const r1 = Math.min(R, r0 + S);
      for (let c0 = 0; c0 < C; c0 += S) {
        const c1 = Math.min(C, c0 + S);
        for (let r = r0; r < r1; r++) {
          const src = inpOff + r * C;
          for (let c = c0; c < c1; c++) out[c * R + r] = inp[src + c];
        }
      }
    }
    return;
  }
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      const src = inpOff + (r * C + c) * F;
      const dst = (c * R + r) * F;
      for (let f = 0; f < F; f++) out[dst + f] = inp[src + f];
    }
  }
}

/** out[off + n·OUT + o] ← bias[o] for every row n < N. */
export function fillRows(out: Float32Array, outOff: number, bias: Float32Array, N: number, OUT: number): void {
  for (let n = 0; n < N; n++) out.set(bias, outOff + n * OUT);
}

/** sums (R) += Σ_c m[r·C + c]: the row sums of m (R, C), in float64. */
export function addRowSums(sums: Float32Array, m: Float32Array, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    let s = 0;
    const row = r * C;
    for (let c = 0; c < C; c++) s += m[row + c];
    sums[r] += s;
  }
}

// ---------------------------------------------------------------------------
// Linear layer

/** Working memory of linearBackward, sized for the largest call it will see. */
export interface LinearScratch {
  readonly doutT: Float32Array; // (OUT, N)
  readonly inpT: Float32Array; // (IN, N)
  readonly weightT: Float32Array; // (IN, OUT)
}

export function createLinearScratch(maxN: number, maxIn: number, maxOut: number): LinearScratch {
  return {
    doutT: new Float32Array(maxOut * maxN),
    inpT: new Float32Array(maxIn * maxN),
    weightT: new Float32Array(maxIn * maxOut),
  };
}

/** out (N, OUT) ← inp (N, IN) · weightᵀ + bias; weight (OUT, IN), bias (OUT). */
export function linearForward(
  out: Float32Array,
  outOff: number,
  inp: Float32Array,
  inpOff: number,
  weight: Float32Array,
  bias: Float32Array,
  N: number,
  IN: number,
  OUT: number,
): void {
  fillRows(out, outOff, bias, N, OUT);
  matmulAdd(out, outOff, inp, inpOff, weight, N, IN, OUT);
}

/**
 * Backward of linearForward, accumulating:
 *   dweight (OUT, IN) += doutᵀ · inp,  dbias (OUT) += Σ_n dout[n],
 *   dinp (N, IN) += dout · weight        (skipped when dinp is null).
 * dout (N, OUT) is read from doutOff, inp (N, IN) from inpOff, dinp written from dinpOff.
 */
export function linearBackward(
  dinp: Float32Array | null,
  dinpOff: number,
  dweight: Float32Array,
  dbias: Float32Array | null,
  dout: Float32Array,
  doutOff: number,
  inp: Float32Array,
  inpOff: number,
  weight: Float32Array,
  N: number,
  IN: number,
  OUT: number,
  scratch: LinearScratch,
): void {
  const { doutT, inpT, weightT } = scratch;
  transpose(doutT, dout, doutOff, N, OUT, 1); // (OUT, N)
  transpose(inpT, inp, inpOff, N, IN, 1); // (IN, N)
  matmulAdd(dweight, 0, doutT, 0, inpT, OUT, N, IN); // dweight[o, i] += doutT[o] · inpT[i]
  if (dbias) addRowSums(dbias, doutT, OUT, N);
  if (dinp) {
    transpose(weightT, weight, 0, OUT, IN, 1); // (IN, OUT)
    matmulAdd(dinp, dinpOff, dout, doutOff, weightT, N, OUT, IN); // dinp[n, i] += dout[n] · weight[:, i]
  }
}
