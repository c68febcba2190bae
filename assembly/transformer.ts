// The transformer's kernels: layer norm, GELU, the bias-and-residual end of a Linear, and
// causal multi-head attention (forward and backward), each a whole layer's worth per call.
// Contract (shapes, "=" or "+="): src/kernels/families/transformer.ts; plain TypeScript
// reference: src/kernels/families/plain-transformer.ts.
//
// Attention reads each head's q, k, v straight out of the (B·T, 3W) projection and writes
// its output into the (B·T, W) context by row strides, so heads are never gathered or
// scattered. Its products run on panel.ts's register blocks; the triangle of scores is cut
// into blocks of ATT_ROWS query rows, and rows [r0, r1) only meet keys [0, r1).

import { madd } from './simd';
import { EPI_STORE, INIT_LOAD, INIT_ZERO, after, panel } from './panel';

// ---------------------------------------------------------------------------------------
// exp of x ≤ 0, four lanes: math.ts's expNeg4 (Cody-Waite reduction x = n·ln2 + r, degree-7
// Taylor polynomial of e^r, 2^n built in the exponent field, 0 below −87) with every
// multiply-add fused where the build allows, which makes it about half the instructions;
// the softmax spends most of its time here.

const LOG2E: f32 = 1.4426950408889634;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const EXP_MIN: f32 = -87.0;
const ROUND_SHIFT: f32 = 12582912.0; // 1.5·2²³: adding it rounds to an integer held in the low mantissa bits

// @ts-ignore: decorator
@inline function expNonPositive4(x: v128): v128 {
  const tiny = f32x4.lt(x, f32x4.splat(EXP_MIN));
  const y = f32x4.pmax(x, f32x4.splat(EXP_MIN)); // keeps a NaN x
  const shifted = madd(y, f32x4.splat(LOG2E), f32x4.splat(ROUND_SHIFT));
  const n = f32x4.sub(shifted, f32x4.splat(ROUND_SHIFT));
  const r = madd(n, f32x4.splat(-LN2_LO), madd(n, f32x4.splat(-LN2_HI), y));
  let q = madd(f32x4.splat(0.0001984126984126984), r, f32x4.splat(0.001388888888888889));
  q = madd(q, r, f32x4.splat(0.008333333333333333));
  q = madd(q, r, f32x4.splat(0.041666666666666664));
  q = madd(q, r, f32x4.splat(0.16666666666666666));
  q = madd(q, r, f32x4.splat(0.5));
  q = madd(q, r, f32x4.splat(1.0));
  q = madd(q, r, f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(shifted, i32x4.splat(127)), 23); // 2^n
  return v128.andnot(f32x4.mul(q, scale), tiny);
}

// ---------------------------------------------------------------------------------------
// Layer norm.

// @ts-ignore: decorator
@inline function low2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline function high2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/**
 * u (N, W) = (x − mean)·rstd·γ + β per row, keeping mean (N) and rstd (N) = 1/√(var + eps)
 * (population variance, two passes over the row). In float64 lanes, rounded once at the
 * store, as the reference does: float32 statistics and normalisation add a few ulps of
 * noise to every value, which measurably raised the noise of the model's finite-difference
 * checks; float64 costs about 0.5 ms more per (8000, 128) call.
 */
