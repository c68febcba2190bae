/**
 * Power spectrum |X[k]|² of a real signal, for any length n (the MFCC uses n = 400 = 2^4·5^2,
 * which is not a power of two), in float64.
 *
 * The fast path is a mixed-radix Stockham FFT (radix 4, 2, 3, 5 and a generic odd radix for any
 * other prime factor), planned once per size: factors, twiddles and scratch buffers are built by
 * `createRealFft(n)`, and `powerSpectrum` then allocates nothing. A real input of even length n
 * is packed into a complex signal of length n/2 (even samples real, odd samples imaginary), which
 * halves the work; odd n runs the full complex transform.
 *
 * `naivePowerSpectrum` is the O(n²) DFT straight from the definition; tests hold the fast path
 * to it at awkward sizes.
 */

/** A plan for one transform size. */
export interface RealFft {
  /** Transform length n. */
  readonly n: number;
  /** Number of output bins, floor(n/2) + 1. */
  readonly bins: number;
  /** out[k] = |Σ_j input[j]·e^{−2πi·jk/n}|² for k in [0, bins). out (bins), input (n). */
  powerSpectrum(out: Float64Array, input: Float64Array): void;
}

/** The reference: the DFT from its definition, O(n²), with exact angle reduction. out (n/2+1), input (n). */
export function naivePowerSpectrum(out: Float64Array, input: Float64Array): void {
  const n = input.length;
  const bins = Math.floor(n / 2) + 1;
  for (let k = 0; k < bins; k++) {
    let re = 0;
    let im = 0;
    for (let j = 0; j < n; j++) {
      // (j·k) mod n keeps the angle in [0, 2π) so cos/sin stay accurate for large n.
      const angle = (-2 * Math.PI * ((j * k) % n)) / n;
      re += input[j] * Math.cos(angle);
      im += input[j] * Math.sin(angle);
    }
    out[k] = re * re + im * im;
  }
}

/** Builds the plan for real transforms of length n (any integer ≥ 1). */
export function createRealFft(n: number): RealFft {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`FFT length must be a positive integer, got ${n}`);
  const bins = Math.floor(n / 2) + 1;

  if (n === 1) {
    return { n, bins, powerSpectrum: (out, input) => { out[0] = input[0] * input[0]; } };
  }

  if (n % 2 === 1) {
    // Odd length: run the complex transform of length n on (input, 0).
    const fft = createComplexFft(n);
    const re = new Float64Array(n); // (n)
    const im = new Float64Array(n); // (n)
    return {
      n,
      bins,
      powerSpectrum(out, input) {
        re.set(input);
        im.fill(0);
        fft.forward(re, im);
        for (let k = 0; k < bins; k++) out[k] = re[k] * re[k] + im[k] * im[k];
      },
    };
  }

  // Even length: z[j] = x[2j] + i·x[2j+1] has length h = n/2. With Z = FFT_h(z),
  //   E[k] = (Z[k] + conj Z[h−k]) / 2          (the DFT of the even samples)
  //   O[k] = (Z[k] − conj Z[h−k]) / (2i)       (the DFT of the odd samples)
  //   X[k] = E[k] + e^{−2πik/n}·O[k],  k = 0..h, with Z[h] = Z[0].
  const h = n / 2;
  const fft = createComplexFft(h);
  const zr = new Float64Array(h); // (h)
  const zi = new Float64Array(h); // (h)
  const wr = new Float64Array(h + 1); // (h+1) cos(2πk/n)
  const wi = new Float64Array(h + 1); // (h+1) −sin(2πk/n)
  for (let k = 0; k <= h; k++) {
    wr[k] = cosTurn(k, n);
    wi[k] = -sinTurn(k, n);
  }
  return {
    n,
    bins,
    powerSpectrum(out, input) {
      for (let j = 0; j < h; j++) {
        zr[j] = input[2 * j];
        zi[j] = input[2 * j + 1];
      }
      fft.forward(zr, zi);
      for (let k = 0; k <= h; k++) {
        const a = k === h ? 0 : k; // Z[h] = Z[0]
        const b = k === 0 ? 0 : h - k; // index of Z[h−k]
        const ar = zr[a], ai = zi[a];
        const br = zr[b], bi = -zi[b]; // conj Z[h−k]
        const er = 0.5 * (ar + br), ei = 0.5 * (ai + bi);
        // (Z[k] − conj Z[h−k]) / (2i) = (d_i − i·d_r) / 2 for d = Z[k] − conj Z[h−k]
        const or = 0.5 * (ai - bi), oi = -0.5 * (ar - br);
        const xr = er + wr[k] * or - wi[k] * oi;
        const xi = ei + wr[k] * oi + wi[k] * or;
        out[k] = xr * xr + xi * xi;
      }
    },
  };
}

