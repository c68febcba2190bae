// audiopred's float32 kernels in AssemblyScript, compiled to WebAssembly with 128-bit SIMD.
//
// The plain TypeScript reference that every kernel here is tested against is
// src/kernels/plain.ts; the contract (shapes, what is overwritten and what is accumulated)
// is documented once, in src/kernels/backend.ts. The loader is src/kernels/wasm.ts.
//
// Rules of this file:
// - Every pointer argument is a byte offset into the imported, shared linear memory. Every
//   size argument is an element count. All data is row-major float32.
// - No AssemblyScript objects, arrays or strings: only load/store, v128 and scalars, so the
//   module needs no allocator or GC (`--runtime stub`) and has no data segments.
// - Nothing is remembered between calls; scratch space is passed in by the caller. Several
//   threads may therefore run kernels on one memory at once on disjoint buffers.
//
// The matrix products all go through one register-blocked loop: a 4x8 block of C is held in
// eight f32x4 accumulators while k runs; each k costs two vector loads of B, four loads of A
// and eight multiply-adds (`madd`: fused in the relaxed-SIMD build, see simd.ts). Where a 4-row block of
// A is reused across many columns, it is first packed into scratch as ready-made splats
// (`panelPacked`), which leaves the inner loop one pointer for A and one for B; otherwise A
// is broadcast straight from its rows (`panel`). Tails (sizes not multiples of 4 or 8) use
// 4x4, 4x1, 1x8, 1x4 and 1x1 blocks. The fused RNN kernels run the same loops with a
// different start (load `pre` or `dh` instead of zeros) and end (tanh, or times 1 - h^2).

import { madd } from './simd';

// ---------------------------------------------------------------------------------------
// How a panel starts and ends.

/** Accumulators start at zero. */
const INIT_ZERO: i32 = 0;
/** Accumulators start from P (which may be C itself: that is "accumulate into C"). */
const INIT_LOAD: i32 = 1;

/** Store the sums. */
const EPI_STORE: i32 = 0;
/** Store tanh(sums). */
const EPI_TANH: i32 = 1;
/** Store sums * (1 - e*e), where e is read from E (the tanh output h): tanh's backward. */
const EPI_DTANH: i32 = 2;

/** Rows of k that one panel call covers in the plain matrix products (keeps the A and B
 *  slices in L2 for long K, and adds partial sums of at most KC terms into C). Exported so
 *  the loader can size scratch space from it. */
export const KC: i32 = 256;

// ---------------------------------------------------------------------------------------
// tanh, float32-accurate, four lanes at a time.
//
// |x| < 0.625:  tanh(x) = x + x^3 * P(x^2), P a degree-4 near-minimax fit of
//               (tanh(x) - x) / x^3 on [0, 0.625] (relative error 1.4e-7 of the correction,
//               which is at most 13% of the result).
// otherwise:    tanh(|x|) = 1 - 2 / (exp(2|x|) + 1), with exp by Cody-Waite reduction
//               2|x| = n ln2 + r, |r| <= ln2/2, and a degree-7 Taylor polynomial for exp(r);
//               |x| is clamped at 10, where tanh is 1 in float32.
// The sign is copied back from x. Checked against Math.tanh (rounded to float32) on every
// positive float32 below 12 in an emulation: at most 1 ulp off. NaN gives NaN (the clamp
// uses pmin, which keeps a NaN first operand), +-Inf gives +-1, -0 gives -0.

const TANH_CUT: f32 = 0.625;
const TP0: f32 = -0.3333332924914535;
const TP1: f32 = 0.13332780271505804;
const TP2: f32 = -0.053851886994634494;
const TP3: f32 = 0.021000530134913917;
const TP4: f32 = -0.006100539197588164;
const LOG2E: f32 = 1.4426950408889634;
const LN2_HI: f32 = 0.693359375; // exactly representable, few bits: n * LN2_HI is exact
const LN2_LO: f32 = -2.12194440e-4;
const E2: f32 = 0.5;
const E3: f32 = 0.16666666666666666;
const E4: f32 = 0.041666666666666664;
const E5: f32 = 0.008333333333333333;
const E6: f32 = 0.001388888888888889;
const E7: f32 = 0.0001984126984126984;

/** e^r ≈ 1 + r + … for |r| ≤ ln2/2: the degree-7 polynomial both tanh and exp scale by 2^n. */
// @ts-ignore: decorator
@inline function expPolynomial(r: v128): v128 {
  const one = f32x4.splat(1.0);
  let q = f32x4.splat(E7);
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(E6));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(E5));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(E4));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(E3));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(E2));
  q = f32x4.add(f32x4.mul(q, r), one);
  return f32x4.add(f32x4.mul(q, r), one);
}

