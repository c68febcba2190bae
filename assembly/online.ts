// The online units' kernels: the per-step loops of eprop and esn-rls. Shapes and semantics:
// see src/kernels/families/online.ts; the plain reference is plain-online.ts.
//
// A step of an online unit is a handful of matrix-vector products (one frame, no batch), so
// these kernels are dot products along rows, four rows at a time: each row keeps an f32x4
// accumulator while k runs, the four share the loads of the vector, and the lanes are summed
// once per row at the end. esn-rls keeps its inverse correlation matrix P in float64 (in
// float32 it drifts away from positive definite within a pass), so its kernels run in f64x2.

import { madd } from './simd';
import { tanh1, tanh4 } from './math';

// ---------------------------------------------------------------------------------------
// Matrix-vector products

// @ts-ignore: decorator
@inline function lanes(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * out[r] (+)= Σ_k A[r, k] v[k] for rows r = 0..M-1 of A (M, K), row stride lda bytes;
 * `accumulate` adds into out instead of overwriting it.
 */
function matVec(out: usize, A: usize, lda: usize, v: usize, M: i32, K: i32, accumulate: bool): void {
  let r = 0;
  for (; r + 4 <= M; r += 4) {
    const a0 = A + <usize>r * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const kb = <usize>k << 2;
      const x = v128.load(v + kb);
      c0 = madd(v128.load(a0 + kb), x, c0);
      c1 = madd(v128.load(a1 + kb), x, c1);
      c2 = madd(v128.load(a2 + kb), x, c2);
      c3 = madd(v128.load(a3 + kb), x, c3);
    }
    let s0 = lanes(c0), s1 = lanes(c1), s2 = lanes(c2), s3 = lanes(c3);
    for (; k < K; k++) {
      const kb = <usize>k << 2;
      const x = load<f32>(v + kb);
      s0 += load<f32>(a0 + kb) * x;
      s1 += load<f32>(a1 + kb) * x;
      s2 += load<f32>(a2 + kb) * x;
      s3 += load<f32>(a3 + kb) * x;
    }
    const o = out + (<usize>r << 2);
    if (accumulate) {
      s0 += load<f32>(o); s1 += load<f32>(o, 4); s2 += load<f32>(o, 8); s3 += load<f32>(o, 12);
    }
    store<f32>(o, s0); store<f32>(o, s1, 4); store<f32>(o, s2, 8); store<f32>(o, s3, 12);
  }
  for (; r < M; r++) {
    const a = A + <usize>r * lda;
    let c = f32x4.splat(0);
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const kb = <usize>k << 2;
      c = madd(v128.load(a + kb), v128.load(v + kb), c);
    }
    let s = lanes(c);
    for (; k < K; k++) {
      const kb = <usize>k << 2;
      s += load<f32>(a + kb) * load<f32>(v + kb);
    }
    const o = out + (<usize>r << 2);
    if (accumulate) s += load<f32>(o);
    store<f32>(o, s);
  }
}

// ---------------------------------------------------------------------------------------
// eprop

/** One step of eprop's leaky tanh RNN, its read-out and its eligibility vectors. */
export function epropStep(a: usize, h: usize, y: usize, trace: usize, x: usize, hPrev: usize,
  Wih: usize, Whh: usize, b: usize, Wfc: usize, bfc: usize, F: i32, N: i32, alpha: f32): void {
  const beta: f32 = 1.0 - alpha;
  const av = f32x4.splat(alpha), bv = f32x4.splat(beta);
  // h (scratch for the sums) = W_ih x + W_hh h_{t−1}; then a = α a + β (sums + b), h = tanh(a)
  matVec(h, Wih, <usize>F << 2, x, N, F, false);
  matVec(h, Whh, <usize>N << 2, hPrev, N, N, true);
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const jb = <usize>j << 2;
    const s = f32x4.add(v128.load(h + jb), v128.load(b + jb));
    const an = madd(bv, s, f32x4.mul(av, v128.load(a + jb)));
    v128.store(a + jb, an);
    v128.store(h + jb, tanh4(an));
  }
  for (; j < N; j++) {
    const jb = <usize>j << 2;
    const an = alpha * load<f32>(a + jb) + beta * (load<f32>(h + jb) + load<f32>(b + jb));
    store<f32>(a + jb, an);
    store<f32>(h + jb, tanh1(an));
  }
  // y = W_fc h + b_fc
  matVec(y, Wfc, <usize>N << 2, h, F, N, false);
  for (let k = 0; k < F; k++) {
    const kb = <usize>k << 2;
    store<f32>(y + kb, load<f32>(y + kb) + load<f32>(bfc + kb));
  }
  // ε̄ = α ε̄ + β [x; h_{t−1}; 1]
  leakInto(trace, x, F, alpha, beta);
  leakInto(trace + (<usize>F << 2), hPrev, N, alpha, beta);
  const last = trace + (<usize>(F + N) << 2);
  store<f32>(last, alpha * load<f32>(last) + beta);
}