export function layerNormForward(u: usize, mean: usize, rstd: usize, x: usize, gamma: usize, beta: usize,
  N: i32, W: i32, eps: f32): void {
  const ld = <usize>W << 2;
  const bytes4 = <usize>(W & ~3) << 2;
  for (let n = 0; n < N; n++) {
    const xr = x + <usize>n * ld, ur = u + <usize>n * ld;
    let vs = f64x2.splat(0);
    let o: usize = 0;
    for (; o < bytes4; o += 16) {
      const v = v128.load(xr + o);
      vs = f64x2.add(vs, f64x2.add(low2(v), high2(v)));
    }
    let s = f64x2.extract_lane(vs, 0) + f64x2.extract_lane(vs, 1);
    for (; o < ld; o += 4) s += <f64>load<f32>(xr + o);
    const m = s / <f64>W;
    const vm = f64x2.splat(m);
    let vv = f64x2.splat(0);
    for (o = 0; o < bytes4; o += 16) {
      const v = v128.load(xr + o);
      const d0 = f64x2.sub(low2(v), vm), d1 = f64x2.sub(high2(v), vm);
      vv = f64x2.add(vv, f64x2.add(f64x2.mul(d0, d0), f64x2.mul(d1, d1)));
    }
    let q = f64x2.extract_lane(vv, 0) + f64x2.extract_lane(vv, 1);
    for (; o < ld; o += 4) {
      const d = <f64>load<f32>(xr + o) - m;
      q += d * d;
    }
    const r = 1.0 / Math.sqrt(q / <f64>W + <f64>eps);
    store<f32>(mean + (<usize>n << 2), <f32>m);
    store<f32>(rstd + (<usize>n << 2), <f32>r);
    const vr = f64x2.splat(r);
    for (o = 0; o < bytes4; o += 16) {
      const v = v128.load(xr + o), g = v128.load(gamma + o), b = v128.load(beta + o);
      const u0 = f64x2.add(f64x2.mul(f64x2.mul(f64x2.sub(low2(v), vm), vr), low2(g)), low2(b));
      const u1 = f64x2.add(f64x2.mul(f64x2.mul(f64x2.sub(high2(v), vm), vr), high2(g)), high2(b));
      v128.store(ur + o, v128.shuffle<f32>(f32x4.demote_f64x2_zero(u0), f32x4.demote_f64x2_zero(u1), 0, 1, 4, 5));
    }
    for (; o < ld; o += 4) {
      const xhat = (<f64>load<f32>(xr + o) - m) * r;
      store<f32>(ur + o, <f32>(xhat * <f64>load<f32>(gamma + o) + <f64>load<f32>(beta + o)));
    }
  }
}

/**
 * Layer norm's backward, with x̂ = (x − mean)·rstd and dx̂ = du·γ:
 *   dx (N, W) += rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)),  dγ (W) += Σ_n du·x̂,  dβ (W) += Σ_n du.
 */
export function layerNormBackward(dx: usize, dgamma: usize, dbeta: usize, du: usize, x: usize, mean: usize, rstd: usize,
  gamma: usize, N: i32, W: i32): void {
  const ld = <usize>W << 2;
  const bytes4 = <usize>(W & ~3) << 2;
  for (let n = 0; n < N; n++) {
    const row = <usize>n * ld;
    const xr = x + row, dur = du + row, dxr = dx + row;
    const m = load<f32>(mean + (<usize>n << 2)), r = load<f32>(rstd + (<usize>n << 2));
    const vm = f32x4.splat(m), vr = f32x4.splat(r);
    let vd = f32x4.splat(0), vdx = f32x4.splat(0);
    let o: usize = 0;
    for (; o < bytes4; o += 16) {
      const xhat = f32x4.mul(f32x4.sub(v128.load(xr + o), vm), vr);
      const dxhat = f32x4.mul(v128.load(dur + o), v128.load(gamma + o));
      vd = f32x4.add(vd, dxhat);
      vdx = madd(dxhat, xhat, vdx);
    }
    let sumD = (f32x4.extract_lane(vd, 0) + f32x4.extract_lane(vd, 1)) + (f32x4.extract_lane(vd, 2) + f32x4.extract_lane(vd, 3));
    let sumDX = (f32x4.extract_lane(vdx, 0) + f32x4.extract_lane(vdx, 1)) + (f32x4.extract_lane(vdx, 2) + f32x4.extract_lane(vdx, 3));
    for (; o < ld; o += 4) {
      const xhat = (load<f32>(xr + o) - m) * r;
      const dxhat = load<f32>(dur + o) * load<f32>(gamma + o);
      sumD += dxhat;
      sumDX += dxhat * xhat;
    }
    const meanD: f32 = sumD / <f32>W, meanDX: f32 = sumDX / <f32>W;
    const vmeanD = f32x4.splat(meanD), vmeanDX = f32x4.splat(meanDX);
    for (o = 0; o < bytes4; o += 16) {
      const xhat = f32x4.mul(f32x4.sub(v128.load(xr + o), vm), vr);
      const g = v128.load(dur + o);
      const dxhat = f32x4.mul(g, v128.load(gamma + o));
      const inner = f32x4.sub(f32x4.sub(dxhat, vmeanD), f32x4.mul(xhat, vmeanDX));
      v128.store(dxr + o, madd(vr, inner, v128.load(dxr + o)));
      v128.store(dgamma + o, madd(g, xhat, v128.load(dgamma + o)));
      v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), g));
    }
    for (; o < ld; o += 4) {
      const xhat = (load<f32>(xr + o) - m) * r;
      const g = load<f32>(dur + o);
      const dxhat = g * load<f32>(gamma + o);
      store<f32>(dxr + o, load<f32>(dxr + o) + r * (dxhat - meanD - xhat * meanDX));
      store<f32>(dgamma + o, load<f32>(dgamma + o) + g * xhat);
      store<f32>(dbeta + o, load<f32>(dbeta + o) + g);
    }
  }
}