// @ts-ignore: decorator
@inline function tanh4(x: v128): v128 {
  const one = f32x4.splat(1.0);
  const ax = f32x4.abs(x);
  const sign = v128.xor(x, ax); // only the sign bit survives

  // small |x|: odd polynomial
  const u = f32x4.mul(ax, ax);
  let p = f32x4.splat(TP4);
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(TP3));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(TP2));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(TP1));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(TP0));
  const small = f32x4.add(ax, f32x4.mul(f32x4.mul(ax, u), p));

  // large |x|: 1 - 2 / (exp(2|x|) + 1)
  const y = f32x4.mul(f32x4.splat(2.0), f32x4.pmin(ax, f32x4.splat(10.0)));
  const n = f32x4.nearest(f32x4.mul(y, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(y, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  const q = expPolynomial(r);
  // 2^n built in the exponent field; n is in [0, 29] (NaN lanes give n = 0, q stays NaN)
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  const e = f32x4.mul(q, scale);
  const large = f32x4.sub(one, f32x4.div(f32x4.splat(2.0), f32x4.add(e, one)));

  const useSmall = f32x4.lt(ax, f32x4.splat(TANH_CUT));
  return v128.or(v128.bitselect(small, large, useSmall), sign);
}

// @ts-ignore: decorator
@inline function tanh1(x: f32): f32 {
  return f32x4.extract_lane(tanh4(f32x4.splat(x)), 0);
}

// ---------------------------------------------------------------------------------------
// exp for the softmax, four lanes at a time, for x <= 0 (the softmax subtracts the row max).
//
// exp(x) = 2^n * exp(r) with x = n ln2 + r, |r| <= ln2/2 (Cody-Waite, the constants above),
// exp(r) by its degree-7 Taylor polynomial. n is rounded by adding 1.5 * 2^23 (after which
// the float's low mantissa bits hold n), and 2^n is built from those bits in the exponent
// field: cheaper than f32x4.nearest and a float-to-int conversion. Below EXP_MIN (where exp
// is under float32's smallest normal) the result is 0 exactly, so a score of -Inf gets
// probability 0. NaN stays NaN (comparisons with NaN are false).

const EXP_MIN: f32 = -87.0;
const ROUND_SHIFT: f32 = 12582912.0; // 1.5 * 2^23

// @ts-ignore: decorator
@inline function expNeg4(x: v128): v128 {
  const tiny = f32x4.lt(x, f32x4.splat(EXP_MIN));
  const y = f32x4.pmax(x, f32x4.splat(EXP_MIN)); // keeps a NaN x; n stays in [-126, 0]
  const shifted = f32x4.add(f32x4.mul(y, f32x4.splat(LOG2E)), f32x4.splat(ROUND_SHIFT));
  const n = f32x4.sub(shifted, f32x4.splat(ROUND_SHIFT));
  const r = f32x4.sub(f32x4.sub(y, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  const q = expPolynomial(r);
  // shifted's bits are 0x4B400000 + n; shifting left by 23 drops the 0x4B400000
  const scale = i32x4.shl(i32x4.add(shifted, i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(q, scale), tiny);
}

// @ts-ignore: decorator
@inline function expNeg1(x: f32): f32 {
  return f32x4.extract_lane(expNeg4(f32x4.splat(x)), 0);
}

// ---------------------------------------------------------------------------------------
// The epilogue of a block: what happens to the sums before they are stored.

// @ts-ignore: decorator
@inline function finish4(epi: i32, c: usize, e: usize, v: v128): void {
  if (epi == EPI_TANH) {
    v = tanh4(v);
  } else if (epi == EPI_DTANH) {
    const h = v128.load(e);
    v = f32x4.mul(v, f32x4.sub(f32x4.splat(1.0), f32x4.mul(h, h)));
  }
  v128.store(c, v);
}

// @ts-ignore: decorator
@inline function finish1(epi: i32, c: usize, e: usize, v: f32): void {
  if (epi == EPI_TANH) {
    v = tanh1(v);
  } else if (epi == EPI_DTANH) {
    const h = load<f32>(e);
    v = v * (1.0 - h * h);
  }
  store<f32>(c, v);
}

// ---------------------------------------------------------------------------------------
// Register blocks. Arguments (all strides in bytes):
//   c, ldc   output block and its row stride
//   p, ldp   where the accumulators start from when init == INIT_LOAD
//   a, ars, aks   A block: element (r, k) at a + r*ars + k*aks
//   b, ldb   B block: element (k, j) at b + k*ldb + 4*j
//   e, lde   the epilogue's extra input (h for EPI_DTANH)
//   K        length of the sums

// @ts-ignore: decorator
@inline function block4x8(init: i32, epi: i32, c: usize, ldc: usize, p: usize, ldp: usize,
  a: usize, ars: usize, aks: usize, b: usize, ldb: usize, e: usize, lde: usize, K: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (init == INIT_LOAD) {
    c00 = v128.load(p); c01 = v128.load(p, 16); p += ldp;
    c10 = v128.load(p); c11 = v128.load(p, 16); p += ldp;
    c20 = v128.load(p); c21 = v128.load(p, 16); p += ldp;
    c30 = v128.load(p); c31 = v128.load(p, 16);
  }
  const a0 = a, a1 = a + ars, a2 = a + 2 * ars, a3 = a + 3 * ars;
  let ka: usize = 0;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a0 + ka);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(a1 + ka);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(a2 + ka);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(a3 + ka);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    ka += aks;
    b += ldb;
  }
  finish4(epi, c, e, c00); finish4(epi, c + 16, e + 16, c01); c += ldc; e += lde;
  finish4(epi, c, e, c10); finish4(epi, c + 16, e + 16, c11); c += ldc; e += lde;
  finish4(epi, c, e, c20); finish4(epi, c + 16, e + 16, c21); c += ldc; e += lde;
  finish4(epi, c, e, c30); finish4(epi, c + 16, e + 16, c31);
}

// @ts-ignore: decorator
@inline function block4x4(init: i32, epi: i32, c: usize, ldc: usize, p: usize, ldp: usize,
  a: usize, ars: usize, aks: usize, b: usize, ldb: usize, e: usize, lde: usize, K: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  if (init == INIT_LOAD) {
    c0 = v128.load(p); p += ldp;
    c1 = v128.load(p); p += ldp;
    c2 = v128.load(p); p += ldp;
    c3 = v128.load(p);
  }
  const a0 = a, a1 = a + ars, a2 = a + 2 * ars, a3 = a + 3 * ars;
  let ka: usize = 0;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b);
    c0 = madd(v128.load32_splat(a0 + ka), b0, c0);
    c1 = madd(v128.load32_splat(a1 + ka), b0, c1);
    c2 = madd(v128.load32_splat(a2 + ka), b0, c2);
    c3 = madd(v128.load32_splat(a3 + ka), b0, c3);
    ka += aks;
    b += ldb;
  }
  finish4(epi, c, e, c0); c += ldc; e += lde;
  finish4(epi, c, e, c1); c += ldc; e += lde;
  finish4(epi, c, e, c2); c += ldc; e += lde;
  finish4(epi, c, e, c3);
}

// @ts-ignore: decorator
@inline function block4x1(init: i32, epi: i32, c: usize, ldc: usize, p: usize, ldp: usize,
  a: usize, ars: usize, aks: usize, b: usize, ldb: usize, e: usize, lde: usize, K: i32): void {
  let c0: f32 = 0, c1: f32 = 0, c2: f32 = 0, c3: f32 = 0;
  if (init == INIT_LOAD) {
    c0 = load<f32>(p); p += ldp;
    c1 = load<f32>(p); p += ldp;
    c2 = load<f32>(p); p += ldp;
    c3 = load<f32>(p);
  }
  const a0 = a, a1 = a + ars, a2 = a + 2 * ars, a3 = a + 3 * ars;
  let ka: usize = 0;
  for (let k = 0; k < K; k++) {
    const bk = load<f32>(b);
    c0 += load<f32>(a0 + ka) * bk;
    c1 += load<f32>(a1 + ka) * bk;
    c2 += load<f32>(a2 + ka) * bk;
    c3 += load<f32>(a3 + ka) * bk;
    ka += aks;
    b += ldb;
  }
  finish1(epi, c, e, c0); c += ldc; e += lde;
  finish1(epi, c, e, c1); c += ldc; e += lde;
  finish1(epi, c, e, c2); c += ldc; e += lde;
  finish1(epi, c, e, c3);
}

// @ts-ignore: decorator
@inline function block1x8(init: i32, epi: i32, c: usize, p: usize,
  a: usize, aks: usize, b: usize, ldb: usize, e: usize, K: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  if (init == INIT_LOAD) {
    c0 = v128.load(p); c1 = v128.load(p, 16);
  }
  for (let k = 0; k < K; k++) {
    const av = v128.load32_splat(a);
    c0 = madd(av, v128.load(b), c0);
    c1 = madd(av, v128.load(b, 16), c1);
    a += aks;
    b += ldb;
  }
  finish4(epi, c, e, c0);
  finish4(epi, c + 16, e + 16, c1);
}

// @ts-ignore: decorator
@inline function block1x4(init: i32, epi: i32, c: usize, p: usize,
  a: usize, aks: usize, b: usize, ldb: usize, e: usize, K: i32): void {
  let c0 = f32x4.splat(0);
  if (init == INIT_LOAD) c0 = v128.load(p);
  for (let k = 0; k < K; k++) {
    c0 = madd(v128.load32_splat(a), v128.load(b), c0);
    a += aks;
    b += ldb;
  }
  finish4(epi, c, e, c0);
}

// @ts-ignore: decorator
@inline function block1x1(init: i32, epi: i32, c: usize, p: usize,
  a: usize, aks: usize, b: usize, ldb: usize, e: usize, K: i32): void {
  let c0: f32 = 0;
  if (init == INIT_LOAD) c0 = load<f32>(p);
  for (let k = 0; k < K; k++) {
    c0 += load<f32>(a) * load<f32>(b);
    a += aks;
    b += ldb;
  }
  finish1(epi, c, e, c0);
}

/**
 * C (M, N) = epilogue(start + A (M, K) . B (K, N)), where start is 0 or P (M, N).
 * A element (i, k) is at A + i*ars + k*aks, so the same loop serves A and A-transposed.
 * Strides in bytes. Column blocks outside, row blocks inside, so the K x 8 slice of B stays
 * in L1 while all rows pass over it.
 */
function panel(init: i32, epi: i32, C: usize, ldc: usize, P: usize, ldp: usize,
  A: usize, ars: usize, aks: usize, B: usize, ldb: usize, E: usize, lde: usize,
  M: i32, N: i32, K: i32): void {
  let j = 0;
  for (; j + 8 <= N; j += 8) {
    const jb = <usize>j << 2;
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const ib = <usize>i;
      block4x8(init, epi, C + ib * ldc + jb, ldc, P + ib * ldp + jb, ldp,
        A + ib * ars, ars, aks, B + jb, ldb, E + ib * lde + jb, lde, K);
    }
    for (; i < M; i++) {
      const ib = <usize>i;
      block1x8(init, epi, C + ib * ldc + jb, P + ib * ldp + jb, A + ib * ars, aks, B + jb, ldb, E + ib * lde + jb, K);
    }
  }
  if (j + 4 <= N) {
    const jb = <usize>j << 2;
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const ib = <usize>i;
      block4x4(init, epi, C + ib * ldc + jb, ldc, P + ib * ldp + jb, ldp,
        A + ib * ars, ars, aks, B + jb, ldb, E + ib * lde + jb, lde, K);
    }
    for (; i < M; i++) {
      const ib = <usize>i;
      block1x4(init, epi, C + ib * ldc + jb, P + ib * ldp + jb, A + ib * ars, aks, B + jb, ldb, E + ib * lde + jb, K);
    }
    j += 4;
  }
  for (; j < N; j++) {
    const jb = <usize>j << 2;
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const ib = <usize>i;
      block4x1(init, epi, C + ib * ldc + jb, ldc, P + ib * ldp + jb, ldp,
        A + ib * ars, ars, aks, B + jb, ldb, E + ib * lde + jb, lde, K);
    }
    for (; i < M; i++) {
      const ib = <usize>i;
      block1x1(init, epi, C + ib * ldc + jb, P + ib * ldp + jb, A + ib * ars, aks, B + jb, ldb, E + ib * lde + jb, K);
    }
  }
}

