// Kernels of the online units' per-step loops (eprop, esn-rls).
// The contract (shapes, what is overwritten, what is accumulated) is written once here, on
// the interface; plain-online.ts is the TypeScript reference, wasm-online.ts wraps
// assembly/online.ts. Conventions: see the head of ../backend.ts; the one exception is
// esn-rls's kernels, whose arrays are float64 (Float64Array views of memory from `alloc`).
//
// These run once per frame, so their argument checks below are plain comparisons: no
// objects built per call.

export interface OnlineKernels {
  /**
   * One step of eprop's leaky tanh RNN (src/models/eprop.ts), with h_{t−1} = hPrev:
   *   a (N)           = α·a + (1−α)·(Wih (N,F) · x (F) + Whh (N,N) · hPrev (N) + b (N))   (in place)
   *   h (N)           = tanh(a)
   *   y (F)           = Wfc (F,N) · h + bfc (F)
   *   trace (F+N+1)   = α·trace + (1−α)·[x; hPrev; 1]                                    (in place)
   * a and trace are read and updated; h and y are overwritten. h must not overlap hPrev.
   */
  epropStep(a: Float32Array, h: Float32Array, y: Float32Array, trace: Float32Array, x: Float32Array, hPrev: Float32Array,
    Wih: Float32Array, Whh: Float32Array, b: Float32Array, Wfc: Float32Array, bfc: Float32Array,
    F: number, N: number, alpha: number): void;

  /**
   * delta (n) = delta ⊙ (1 − h²) elementwise, in place, for the first n values: eprop's
   * learning signals L of several steps at once times tanh′ = 1 − h², giving δ.
   */
  epropDelta(delta: Float32Array, h: Float32Array, n: number): void;

  /**
   * u (D) = P (D,D) · z (D), float64, P symmetric and read from its upper triangle only
   * (P[i,j] for j ≥ i): esn-rls's P z.
   */
  rlsGain(u: Float64Array, P: Float64Array, z: Float64Array, D: number): void;

  /** P (D,D) −= g · u uᵀ (u (D)), float64, on the upper triangle only (j ≥ i): esn-rls's P update. */
  rlsDowndate(P: Float64Array, u: Float64Array, g: number, D: number): void;
}

/** Throws unless n is a non-negative integer (sizes of a per-step kernel). */
export function checkSize(kernel: string, name: string, n: number): void {
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`${kernel}: ${name} must be a non-negative integer, got ${n}`);
}

/** Throws unless `a` is a float array of the given kind holding at least `need` values. */
export function checkArray(kernel: string, name: string, a: Float32Array | Float64Array, need: number, kind: 32 | 64 = 32): void {
  if (!(kind === 32 ? a instanceof Float32Array : a instanceof Float64Array)) {
    throw new TypeError(`${kernel}: ${name} must be a Float${kind}Array`);
  }
  if (a.length < need) throw new RangeError(`${kernel}: ${name} has ${a.length} values, needs ${need}`);
}

export function checkEpropStep(a: Float32Array, h: Float32Array, y: Float32Array, trace: Float32Array, x: Float32Array,
  hPrev: Float32Array, Wih: Float32Array, Whh: Float32Array, b: Float32Array, Wfc: Float32Array, bfc: Float32Array,
  F: number, N: number, alpha: number): void {
  const k = 'epropStep';
  checkSize(k, 'F', F);
  checkSize(k, 'N', N);
  if (!Number.isFinite(alpha)) throw new RangeError(`${k}: alpha must be finite, got ${alpha}`);
  checkArray(k, 'a', a, N);
  checkArray(k, 'h', h, N);
  checkArray(k, 'y', y, F);
  checkArray(k, 'trace', trace, F + N + 1);
  checkArray(k, 'x', x, F);
  checkArray(k, 'hPrev', hPrev, N);
  checkArray(k, 'Wih', Wih, N * F);
  checkArray(k, 'Whh', Whh, N * N);
  checkArray(k, 'b', b, N);
  checkArray(k, 'Wfc', Wfc, F * N);
  checkArray(k, 'bfc', bfc, F);
}

export function checkEpropDelta(delta: Float32Array, h: Float32Array, n: number): void {
  checkSize('epropDelta', 'n', n);
  checkArray('epropDelta', 'delta', delta, n);
  checkArray('epropDelta', 'h', h, n);
}

export function checkRlsGain(u: Float64Array, P: Float64Array, z: Float64Array, D: number): void {
  checkSize('rlsGain', 'D', D);
  checkArray('rlsGain', 'u', u, D, 64);
  checkArray('rlsGain', 'P', P, D * D, 64);
  checkArray('rlsGain', 'z', z, D, 64);
}

export function checkRlsDowndate(P: Float64Array, u: Float64Array, g: number, D: number): void {
  checkSize('rlsDowndate', 'D', D);
  if (!Number.isFinite(g)) throw new RangeError(`rlsDowndate: g must be finite, got ${g}`);
  checkArray('rlsDowndate', 'P', P, D * D, 64);
  checkArray('rlsDowndate', 'u', u, D, 64);
}