// ---------------------------------------------------------------------------------------
// GELU, exact (erf) form, in float32: erfc by Abramowitz & Stegun 7.1.26, erfc(z) ≈ t·(a1 + t·(a2 + … + t·a5))·exp(−z²), t = 1/(1 + p·z),
// absolute error below 1.5e-7. With z = |x|/√2, q = ½·erfc(z) = Φ(−|x|), so Φ(x) is q for
// x < 0 and 1 − q otherwise (no cancellation in the left tail), and exp(−z²) = exp(−x²/2)
// is also the normal density's exponential that the derivative Φ(x) + x·φ(x) needs.

const AS_P: f32 = 0.3275911;
const AS_A1: f32 = 0.254829592;
const AS_A2: f32 = -0.284496736;
const AS_A3: f32 = 1.421413741;
const AS_A4: f32 = -1.453152027;
const AS_A5: f32 = 1.061405429;
const SQRT1_2: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;

/** Φ(−|x|) = ½·erfc(|x|/√2) in four lanes, given e = exp(−x²/2). */
// @ts-ignore: decorator
@inline function normalTail4(x: v128, e: v128): v128 {
  const z = f32x4.mul(f32x4.abs(x), f32x4.splat(SQRT1_2));
  const t = f32x4.div(f32x4.splat(1.0), madd(z, f32x4.splat(AS_P), f32x4.splat(1.0)));
  let poly = madd(t, f32x4.splat(AS_A5), f32x4.splat(AS_A4));
  poly = madd(poly, t, f32x4.splat(AS_A3));
  poly = madd(poly, t, f32x4.splat(AS_A2));
  poly = madd(poly, t, f32x4.splat(AS_A1));
  poly = f32x4.mul(poly, t);
  return f32x4.mul(f32x4.mul(poly, e), f32x4.splat(0.5));
}

/** exp(−x²/2) in four lanes (x²/2 ≥ 0, so the softmax's exp of non-positive numbers serves). */
// @ts-ignore: decorator
@inline function gaussExp4(x: v128): v128 {
  return expNonPositive4(f32x4.mul(f32x4.mul(x, x), f32x4.splat(-0.5)));
}

/** Φ(x) from q = Φ(−|x|). */
// @ts-ignore: decorator
@inline function normalCdf4(x: v128, q: v128): v128 {
  const negative = f32x4.lt(x, f32x4.splat(0));
  return v128.bitselect(q, f32x4.sub(f32x4.splat(1.0), q), negative);
}

// @ts-ignore: decorator
@inline function gelu4(x: v128): v128 {
  const q = normalTail4(x, gaussExp4(x));
  return f32x4.mul(x, normalCdf4(x, q));
}

// @ts-ignore: decorator
@inline function geluGrad4(x: v128): v128 {
  const e = gaussExp4(x);
  const cdf = normalCdf4(x, normalTail4(x, e));
  return madd(f32x4.mul(x, f32x4.splat(INV_SQRT_2PI)), e, cdf);
}

/** g (n) = GELU(a (n)) elementwise; g may be a. */
export function geluForward(g: usize, a: usize, n: i32): void {
  const bytes = <usize>n << 2, bytes4 = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < bytes4; o += 16) v128.store(g + o, gelu4(v128.load(a + o)));
  for (; o < bytes; o += 4) store<f32>(g + o, f32x4.extract_lane(gelu4(f32x4.splat(load<f32>(a + o))), 0));
}