/** An in-place forward complex FFT of a fixed length (no 1/n scaling). */
interface ComplexFft {
  forward(re: Float64Array, im: Float64Array): void;
}

/** One Stockham stage: radix p, sub-length m = len/p, and stride s = product of earlier radices. */
interface Stage {
  p: number;
  m: number;
  s: number;
  /** tw[(q·(p−1) + r − 1)] = e^{−2πi·r·q/(p·m)}, q in [0, m), r in [1, p): (m·(p−1)) each */
  twr: Float64Array;
  twi: Float64Array;
  /** For the generic radix: e^{−2πi·t/p}, t in [0, p): (p) each; empty for radix 2, 3, 4, 5. */
  rootr: Float64Array;
  rooti: Float64Array;
}

/** Radices in the order the stages use them: 4s first, then 2, 3, 5, then other primes ascending. */
function factorize(n: number): number[] {
  const radices: number[] = [];
  let rest = n;
  while (rest % 4 === 0) { radices.push(4); rest /= 4; }
  while (rest % 2 === 0) { radices.push(2); rest /= 2; }
  for (let p = 3; p * p <= rest; p += 2) {
    while (rest % p === 0) { radices.push(p); rest /= p; }
  }
  if (rest > 1) radices.push(rest);
  return radices;
}

/** cos(2π·k/n) with k reduced mod n first, so large k·(index) products stay accurate. */
function cosTurn(k: number, n: number): number {
  return Math.cos((2 * Math.PI * (k % n)) / n);
}

function sinTurn(k: number, n: number): number {
  return Math.sin((2 * Math.PI * (k % n)) / n);
}

function createComplexFft(n: number): ComplexFft {
  const stages: Stage[] = [];
  let len = n;
  let s = 1;
  for (const p of factorize(n)) {
    const m = len / p;
    const twr = new Float64Array(m * (p - 1));
    const twi = new Float64Array(m * (p - 1));
    for (let q = 0; q < m; q++) {
      for (let r = 1; r < p; r++) {
        twr[q * (p - 1) + r - 1] = cosTurn(r * q, len);
        twi[q * (p - 1) + r - 1] = -sinTurn(r * q, len);
      }
    }
    const generic = p !== 2 && p !== 3 && p !== 4 && p !== 5;
    const rootr = new Float64Array(generic ? p : 0);
    const rooti = new Float64Array(generic ? p : 0);
    for (let t = 0; t < rootr.length; t++) {
      rootr[t] = cosTurn(t, p);
      rooti[t] = -sinTurn(t, p);
    }
    stages.push({ p, m, s, twr, twi, rootr, rooti });
    len = m;
    s *= p;
  }

  const maxGeneric = Math.max(0, ...stages.filter((st) => st.rootr.length > 0).map((st) => st.p));
  const ar = new Float64Array(maxGeneric); // (p) inputs of one generic butterfly
  const ai = new Float64Array(maxGeneric);
  const workr = new Float64Array(n); // (n) ping-pong buffer
  const worki = new Float64Array(n);

  return {
    forward(re, im) {
      // Each stage reads x and writes y; the buffers swap after every stage.
      let xr: Float64Array = re, xi: Float64Array = im;
      let yr: Float64Array = workr, yi: Float64Array = worki;
      for (const st of stages) {
        runStage(st, xr, xi, yr, yi, ar, ai);
        const tr = xr; xr = yr; yr = tr;
        const ti = xi; xi = yi; yi = ti;
      }
      if (xr !== re) {
        re.set(xr);
        im.set(xi);
      }
    },
  };
}

/**
 * One decimation-in-frequency Stockham stage. For q in [0, m) and k in [0, s), the p inputs
 * a_j = x[k + s·(q + j·m)] become
 *   y[k + s·(p·q + r)] = (Σ_j a_j·ω_p^{j·r}) · e^{−2πi·r·q/(p·m)},   ω_p = e^{−2πi/p}.
 * Each radix has its own loop (one branch per stage, none per butterfly).
 */