/** Copies rows [0,4) of A (element (r,k) at a + r*ars + k*aks) into dst as splats:
 *  dst + 64k + 16r holds A[r,k] in all four lanes. */
// @ts-ignore: decorator
@inline function packA4(dst: usize, a: usize, ars: usize, aks: usize, K: i32): void {
  const a1 = a + ars, a2 = a + 2 * ars, a3 = a + 3 * ars;
  let ka: usize = 0;
  for (let k = 0; k < K; k++) {
    v128.store(dst, v128.load32_splat(a + ka));
    v128.store(dst, v128.load32_splat(a1 + ka), 16);
    v128.store(dst, v128.load32_splat(a2 + ka), 32);
    v128.store(dst, v128.load32_splat(a3 + ka), 48);
    ka += aks;
    dst += 64;
  }
}

// @ts-ignore: decorator
@inline function block4x8p(init: i32, epi: i32, c: usize, ldc: usize, p: usize, ldp: usize,
  ap: usize, b: usize, ldb: usize, e: usize, lde: usize, K: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (init == INIT_LOAD) {
    c00 = v128.load(p); c01 = v128.load(p, 16); p += ldp;
    c10 = v128.load(p); c11 = v128.load(p, 16); p += ldp;
    c20 = v128.load(p); c21 = v128.load(p, 16); p += ldp;
    c30 = v128.load(p); c31 = v128.load(p, 16);
  }
  const end = ap + (<usize>K << 6);
  while (ap < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load(ap);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load(ap, 16);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load(ap, 32);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load(ap, 48);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    ap += 64;
    b += ldb;
  }
  finish4(epi, c, e, c00); finish4(epi, c + 16, e + 16, c01); c += ldc; e += lde;
  finish4(epi, c, e, c10); finish4(epi, c + 16, e + 16, c11); c += ldc; e += lde;
  finish4(epi, c, e, c20); finish4(epi, c + 16, e + 16, c21); c += ldc; e += lde;
  finish4(epi, c, e, c30); finish4(epi, c + 16, e + 16, c31);
}