/** da (n) = dg (n) · GELU′(a (n)) elementwise; da may be dg. */
export function geluBackward(da: usize, dg: usize, a: usize, n: i32): void {
  const bytes = <usize>n << 2, bytes4 = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < bytes4; o += 16) v128.store(da + o, f32x4.mul(v128.load(dg + o), geluGrad4(v128.load(a + o))));
  for (; o < bytes; o += 4) {
    store<f32>(da + o, load<f32>(dg + o) * f32x4.extract_lane(geluGrad4(f32x4.splat(load<f32>(a + o))), 0));
  }
}

// ---------------------------------------------------------------------------------------
// The end of a Linear with a residual: out (R, N) = (out + bias) + res[r mod P], in the
// order PyTorch adds them (the product, its bias, then the residual or position table), in
// one pass instead of two.

export function addBiasResidual(out: usize, bias: usize, res: usize, R: i32, N: i32, P: i32): void {
  const ld = <usize>N << 2;
  const bytes4 = <usize>(N & ~3) << 2;
  let p = 0;
  for (let r = 0; r < R; r++) {
    const o = out + <usize>r * ld, s = res + <usize>p * ld;
    let j: usize = 0;
    for (; j < bytes4; j += 16) v128.store(o + j, f32x4.add(f32x4.add(v128.load(o + j), v128.load(bias + j)), v128.load(s + j)));
    for (; j < ld; j += 4) store<f32>(o + j, (load<f32>(o + j) + load<f32>(bias + j)) + load<f32>(s + j));
    if (++p == P) p = 0;
  }
}

// ---------------------------------------------------------------------------------------
// Attention.

/** Query rows per block of the score triangle (the value the TypeScript side sizes with). */
export const ATT_ROWS: i32 = 32;

/** C (M, N) = (init == INIT_LOAD ? C : 0) + A · B, A element (i, k) at A + i·ars + k·aks,
 *  B element (k, j) at B + k·ldb + 4j (byte strides). Unpacked: with N = D or K = D ≈ 32, packing
 *  the rows of A costs more than it saves (measured). */
// @ts-ignore: decorator
@inline function product(init: i32, C: usize, ldc: usize, A: usize, ars: usize, aks: usize, B: usize, ldb: usize,
  M: i32, N: i32, K: i32): void {
  if (M > 0 && N > 0) panel(init, EPI_STORE, C, ldc, C, ldc, A, ars, aks, B, ldb, 0, 0, M, N, K);
}

/** dst (D, T) = the D columns of T rows at src (row stride lds bytes), transposed. */
function transposeHead(dst: usize, src: usize, lds: usize, T: i32, D: i32): void {
  const ldd = <usize>T << 2;
  for (let t = 0; t < T; t++) {
    const s = src + <usize>t * lds, d = dst + (<usize>t << 2);
    for (let j = 0; j < D; j++) store<f32>(d + <usize>j * ldd, load<f32>(s + (<usize>j << 2)));
  }
}

/** Floats one head of one sequence keeps in probs: its row blocks, (r1 − r0) × r1 each. */
export function attentionProbsSize(T: i32): i32 {
  let n = 0;
  for (let r0 = 0; r0 < T; r0 += ATT_ROWS) {
    const r1 = min(T, r0 + ATT_ROWS);
    n += (r1 - r0) * r1;
  }
  return n;
}

/** Causal softmax of the R rows of p (R, N) in place, row i seeing keys u ≤ r0 + i:
 *  exp(scale·(s − max)) / Σ over the seen keys, and 0 for the keys it does not see. */