/** dst (n) = α dst + β src. */
// @ts-ignore: decorator
@inline function leakInto(dst: usize, src: usize, n: i32, alpha: f32, beta: f32): void {
  const av = f32x4.splat(alpha), bv = f32x4.splat(beta);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const ib = <usize>i << 2;
    v128.store(dst + ib, madd(bv, v128.load(src + ib), f32x4.mul(av, v128.load(dst + ib))));
  }
  for (; i < n; i++) {
    const ib = <usize>i << 2;
    store<f32>(dst + ib, alpha * load<f32>(dst + ib) + beta * load<f32>(src + ib));
  }
}

/** delta (n) ⊙= 1 − h² (n): learning signals times tanh′, for R steps at once (n = R·N). */
export function epropDelta(delta: usize, h: usize, n: i32): void {
  const one = f32x4.splat(1.0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const ib = <usize>i << 2;
    const hv = v128.load(h + ib);
    v128.store(delta + ib, f32x4.mul(v128.load(delta + ib), f32x4.sub(one, f32x4.mul(hv, hv))));
  }
  for (; i < n; i++) {
    const ib = <usize>i << 2;
    const hv = load<f32>(h + ib);
    store<f32>(delta + ib, load<f32>(delta + ib) * (1.0 - hv * hv));
  }
}

// ---------------------------------------------------------------------------------------
// esn-rls, float64; P (D, D) holds its upper triangle (j ≥ i), the rest is never read.

/** u (D) = P z, P symmetric from its upper triangle. */
export function rlsGain(u: usize, P: usize, z: usize, D: i32): void {
  memory.fill(u, 0, <usize>D << 3);
  const ld = <usize>D << 3;
  for (let i = 0; i < D; i++) {
    const row = P + <usize>i * ld;
    const ib = <usize>i << 3;
    const zi = load<f64>(z + ib);
    const ziv = f64x2.splat(zi);
    // the diagonal, then j > i feeds both u_i (row i) and u_j (P[j, i] = P[i, j])
    let sum = load<f64>(row + ib) * zi;
    let acc = f64x2.splat(0);
    let j = i + 1;
    for (; j + 2 <= D; j += 2) {
      const jb = <usize>j << 3;
      const p = v128.load(row + jb);
      acc = f64x2.add(acc, f64x2.mul(p, v128.load(z + jb)));
      v128.store(u + jb, f64x2.add(v128.load(u + jb), f64x2.mul(p, ziv)));
    }
    sum += f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; j < D; j++) {
      const jb = <usize>j << 3;
      const p = load<f64>(row + jb);
      sum += p * load<f64>(z + jb);
      store<f64>(u + jb, load<f64>(u + jb) + p * zi);
    }
    store<f64>(u + ib, load<f64>(u + ib) + sum);
  }
}

/** P ← P − g u uᵀ on the upper triangle. */
export function rlsDowndate(P: usize, u: usize, g: f64, D: i32): void {
  const ld = <usize>D << 3;
  for (let i = 0; i < D; i++) {
    const row = P + <usize>i * ld;
    const gi = g * load<f64>(u + (<usize>i << 3));
    const giv = f64x2.splat(gi);
    let j = i;
    for (; j + 2 <= D; j += 2) {
      const jb = <usize>j << 3;
      v128.store(row + jb, f64x2.sub(v128.load(row + jb), f64x2.mul(giv, v128.load(u + jb))));
    }
    for (; j < D; j++) {
      const jb = <usize>j << 3;
      store<f64>(row + jb, load<f64>(row + jb) - gi * load<f64>(u + jb));
    }
  }
}