// @ts-ignore: decorator
@inline function block4x4p(init: i32, epi: i32, c: usize, ldc: usize, p: usize, ldp: usize,
  ap: usize, b: usize, ldb: usize, e: usize, lde: usize, K: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  if (init == INIT_LOAD) {
    c0 = v128.load(p); p += ldp;
    c1 = v128.load(p); p += ldp;
    c2 = v128.load(p); p += ldp;
    c3 = v128.load(p);
  }
  const end = ap + (<usize>K << 6);
  while (ap < end) {
    const b0 = v128.load(b);
    c0 = madd(v128.load(ap), b0, c0);
    c1 = madd(v128.load(ap, 16), b0, c1);
    c2 = madd(v128.load(ap, 32), b0, c2);
    c3 = madd(v128.load(ap, 48), b0, c3);
    ap += 64;
    b += ldb;
  }
  finish4(epi, c, e, c0); c += ldc; e += lde;
  finish4(epi, c, e, c1); c += ldc; e += lde;
  finish4(epi, c, e, c2); c += ldc; e += lde;
  finish4(epi, c, e, c3);
}

/** Like panel, but each 4-row block of A is first packed into `pack` (K*64 bytes) as splats,
 *  and row blocks are the outer loop. */
function panelPacked(init: i32, epi: i32, C: usize, ldc: usize, P: usize, ldp: usize,
  A: usize, ars: usize, aks: usize, B: usize, ldb: usize, E: usize, lde: usize,
  M: i32, N: i32, K: i32, pack: usize): void {
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const ib = <usize>i;
    const c = C + ib * ldc, p = P + ib * ldp, e = E + ib * lde, a = A + ib * ars;
    packA4(pack, a, ars, aks, K);
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      const jb = <usize>j << 2;
      block4x8p(init, epi, c + jb, ldc, p + jb, ldp, pack, B + jb, ldb, e + jb, lde, K);
    }
    if (j + 4 <= N) {
      const jb = <usize>j << 2;
      block4x4p(init, epi, c + jb, ldc, p + jb, ldp, pack, B + jb, ldb, e + jb, lde, K);
      j += 4;
    }
    for (; j < N; j++) {
      const jb = <usize>j << 2;
      block4x1(init, epi, c + jb, ldc, p + jb, ldp, a, ars, aks, B + jb, ldb, e + jb, lde, K);
    }
  }
  if (i < M) {
    const ib = <usize>i;
    panel(init, epi, C + ib * ldc, ldc, P + ib * ldp, ldp, A + ib * ars, ars, aks, B, ldb, E + ib * lde, lde, M - i, N, K);
  }
}