function causalSoftmaxRows(p: usize, R: i32, N: i32, r0: i32, scale: f32): void {
  const ld = <usize>N << 2;
  const vscale = f32x4.splat(scale);
  for (let i = 0; i < R; i++) {
    const row = p + <usize>i * ld;
    const n = min(r0 + i + 1, N);
    const end = row + (<usize>n << 2);
    const end4 = row + (<usize>(n & ~3) << 2);
    let vmax = f32x4.splat(-Infinity);
    let q = row;
    for (; q < end4; q += 16) vmax = f32x4.pmax(vmax, v128.load(q));
    let m = f32x4.extract_lane(vmax, 0);
    const m1 = f32x4.extract_lane(vmax, 1), m2 = f32x4.extract_lane(vmax, 2), m3 = f32x4.extract_lane(vmax, 3);
    if (m1 > m) m = m1;
    if (m2 > m) m = m2;
    if (m3 > m) m = m3;
    for (; q < end; q += 4) {
      const v = load<f32>(q);
      if (v > m) m = v;
    }
    const vm = f32x4.splat(m);
    let vsum = f32x4.splat(0);
    for (q = row; q < end4; q += 16) {
      const e = expNonPositive4(f32x4.mul(f32x4.sub(v128.load(q), vm), vscale));
      v128.store(q, e);
      vsum = f32x4.add(vsum, e);
    }
    let sum = (f32x4.extract_lane(vsum, 0) + f32x4.extract_lane(vsum, 1)) +
      (f32x4.extract_lane(vsum, 2) + f32x4.extract_lane(vsum, 3));
    for (; q < end; q += 4) {
      const e = f32x4.extract_lane(expNonPositive4(f32x4.splat((load<f32>(q) - m) * scale)), 0);
      store<f32>(q, e);
      sum += e;
    }
    const inv: f32 = 1.0 / sum;
    const vinv = f32x4.splat(inv);
    for (q = row; q < end4; q += 16) v128.store(q, f32x4.mul(v128.load(q), vinv));
    for (; q < end; q += 4) store<f32>(q, load<f32>(q) * inv);
    memory.fill(end, 0, <usize>(N - n) << 2);
  }
}

/** The softmax's backward in place: ds (R, N) holds ∂loss/∂p and becomes ∂loss/∂scores,
 *  ds = scale·p·(ds − Σ_seen p·ds) on the seen keys, 0 elsewhere. */
function causalSoftmaxBackwardRows(ds: usize, p: usize, R: i32, N: i32, r0: i32, scale: f32): void {
  const ld = <usize>N << 2;
  const vscale = f32x4.splat(scale);
  for (let i = 0; i < R; i++) {
    const off = <usize>i * ld;
    const drow = ds + off, prow = p + off;
    const n = min(r0 + i + 1, N);
    const bytes = <usize>n << 2, bytes4 = <usize>(n & ~3) << 2;
    let vdot = f32x4.splat(0);
    let o: usize = 0;
    for (; o < bytes4; o += 16) vdot = madd(v128.load(prow + o), v128.load(drow + o), vdot);
    let dot = (f32x4.extract_lane(vdot, 0) + f32x4.extract_lane(vdot, 1)) +
      (f32x4.extract_lane(vdot, 2) + f32x4.extract_lane(vdot, 3));
    for (; o < bytes; o += 4) dot += load<f32>(prow + o) * load<f32>(drow + o);
    const vdot1 = f32x4.splat(dot);
    for (o = 0; o < bytes4; o += 16) {
      v128.store(drow + o, f32x4.mul(f32x4.mul(v128.load(prow + o), vscale), f32x4.sub(v128.load(drow + o), vdot1)));
    }
    for (; o < bytes; o += 4) store<f32>(drow + o, (load<f32>(prow + o) * scale) * (load<f32>(drow + o) - dot));
    memory.fill(drow + bytes, 0, <usize>(N - n) << 2);
  }
}

/**
 * Causal self-attention of B sequences of T steps, `heads` heads of D = W/heads columns.
 * Per sequence and head, with q, k, v its (T, D) column blocks of qkv (B·T, 3W), per block of
 * query rows [r0, r1):
 *   P = causal softmax(scale · q[r0:r1] k[0:r1]ᵀ)      (r1 − r0, r1), kept in probs
 *   ctx[r0:r1] = P v[0:r1]                              the head's D columns of ctx (B·T, W)
 * scratch: D·T floats (kᵀ).
 */