function runStage(
  st: Stage,
  xr: Float64Array, xi: Float64Array,
  yr: Float64Array, yi: Float64Array,
  ar: Float64Array, ai: Float64Array,
): void {
  switch (st.p) {
    case 2: return stage2(st, xr, xi, yr, yi);
    case 3: return stage3(st, xr, xi, yr, yi);
    case 4: return stage4(st, xr, xi, yr, yi);
    case 5: return stage5(st, xr, xi, yr, yi);
    default: return stageGeneric(st, xr, xi, yr, yi, ar, ai);
  }
}

function stage2(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { m, s, twr, twi } = st;
  const sm = s * m;
  for (let q = 0; q < m; q++) {
    const w1r = twr[q], w1i = twi[q];
    for (let k = 0; k < s; k++) {
      const src = k + s * q;
      const dst = k + 2 * s * q;
      const a0r = xr[src], a0i = xi[src];
      const a1r = xr[src + sm], a1i = xi[src + sm];
      yr[dst] = a0r + a1r;
      yi[dst] = a0i + a1i;
      const br = a0r - a1r, bi = a0i - a1i;
      yr[dst + s] = br * w1r - bi * w1i;
      yi[dst + s] = br * w1i + bi * w1r;
    }
  }
}

function stage3(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { m, s, twr, twi } = st;
  const sm = s * m;
  for (let q = 0; q < m; q++) {
    const t = 2 * q;
    const w1r = twr[t], w1i = twi[t], w2r = twr[t + 1], w2i = twi[t + 1];
    for (let k = 0; k < s; k++) {
      const src = k + s * q;
      const dst = k + 3 * s * q;
      const a0r = xr[src], a0i = xi[src];
      const a1r = xr[src + sm], a1i = xi[src + sm];
      const a2r = xr[src + 2 * sm], a2i = xi[src + 2 * sm];
      const sr = a1r + a2r, si = a1i + a2i;
      const mr = a0r - 0.5 * sr, mi = a0i - 0.5 * si;
      // ω_3 = −1/2 − i·√3/2: b1 = m − i·(√3/2)(a1 − a2), b2 = m + i·(√3/2)(a1 − a2)
      const dr = SIN_60 * (a1r - a2r), di = SIN_60 * (a1i - a2i);
      const b1r = mr + di, b1i = mi - dr;
      const b2r = mr - di, b2i = mi + dr;
      yr[dst] = a0r + sr;
      yi[dst] = a0i + si;
      yr[dst + s] = b1r * w1r - b1i * w1i;
      yi[dst + s] = b1r * w1i + b1i * w1r;
      yr[dst + 2 * s] = b2r * w2r - b2i * w2i;
      yi[dst + 2 * s] = b2r * w2i + b2i * w2r;
    }
  }
}

function stage4(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { m, s, twr, twi } = st;
  const sm = s * m;
  for (let q = 0; q < m; q++) {
    const t = 3 * q;
    const w1r = twr[t], w1i = twi[t], w2r = twr[t + 1], w2i = twi[t + 1], w3r = twr[t + 2], w3i = twi[t + 2];
    for (let k = 0; k < s; k++) {
      const src = k + s * q;
      const dst = k + 4 * s * q;
      const a0r = xr[src], a0i = xi[src];
      const a1r = xr[src + sm], a1i = xi[src + sm];
      const a2r = xr[src + 2 * sm], a2i = xi[src + 2 * sm];
      const a3r = xr[src + 3 * sm], a3i = xi[src + 3 * sm];
      const s02r = a0r + a2r, s02i = a0i + a2i, d02r = a0r - a2r, d02i = a0i - a2i;
      const s13r = a1r + a3r, s13i = a1i + a3i, d13r = a1r - a3r, d13i = a1i - a3i;
      // ω_4 = −i: b1 = d02 − i·d13, b3 = d02 + i·d13
      const b1r = d02r + d13i, b1i = d02i - d13r;
      const b2r = s02r - s13r, b2i = s02i - s13i;
      const b3r = d02r - d13i, b3i = d02i + d13r;
      yr[dst] = s02r + s13r;
      yi[dst] = s02i + s13i;
      yr[dst + s] = b1r * w1r - b1i * w1i;
      yi[dst + s] = b1r * w1i + b1i * w1r;
      yr[dst + 2 * s] = b2r * w2r - b2i * w2i;
      yi[dst + 2 * s] = b2r * w2i + b2i * w2r;
      yr[dst + 3 * s] = b3r * w3r - b3i * w3i;
      yi[dst + 3 * s] = b3r * w3i + b3i * w3r;
    }
  }
}