/** Packing A pays off when its 4-row block is reused across at least this many columns. */
const PACK_MIN_N: i32 = 16;

/** C (M, N) = (accumulate ? C : 0) + A . B with A element (i, k) at A + i*ars + k*aks (bytes),
 *  B (K, N) row-major. K is cut into chunks of KC; every chunk after the first adds into C.
 *  pack: KC*64 bytes of scratch. */
function gemm(C: usize, A: usize, ars: usize, aks: usize, B: usize,
  M: i32, N: i32, K: i32, accumulate: bool, pack: usize): void {
  const ldc = <usize>N << 2;
  const ldb = <usize>N << 2;
  if (K == 0) {
    // no terms: C = accumulate ? C : 0
    if (!accumulate) memory.fill(C, 0, (<usize>M * <usize>N) << 2);
    return;
  }
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const init = accumulate || k0 > 0 ? INIT_LOAD : INIT_ZERO;
    const a = A + <usize>k0 * aks, b = B + <usize>k0 * ldb;
    if (N >= PACK_MIN_N) {
      panelPacked(init, EPI_STORE, C, ldc, C, ldc, a, ars, aks, b, ldb, 0, 0, M, N, kc, pack);
    } else {
      panel(init, EPI_STORE, C, ldc, C, ldc, a, ars, aks, b, ldb, 0, 0, M, N, kc);
    }
  }
}

