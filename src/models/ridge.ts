/**
 * Ridge regression in float64, for readouts fitted in closed form (the
 * linear autoregression, the echo-state network's readout).
 *
 * Rows z (D) → y (F) stream by one at a time and are folded into the
 * sufficient statistics
 *
 *   G = ZᵀZ (D, D),   C = ZᵀY (D, F),   n = rows seen,
 *
 * so memory does not grow with the data. The fit is
 *
 *   (G + λ·n·I_reg) W = C,   W (D, F),
 *
 * where I_reg is the identity with a zero at the bias column (if the caller
 * names one): the bias is not shrunk towards 0. λ is per row, so the same λ
 * means the same strength for a short and a long recording. The system is
 * symmetric positive definite when λ > 0 (or Z has full column rank), and is
 * solved by Cholesky, G + λ·n·I_reg = L Lᵀ.
 *
 * Rows are buffered in blocks of BLOCK and folded in by a blocked product
 * (each G entry read and written once per block, four at a time), which is
 * several times faster than a rank-1 update per row at D in the hundreds. The
 * tests check G and C against a naive sum at sizes that are not multiples of
 * 4 or BLOCK.
 */

/** Rows buffered before they are folded into G and C. */
const BLOCK = 32;

export interface RidgeStats {
  /** D: inputs per row (including a bias column of ones, if the caller uses one). */
  readonly inputs: number;
  /** F: outputs per row. */
  readonly outputs: number;
  /** n: rows added since the last clear. */
  rows: number;
  /** ZᵀZ (D, D): only the upper triangle (j ≥ i) is kept; read it through ridgeGram. */
  readonly gram: Float64Array;
  /** ZᵀY (D, F). */
  readonly cross: Float64Array;
  /** Rows not yet folded in, column-major: blockZ[i·BLOCK + r] = z_r[i] (D, BLOCK), blockY (F, BLOCK). */
  readonly blockZ: Float64Array;
  readonly blockY: Float64Array;
  pending: number;
}

/** The system could not be factorised: it is not (numerically) positive definite. */
export class SingularSystemError extends Error {
  /** The column whose pivot failed, from 0. */
  readonly column: number;

  constructor(message: string, column: number) {
    super(message);
    this.name = 'SingularSystemError';
    this.column = column;
  }
}

export function createRidgeStats(D: number, F: number): RidgeStats {
  if (!(Number.isInteger(D) && D >= 1 && Number.isInteger(F) && F >= 1)) {
    throw new RangeError(`ridge statistics need integer sizes ≥ 1, got D=${D}, F=${F}`);
  }
  return {
    inputs: D,
    outputs: F,
    rows: 0,
    gram: new Float64Array(D * D),
    cross: new Float64Array(D * F),
    blockZ: new Float64Array(D * BLOCK),
    blockY: new Float64Array(F * BLOCK),
    pending: 0,
  };
}

/** Forget every row. */
export function clearRidgeStats(s: RidgeStats): void {
  s.gram.fill(0);
  s.cross.fill(0);
  s.rows = 0;
  s.pending = 0;
}

/** Add one row: z (the first D values are read) → y (the first F). Both are copied. */
export function addRidgeRow(s: RidgeStats, z: ArrayLike<number>, y: ArrayLike<number>): void {
  const D = s.inputs, F = s.outputs, r = s.pending;
  if (z.length < D || y.length < F) throw new RangeError(`ridge row needs ${D} inputs and ${F} outputs, got ${z.length} and ${y.length}`);
  for (let i = 0; i < D; i++) s.blockZ[i * BLOCK + r] = z[i];
  for (let f = 0; f < F; f++) s.blockY[f * BLOCK + r] = y[f];
  s.rows++;
  s.pending++;
  if (s.pending === BLOCK) flush(s);
}

/** Fold the buffered rows into G (upper triangle) and C. */
function flush(s: RidgeStats): void {
  const D = s.inputs, F = s.outputs, p = s.pending;
  const { gram: G, cross: C, blockZ: Z, blockY: Y } = s;
  if (p === 0) return;
  for (let i = 0; i < D; i++) {
    const zi = i * BLOCK, gi = i * D;
    let j = i;
    for (; j + 3 < D; j += 4) {
      const z0 = j * BLOCK, z1 = z0 + BLOCK, z2 = z1 + BLOCK, z3 = z2 + BLOCK;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let r = 0; r < p; r++) {
        const a = Z[zi + r];
        s0 += a * Z[z0 + r];
        s1 += a * Z[z1 + r];
        s2 += a * Z[z2 + r];
        s3 += a * Z[z3 + r];
      }
      G[gi + j] += s0;
      G[gi + j + 1] += s1;
      G[gi + j + 2] += s2;
      G[gi + j + 3] += s3;
    }
    for (; j < D; j++) {
      const zj = j * BLOCK;
      let sum = 0;
      for (let r = 0; r < p; r++) sum += Z[zi + r] * Z[zj + r];
      G[gi + j] += sum;
    }
    for (let f = 0; f < F; f++) {
      const yf = f * BLOCK;
      let sum = 0;
      for (let r = 0; r < p; r++) sum += Z[zi + r] * Y[yf + r];
      C[i * F + f] += sum;
    }
  }
  s.pending = 0;
}