function stage5(st: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { m, s, twr, twi } = st;
  const sm = s * m;
  for (let q = 0; q < m; q++) {
    const t = 4 * q;
    const w1r = twr[t], w1i = twi[t], w2r = twr[t + 1], w2i = twi[t + 1];
    const w3r = twr[t + 2], w3i = twi[t + 2], w4r = twr[t + 3], w4i = twi[t + 3];
    for (let k = 0; k < s; k++) {
      const src = k + s * q;
      const dst = k + 5 * s * q;
      const a0r = xr[src], a0i = xi[src];
      const a1r = xr[src + sm], a1i = xi[src + sm];
      const a2r = xr[src + 2 * sm], a2i = xi[src + 2 * sm];
      const a3r = xr[src + 3 * sm], a3i = xi[src + 3 * sm];
      const a4r = xr[src + 4 * sm], a4i = xi[src + 4 * sm];
      const t1r = a1r + a4r, t1i = a1i + a4i, t3r = a1r - a4r, t3i = a1i - a4i;
      const t2r = a2r + a3r, t2i = a2i + a3i, t4r = a2r - a3r, t4i = a2i - a3i;
      const m1r = a0r + COS_72 * t1r + COS_144 * t2r, m1i = a0i + COS_72 * t1i + COS_144 * t2i;
      const m2r = a0r + COS_144 * t1r + COS_72 * t2r, m2i = a0i + COS_144 * t1i + COS_72 * t2i;
      const n1r = SIN_72 * t3r + SIN_144 * t4r, n1i = SIN_72 * t3i + SIN_144 * t4i;
      const n2r = SIN_144 * t3r - SIN_72 * t4r, n2i = SIN_144 * t3i - SIN_72 * t4i;
      // b1 = m1 − i·n1, b4 = m1 + i·n1, b2 = m2 − i·n2, b3 = m2 + i·n2
      const b1r = m1r + n1i, b1i = m1i - n1r;
      const b4r = m1r - n1i, b4i = m1i + n1r;
      const b2r = m2r + n2i, b2i = m2i - n2r;
      const b3r = m2r - n2i, b3i = m2i + n2r;
      yr[dst] = a0r + t1r + t2r;
      yi[dst] = a0i + t1i + t2i;
      yr[dst + s] = b1r * w1r - b1i * w1i;
      yi[dst + s] = b1r * w1i + b1i * w1r;
      yr[dst + 2 * s] = b2r * w2r - b2i * w2i;
      yi[dst + 2 * s] = b2r * w2i + b2i * w2r;
      yr[dst + 3 * s] = b3r * w3r - b3i * w3i;
      yi[dst + 3 * s] = b3r * w3i + b3i * w3r;
      yr[dst + 4 * s] = b4r * w4r - b4i * w4i;
      yi[dst + 4 * s] = b4r * w4i + b4i * w4r;
    }
  }
}

/** Any odd prime radix: a direct p-point DFT per butterfly, O(p²). */
function stageGeneric(
  st: Stage,
  xr: Float64Array, xi: Float64Array,
  yr: Float64Array, yi: Float64Array,
  ar: Float64Array, ai: Float64Array,
): void {
  const { p, m, s, twr, twi, rootr, rooti } = st;
  const sm = s * m;
  for (let q = 0; q < m; q++) {
    const t = q * (p - 1);
    for (let k = 0; k < s; k++) {
      const src = k + s * q;
      const dst = k + s * p * q;
      for (let j = 0; j < p; j++) {
        ar[j] = xr[src + j * sm];
        ai[j] = xi[src + j * sm];
      }
      for (let r = 0; r < p; r++) {
        let br = 0, bi = 0;
        for (let j = 0, jr = 0; j < p; j++, jr += r) {
          if (jr >= p) jr -= p; // jr = (j·r) mod p
          br += ar[j] * rootr[jr] - ai[j] * rooti[jr];
          bi += ar[j] * rooti[jr] + ai[j] * rootr[jr];
        }
        if (r === 0) {
          yr[dst] = br;
          yi[dst] = bi;
        } else {
          const wr = twr[t + r - 1], wi = twi[t + r - 1];
          yr[dst + r * s] = br * wr - bi * wi;
          yi[dst + r * s] = br * wi + bi * wr;
        }
      }
    }
  }
}

const SIN_60 = Math.sqrt(3) / 2;
const COS_72 = Math.cos((2 * Math.PI) / 5);
const SIN_72 = Math.sin((2 * Math.PI) / 5);
const COS_144 = Math.cos((4 * Math.PI) / 5);
const SIN_144 = Math.sin((4 * Math.PI) / 5);
