// Elementwise float32 math of the training kernels, four lanes at a time: tanh (and its
// one-lane form) and exp for x <= 0. Shared by every kernel family; no state.

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
@inline export function expPolynomial(r: v128): v128 {
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
@inline export function tanh4(x: v128): v128 {
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
@inline export function tanh1(x: f32): f32 {
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
@inline export function expNeg4(x: v128): v128 {
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
@inline export function expNeg1(x: f32): f32 {
  return f32x4.extract_lane(expNeg4(f32x4.splat(x)), 0);
}