export function attentionForward(ctx: usize, probs: usize, qkv: usize, B: i32, T: i32, W: i32, heads: i32,
  scale: f32, scratch: usize): void {
  if (B <= 0 || T <= 0 || W <= 0) return;
  const D = W / heads;
  const kt = scratch;
  const ld3 = <usize>(3 * W) << 2, ldc = <usize>W << 2, ldkt = <usize>T << 2;
  const triangle = <usize>attentionProbsSize(T);
  for (let b = 0; b < B; b++) {
    for (let hd = 0; hd < heads; hd++) {
      const q = qkv + <usize>b * <usize>T * ld3 + (<usize>(hd * D) << 2);
      const k = q + ldc, v = q + 2 * ldc;
      const c = ctx + <usize>b * <usize>T * ldc + (<usize>(hd * D) << 2);
      transposeHead(kt, k, ld3, T, D);
      let P = probs + ((<usize>(b * heads + hd) * triangle) << 2);
      for (let r0 = 0; r0 < T; r0 += ATT_ROWS) {
        const r1 = min(T, r0 + ATT_ROWS), rows = r1 - r0;
        const ldp = <usize>r1 << 2;
        product(INIT_ZERO, P, ldp, q + <usize>r0 * ld3, ld3, 4, kt, ldkt, rows, r1, D);
        causalSoftmaxRows(P, rows, r1, r0, scale);
        product(INIT_ZERO, c + <usize>r0 * ldc, ldc, P, ldp, 4, v, ld3, rows, D, r1);
        P += <usize>rows * ldp;
      }
    }
  }
}

/**
 * The backward of attentionForward: dqkv (B·T, 3W) = ∂loss/∂[q k v] from dctx (B·T, W),
 * with dc the head's columns of dctx, block by block as in forward:
 *   dP = dc[r0:r1] v[0:r1]ᵀ;  dv[0:r1] += Pᵀ dc[r0:r1];  dS = softmax backward(dP);
 *   dq[r0:r1] = dS k[0:r1];  dk[0:r1] += dSᵀ q[r0:r1].
 * scratch: D·T floats (vᵀ), then min(ATT_ROWS, T)·T (one block of dS).
 */
export function attentionBackward(dqkv: usize, dctx: usize, probs: usize, qkv: usize, B: i32, T: i32, W: i32, heads: i32,
  scale: f32, scratch: usize): void {
  if (B <= 0 || T <= 0 || W <= 0) return;
  const D = W / heads;
  const vt = scratch;
  const ds = vt + after(<usize>D * <usize>T);
  const ld3 = <usize>(3 * W) << 2, ldc = <usize>W << 2, ldvt = <usize>T << 2;
  const triangle = <usize>attentionProbsSize(T);
  for (let b = 0; b < B; b++) {
    const seq = dqkv + <usize>b * <usize>T * ld3;
    memory.fill(seq, 0, <usize>T * ld3); // dk and dv are sums over the row blocks
    for (let hd = 0; hd < heads; hd++) {
      const col = <usize>(hd * D) << 2;
      const q = qkv + <usize>b * <usize>T * ld3 + col;
      const k = q + ldc, v = q + 2 * ldc;
      const dq = seq + col;
      const dk = dq + ldc, dv = dq + 2 * ldc;
      const dc = dctx + <usize>b * <usize>T * ldc + col;
      transposeHead(vt, v, ld3, T, D);
      let P = probs + ((<usize>(b * heads + hd) * triangle) << 2);
      for (let r0 = 0; r0 < T; r0 += ATT_ROWS) {
        const r1 = min(T, r0 + ATT_ROWS), rows = r1 - r0;
        const ldp = <usize>r1 << 2;
        const dcBlock = dc + <usize>r0 * ldc;
        product(INIT_ZERO, ds, ldp, dcBlock, ldc, 4, vt, ldvt, rows, r1, D);
        product(INIT_LOAD, dv, ld3, P, 4, ldp, dcBlock, ldc, r1, D, rows);
        causalSoftmaxBackwardRows(ds, P, rows, r1, r0, scale);
        product(INIT_ZERO, dq + <usize>r0 * ld3, ld3, ds, ldp, 4, k, ld3, rows, D, r1);
        product(INIT_LOAD, dk, ld3, ds, 4, ldp, q + <usize>r0 * ld3, ld3, r1, D, rows);
        P += <usize>rows * ldp;
      }
    }
  }
}