/** dst (cols, rows) = src (rows, cols) transposed. */
function transpose(dst: usize, src: usize, rows: i32, cols: i32): void {
  const ldd = <usize>rows << 2;
  for (let r = 0; r < rows; r++) {
    const s = src + ((<usize>r * <usize>cols) << 2);
    const d = dst + (<usize>r << 2);
    for (let c = 0; c < cols; c++) {
      store<f32>(d + <usize>c * ldd, load<f32>(s + (<usize>c << 2)));
    }
  }
}

// ---------------------------------------------------------------------------------------
// Exports. Shapes and semantics: see src/kernels/backend.ts.

// Scratch: every kernel that needs it takes a 64-byte aligned `scratch` pointer; the sizes
// (in floats) are computed by the loader, src/kernels/wasm.ts, from these rules:
//   matmulAB, matmulAtB:  16*KC                      (packed A)
//   matmulABt:            roundUp(N*K, 16) + 16*KC   (B^T, then packed A)
//   rnnTanhForward:       roundUp(H*H, 16) + 16*H    (Whh^T, then packed h_{t-1})
//   rnnTanhBackward:      16*H                       (packed dpre_{t+1})

/** Byte offset past a (count)-float region, rounded up to 64 bytes. */
// @ts-ignore: decorator
@inline function after(count: usize): usize {
  return ((count << 2) + 63) & ~(<usize>63);
}

/** C (M,N) = (accumulate ? C : 0) + A (M,K) . B (K,N) */
export function matmulAB(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, accumulate: bool, scratch: usize): void {
  gemm(C, A, <usize>K << 2, 4, B, M, N, K, accumulate, scratch);
}

/** C (M,N) = (accumulate ? C : 0) + A (K,M)^T . B (K,N) */
export function matmulAtB(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, accumulate: bool, scratch: usize): void {
  gemm(C, A, 4, <usize>M << 2, B, M, N, K, accumulate, scratch);
}

/** C (M,N) = (accumulate ? C : 0) + A (M,K) . B (N,K)^T, by transposing B into scratch first. */
export function matmulABt(C: usize, A: usize, B: usize, M: i32, N: i32, K: i32, accumulate: bool, scratch: usize): void {
  transpose(scratch, B, N, K);
  gemm(C, A, <usize>K << 2, 4, scratch, M, N, K, accumulate, scratch + after(<usize>N * <usize>K));
}

/** out (R,N) += bias (N) on every row. */
export function addBias(out: usize, bias: usize, R: i32, N: i32): void {
  const ld = <usize>N << 2;
  for (let r = 0; r < R; r++) {
    const o = out + <usize>r * ld;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const jb = <usize>j << 2;
      v128.store(o + jb, f32x4.add(v128.load(o + jb), v128.load(bias + jb)));
    }
    for (; j < N; j++) {
      const jb = <usize>j << 2;
      store<f32>(o + jb, load<f32>(o + jb) + load<f32>(bias + jb));
    }
  }
}

/** Rows summed in runs of this many before being added to the total (error grows with the
 *  run length plus the number of runs, not with R). */
const SUM_RUN: i32 = 256;

/** dbias (N) += column sums of d (R,N). */
export function sumRows(dbias: usize, d: usize, R: i32, N: i32): void {
  const ld = <usize>N << 2;
  let j = 0;
  for (; j + 16 <= N; j += 16) {
    const jb = <usize>j << 2;
    let t0 = v128.load(dbias + jb), t1 = v128.load(dbias + jb, 16);
    let t2 = v128.load(dbias + jb, 32), t3 = v128.load(dbias + jb, 48);
    for (let r0 = 0; r0 < R; r0 += SUM_RUN) {
      const r1 = min(R, r0 + SUM_RUN);
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let q = d + <usize>r0 * ld + jb;
      for (let r = r0; r < r1; r++) {
        s0 = f32x4.add(s0, v128.load(q));
        s1 = f32x4.add(s1, v128.load(q, 16));
        s2 = f32x4.add(s2, v128.load(q, 32));
        s3 = f32x4.add(s3, v128.load(q, 48));
        q += ld;
      }
      t0 = f32x4.add(t0, s0); t1 = f32x4.add(t1, s1);
      t2 = f32x4.add(t2, s2); t3 = f32x4.add(t3, s3);
    }
    v128.store(dbias + jb, t0); v128.store(dbias + jb, t1, 16);
    v128.store(dbias + jb, t2, 32); v128.store(dbias + jb, t3, 48);
  }
  for (; j + 4 <= N; j += 4) {
    const jb = <usize>j << 2;
    let t0 = v128.load(dbias + jb);
    for (let r0 = 0; r0 < R; r0 += SUM_RUN) {
      const r1 = min(R, r0 + SUM_RUN);
      let s0 = f32x4.splat(0);
      let q = d + <usize>r0 * ld + jb;
      for (let r = r0; r < r1; r++) {
        s0 = f32x4.add(s0, v128.load(q));
        q += ld;
      }
      t0 = f32x4.add(t0, s0);
    }
    v128.store(dbias + jb, t0);
  }
  for (; j < N; j++) {
    const jb = <usize>j << 2;
    let t0 = load<f32>(dbias + jb);
    for (let r0 = 0; r0 < R; r0 += SUM_RUN) {
      const r1 = min(R, r0 + SUM_RUN);
      let s0: f32 = 0;
      let q = d + <usize>r0 * ld + jb;
      for (let r = r0; r < r1; r++) {
        s0 += load<f32>(q);
        q += ld;
      }
      t0 += s0;
    }
    store<f32>(dbias + jb, t0);
  }
}