/** ZᵀZ (D, D) and ZᵀY (D, F) of the rows so far, as full copies (for tests and inspection). */
export function ridgeGram(s: RidgeStats): { gram: Float64Array; cross: Float64Array } {
  flush(s);
  const D = s.inputs;
  const gram = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = i; j < D; j++) gram[i * D + j] = gram[j * D + i] = s.gram[i * D + j];
  }
  return { gram, cross: s.cross.slice() };
}

/**
 * W (F, D) ← the ridge fit of the rows so far, written in PyTorch's [out, in]
 * layout: W[f·D + i] is input i's weight in output f. λ ≥ 0 is per row (the
 * diagonal gets λ·n); column `unpenalised` (the bias, or −1 for none) gets no
 * penalty. The statistics are left as they are (clear them to start afresh).
 * Throws SingularSystemError when the system is not positive definite, e.g. λ
 * = 0 with fewer independent rows than D, or a column that is always 0.
 */
export function solveRidge(W: Float64Array, s: RidgeStats, lambda: number, unpenalised = -1): void {
  const D = s.inputs, F = s.outputs, n = s.rows;
  if (W.length < F * D) throw new RangeError(`ridge solution needs ${F}×${D} values, got ${W.length}`);
  if (!(lambda >= 0 && Number.isFinite(lambda))) throw new RangeError(`ridge λ must be a finite number ≥ 0, got ${lambda}`);
  if (!(Number.isInteger(unpenalised) && unpenalised >= -1 && unpenalised < D)) {
    throw new RangeError(`unpenalised column must be in [−1, ${D}), got ${unpenalised}`);
  }
  if (n === 0) throw new SingularSystemError('ridge fit of no rows: nothing was learnt', 0);
  flush(s);

  // A = G + λ·n·I_reg, upper triangle; factorised in place into Lᵀ (row i of Lᵀ = column i of L).
  const A = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = i; j < D; j++) A[i * D + j] = s.gram[i * D + j];
    if (i !== unpenalised) A[i * D + i] += lambda * n;
  }
  cholesky(A, D);

  // Solve L Lᵀ w = c for each output f: forward (L v = c), then back (Lᵀ w = v).
  const v = new Float64Array(D);
  for (let f = 0; f < F; f++) {
    for (let i = 0; i < D; i++) {
      let sum = s.cross[i * F + f];
      for (let k = 0; k < i; k++) sum -= A[k * D + i] * v[k]; // L[i,k] = Lᵀ[k,i]
      v[i] = sum / A[i * D + i];
    }
    for (let i = D - 1; i >= 0; i--) {
      let sum = v[i];
      for (let k = i + 1; k < D; k++) sum -= A[i * D + k] * W[f * D + k];
      W[f * D + i] = sum / A[i * D + i];
    }
  }
}

/**
 * Cholesky A = L Lᵀ in place on the upper triangle of A (D, D): afterwards
 * A[i·D + j] = L[j, i] for j ≥ i. A pivot must stay above a relative floor
 * (PIVOT_FLOOR times its column's original diagonal): below it, the matrix is
 * singular to working precision and the solution would be rounding noise.
 */
const PIVOT_FLOOR = 64 * Number.EPSILON;

function cholesky(A: Float64Array, D: number): void {
  const diagonal = new Float64Array(D);
  for (let i = 0; i < D; i++) diagonal[i] = A[i * D + i];
  // Right-looking: row i of Lᵀ is finished, then subtracted from the rows below it, so every
  // inner loop runs along a row.
  for (let i = 0; i < D; i++) {
    const d = A[i * D + i];
    if (!(d > PIVOT_FLOOR * diagonal[i]) || !(d > 0)) {
      throw new SingularSystemError(
        `ridge system is not positive definite: pivot ${i + 1} of ${D} is ${d.toPrecision(3)} (diagonal ${diagonal[i].toPrecision(3)}); ` +
          'the inputs are linearly dependent or constant, so a penalty λ > 0 is needed',
        i,
      );
    }
    const l = Math.sqrt(d);
    for (let j = i; j < D; j++) A[i * D + j] /= l;
    for (let r = i + 1; r < D; r++) {
      const a = A[i * D + r];
      if (a === 0) continue;
      for (let j = r; j < D; j++) A[r * D + j] -= a * A[i * D + j];
    }
  }
}