/** out (n) = tanh(x (n)), elementwise; out may be x. */
export function tanh(out: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, tanh4(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, tanh1(load<f32>(x + o)));
  }
}

/**
 * h (B,T,H): h_t = tanh(pre_t + h_{t-1} . Whh^T), h_{-1} = 0, for all T steps.
 * pre (B,T,H), Whh (H,H) [out, in]. Whh is transposed into scratch once per call (element
 * (k, j) = Whh[j, k]) so the inner loop reads rows of it; each step then packs h_{t-1} and
 * runs the register-blocked product with tanh fused into the store.
 */
export function rnnTanhForward(h: usize, pre: usize, Whh: usize, B: i32, T: i32, H: i32, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  transpose(scratch, Whh, H, H);
  const pack = scratch + after(<usize>H * <usize>H);
  const ld = (<usize>T * <usize>H) << 2; // bytes from one sequence's row t to the next sequence's
  const step = <usize>H << 2;            // bytes from time t to t+1 within a sequence
  const ldw = <usize>H << 2;
  // t = 0: no recurrent term
  panel(INIT_LOAD, EPI_TANH, h, ld, pre, ld, 0, ld, 4, scratch, ldw, 0, 0, B, H, 0);
  for (let t = 1; t < T; t++) {
    const off = <usize>t * step;
    panelPacked(INIT_LOAD, EPI_TANH, h + off, ld, pre + off, ld, h + off - step, ld, 4, scratch, ldw, 0, 0, B, H, H, pack);
  }
}

/**
 * dpre (B,T,H), for t = T-1 down to 0:
 *   dpre_t = (dh_t + dpre_{t+1} . Whh) * (1 - h_t^2),  dpre_T = 0.
 * dh (B,T,H) is the gradient reaching h from outside the recurrence; h (B,T,H) the forward
 * output; Whh (H,H) [out, in] is read as is (its rows are the inner loop's contiguous loads);
 * scratch holds the packed dpre_{t+1}.
 */
export function rnnTanhBackward(dpre: usize, dh: usize, h: usize, Whh: usize, B: i32, T: i32, H: i32, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const ld = (<usize>T * <usize>H) << 2;
  const step = <usize>H << 2;
  const ldw = <usize>H << 2;
  let off = <usize>(T - 1) * step;
  panel(INIT_LOAD, EPI_DTANH, dpre + off, ld, dh + off, ld, 0, ld, 4, Whh, ldw, h + off, ld, B, H, 0);
  for (let t = T - 2; t >= 0; t--) {
    off = <usize>t * step;
    panelPacked(INIT_LOAD, EPI_DTANH, dpre + off, ld, dh + off, ld, dpre + off + step, ld, 4, Whh, ldw, h + off, ld, B, H, H, scratch);
  }
}

/**
 * Causal softmax of R rows of a score matrix p (R, N), in place. Row i holds the scores of
 * query r0+i against keys 0..N-1; it sees keys u <= r0+i only:
 *   p[i,u] = exp(scale*(p[i,u] - m)) / sum over u' <= r0+i of exp(scale*(p[i,u'] - m)),
 * m the largest score the row sees (scale > 0), and p[i,u] = 0 for u > r0+i. The sum is
 * kept in four float32 lanes. A NaN or +Inf among the scores a row sees makes that row NaN.
 */
export function causalSoftmax(p: usize, R: i32, N: i32, r0: i32, scale: f32): void {
  const ld = <usize>N << 2;
  const vscale = f32x4.splat(scale);
  for (let i = 0; i < R; i++) {
    const row = p + <usize>i * ld;
    const n = min(r0 + i + 1, N); // keys this row sees
    const end = row + (<usize>n << 2);
    const end4 = row + (<usize>(n & ~3) << 2);
    let vmax = f32x4.splat(-Infinity);
    let q = row;
    // pmax skips NaN scores (cheaper than max); a NaN still turns the row NaN through its exp
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
      const e = expNeg4(f32x4.mul(f32x4.sub(v128.load(q), vm), vscale));
      v128.store(q, e);
      vsum = f32x4.add(vsum, e);
    }
    let sum = (f32x4.extract_lane(vsum, 0) + f32x4.extract_lane(vsum, 1)) +
      (f32x4.extract_lane(vsum, 2) + f32x4.extract_lane(vsum, 3));
    for (; q < end; q += 4) {
      const e = expNeg1((load<f32>(q) - m) * scale);
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

/**
 * Backward of causalSoftmax, in place: ds (R, N) holds dL/dp on entry and dL/dscores on
 * return, with p (R, N) the softmax output:
 *   ds[i,u] = scale * p[i,u] * (ds[i,u] - sum over u' <= r0+i of p[i,u'] * ds[i,u'])
 * for u <= r0+i, and 0 for u > r0+i (what ds held there is never read).
 */
export function causalSoftmaxBackward(ds: usize, p: usize, R: i32, N: i32, r0: i32, scale: f32): void {
  const ld = <usize>N << 2;
  const vscale = f32x4.splat(scale);
  for (let i = 0; i < R; i++) {
    const off = <usize>i * ld;
    const drow = ds + off, prow = p + off;
    const n = min(r0 + i + 1, N);
    const bytes = <usize>n << 2, bytes4 = <usize>(n & ~3) << 2;
    let vdot = f32x4.splat(0);
    let o: usize = 0;
    for (; o < bytes4; o += 16) vdot = f32x4.add(vdot, f32x4.mul(v128.load(prow + o), v128.load(drow + o)));
    let dot = (f32x4.extract_lane(vdot, 0) + f32x4.extract_lane(vdot, 1)) +
      (f32x4.extract_lane(vdot, 2) + f32x4.extract_lane(vdot, 3));
    for (; o < bytes; o += 4) dot += load<f32>(prow + o) * load<f32>(drow + o);
    const vdot1 = f32x4.splat(dot);
    for (o = 0; o < bytes4; o += 16) {
      const g = f32x4.mul(f32x4.mul(v128.load(prow + o), vscale), f32x4.sub(v128.load(drow + o), vdot1));
      v128.store(drow + o, g);
    }
    for (; o < bytes; o += 4) store<f32>(drow + o, (load<f32>(prow + o) * scale) * (load<f32>(drow + o) - dot));
    memory.fill(drow + bytes, 0, <usize>(N - n) << 2);
  }
}

/**
 * One AdamW step over n float32 values, in PyTorch 1.13 _single_tensor_adamw's order, every
 * operation rounded to float32 (the plain backend does the same, so they agree bit for bit):
 *   p = p * decay;  m = m * beta1 + omb1 * g;  v = v * beta2 + (omb2 * g) * g;
 *   denom = sqrt(v) / bc2sqrt + eps;  p = p + (negStepSize * m) / denom
 * The scalars are computed in float64 on the JS side and rounded to float32 once:
 * decay = 1 - lr*wd, omb1 = 1 - beta1, omb2 = 1 - beta2, negStepSize = -lr / (1 - beta1^step),
 * bc2sqrt = sqrt(1 - beta2^step).
 */
export function adamw(param: usize, grad: usize, m: usize, v: usize, n: i32,
  decay: f32, beta1: f32, omb1: f32, beta2: f32, omb2: f32,
  negStepSize: f32, bc2sqrt: f32, eps: f32): void {
  const vdecay = f32x4.splat(decay);
  const vb1 = f32x4.splat(beta1), vomb1 = f32x4.splat(omb1);
  const vb2 = f32x4.splat(beta2), vomb2 = f32x4.splat(omb2);
  const vss = f32x4.splat(negStepSize), vbc2 = f32x4.splat(bc2sqrt), veps = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(grad + o);
    const pp = f32x4.mul(v128.load(param + o), vdecay);
    const mm = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(vomb1, g));
    const vv = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(vomb2, g), g));
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), vbc2), veps);
    v128.store(m + o, mm);
    v128.store(v + o, vv);
    v128.store(param + o, f32x4.add(pp, f32x4.div(f32x4.mul(vss, mm), denom)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(grad + o);
    const pp = load<f32>(param + o) * decay;
    const mm = load<f32>(m + o) * beta1 + omb1 * g;
    const vv = load<f32>(v + o) * beta2 + (omb2 * g) * g;
    const denom = sqrt<f32>(vv) / bc2sqrt + eps;
    store<f32>(m + o, mm);
    store<f32>(v + o, vv);
    store<f32>(param + o, pp + (negStepSize * mm) / denom);
  }
}
