// GRU and LSTM kernels: the whole recurrence and its backward through time, one call each.
//
// Everything is time-major (T, B, ·): row t*B + b is sequence b at step t, so one step of the
// whole batch is a contiguous (B, ·) block. Per step the recurrent product of the whole batch
// runs through the register-blocked panels of panel.ts (W_hh transposed or packed once per
// call, not per step), and the gate math follows it in four-lane SIMD over the hidden units.
// The contract is documented on the interface, src/kernels/families/gates.ts; the TypeScript
// reference is src/kernels/families/plain-gates.ts.
//
// Scratch (floats; each region rounded up to 16 floats), sized by wasm-gates.ts:
//   gruForward:   3H*H (W_hh^T) + 3H*B (one step's gh) + 16*H (packed h_{t-1})
//   gruBackward:  16*3H (packed dgh_t)
//   lstmForward:  4H*H (W_hh^T) + 16*H (packed h_{t-1})
//   lstmBackward: B*H (dc carried back) + 16*4H (packed dgates_{t+1})

import { madd } from './simd';
import { expNeg4, tanh1, tanh4 } from './math';
import { EPI_STORE, INIT_LOAD, after, panel, panelPacked, transpose } from './panel';

// ---------------------------------------------------------------------------------------
// Sigmoid, four lanes at a time: σ(x) = 1 / (1 + e^{−x}) for x ≥ 0 and e^{x} / (1 + e^{x})
// for x < 0, both from e = exp(−|x|) ∈ (0, 1], so the exponential never overflows and small
// results keep their relative accuracy (½ + ½·tanh(x/2) would round σ(−20) to 0). ±Inf give
// 1 and 0; NaN stays NaN. Swept over [−40, 40] against 1 / (1 + Math.exp(−x)): at most 3 ulp,
// absolute error below 9e-8.

// @ts-ignore: decorator
@inline function sigmoid4(x: v128): v128 {
  const e = expNeg4(f32x4.neg(f32x4.abs(x)));
  const r = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), e));
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(x, f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline function sigmoid1(x: f32): f32 {
  return f32x4.extract_lane(sigmoid4(f32x4.splat(x)), 0);
}

/** out (n) = σ(a + b) elementwise (b = 0: σ(a)); out may be a. */
function sigmoidRun(out: usize, a: usize, b: usize, n: i32): void {
  const end = <usize>n << 2, end4 = <usize>(n & ~3) << 2;
  let i: usize = 0;
  if (b != 0) {
    for (; i < end4; i += 16) v128.store(out + i, sigmoid4(f32x4.add(v128.load(a + i), v128.load(b + i))));
    for (; i < end; i += 4) store<f32>(out + i, sigmoid1(load<f32>(a + i) + load<f32>(b + i)));
  } else {
    for (; i < end4; i += 16) v128.store(out + i, sigmoid4(v128.load(a + i)));
    for (; i < end; i += 4) store<f32>(out + i, sigmoid1(load<f32>(a + i)));
  }
}

/** out (n) = tanh(a) elementwise; out may be a. */
function tanhRun(out: usize, a: usize, n: i32): void {
  const end = <usize>n << 2, end4 = <usize>(n & ~3) << 2;
  let i: usize = 0;
  for (; i < end4; i += 16) v128.store(out + i, tanh4(v128.load(a + i)));
  for (; i < end; i += 4) store<f32>(out + i, tanh1(load<f32>(a + i)));
}

// ---------------------------------------------------------------------------------------
// The per-step product C (M, N) = P + A (M, K) . B (K, N) of the whole batch. Whole 4-row
// blocks go through panelPacked; the 1 to 3 rows left over (an odd share of a batch) each
// through rowProduct. The panel would take a lone row 8 columns at a time with two
// accumulators, so each multiply-add waits on the one before; rowProduct keeps eight
// (16 columns, even and odd k apart) and runs at the rate the loads of B allow.

/** c (N) = p (N) + a (K) . B (K, N): a's element k at a + k*4, B's row k at b + k*ldb. */
function rowProduct(c: usize, p: usize, a: usize, b: usize, ldb: usize, N: i32, K: i32): void {
  const K2 = K & ~1;
  let j = 0;
  for (; j + 16 <= N; j += 16) {
    const jb = <usize>j << 2;
    let c0 = v128.load(p + jb), c1 = v128.load(p + jb, 16), c2 = v128.load(p + jb, 32), c3 = v128.load(p + jb, 48);
    let d0 = f32x4.splat(0), d1 = f32x4.splat(0), d2 = f32x4.splat(0), d3 = f32x4.splat(0);
    let q = b + jb;
    let k = 0;
    for (; k < K2; k += 2) {
      const a0 = v128.load32_splat(a + (<usize>k << 2)), a1 = v128.load32_splat(a + (<usize>k << 2), 4);
      c0 = madd(a0, v128.load(q), c0); c1 = madd(a0, v128.load(q, 16), c1);
      c2 = madd(a0, v128.load(q, 32), c2); c3 = madd(a0, v128.load(q, 48), c3);
      q += ldb;
      d0 = madd(a1, v128.load(q), d0); d1 = madd(a1, v128.load(q, 16), d1);
      d2 = madd(a1, v128.load(q, 32), d2); d3 = madd(a1, v128.load(q, 48), d3);
      q += ldb;
    }
    if (k < K) {
      const a0 = v128.load32_splat(a + (<usize>k << 2));
      c0 = madd(a0, v128.load(q), c0); c1 = madd(a0, v128.load(q, 16), c1);
      c2 = madd(a0, v128.load(q, 32), c2); c3 = madd(a0, v128.load(q, 48), c3);
    }
    v128.store(c + jb, f32x4.add(c0, d0)); v128.store(c + jb, f32x4.add(c1, d1), 16);
    v128.store(c + jb, f32x4.add(c2, d2), 32); v128.store(c + jb, f32x4.add(c3, d3), 48);
  }
  for (; j + 4 <= N; j += 4) {
    const jb = <usize>j << 2;
    let c0 = v128.load(p + jb), d0 = f32x4.splat(0);
    let q = b + jb;
    let k = 0;
    for (; k < K2; k += 2) {
      c0 = madd(v128.load32_splat(a + (<usize>k << 2)), v128.load(q), c0);
      d0 = madd(v128.load32_splat(a + (<usize>k << 2), 4), v128.load(q + ldb), d0);
      q += ldb << 1;
    }
    if (k < K) c0 = madd(v128.load32_splat(a + (<usize>k << 2)), v128.load(q), c0);
    v128.store(c + jb, f32x4.add(c0, d0));
  }
  for (; j < N; j++) {
    const jb = <usize>j << 2;
    let c0 = load<f32>(p + jb);
    let q = b + jb;
    for (let k = 0; k < K; k++) {
      c0 += load<f32>(a + (<usize>k << 2)) * load<f32>(q);
      q += ldb;
    }
    store<f32>(c + jb, c0);
  }
}

/** C (M, N) = P + A (M, K) . B (K, N), all row-major with the given row strides in bytes;
 *  P may be C, or a single row given with ldp = 0. pack: 16*K floats of scratch. */
function stepProduct(C: usize, ldc: usize, P: usize, ldp: usize, A: usize, lda: usize,
  B: usize, ldb: usize, M: i32, N: i32, K: i32, pack: usize): void {
  const M4 = M & ~3;
  if (M4 > 0) panelPacked(INIT_LOAD, EPI_STORE, C, ldc, P, ldp, A, lda, 4, B, ldb, 0, 0, M4, N, K, pack);
  for (let i = M4; i < M; i++) {
    const ib = <usize>i;
    rowProduct(C + ib * ldc, P + ib * ldp, A + ib * lda, B, ldb, N, K);
  }
}

/** Offsets in bytes into a (rows, W) float32 buffer. */
// @ts-ignore: decorator
@inline function rowAt(row: i32, W: i32): usize {
  return (<usize>row * <usize>W) << 2;
}

// ---------------------------------------------------------------------------------------
// GRU, gates r, z, n:
//   r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n),
//   h_t = n + z ⊙ (h_{t−1} − n)   (PyTorch's form of (1 − z) ⊙ n + z ⊙ h_{t−1})
// with gh = h_{t−1} W_hh^T + b_hh.

/** One step's gate math for sequence rows [0, B): g (3H per row) holds gi and gets r, z, n;
 *  s (3H per row) holds gh; hp is h_{t−1} (0 for none), ho h_t, q ghn. Two passes per row:
 *  the sigmoids of r and z (one run of 2H), then n and h; each pass's iterations are
 *  independent and short, so the out-of-order core overlaps more of their long latency
 *  chains than one pass with n waiting on r would let it. */
function gruGates(g: usize, s: usize, hp: usize, ho: usize, q: usize, B: i32, H: i32): void {
  const Hb = <usize>H << 2;
  const Gb = Hb * 3;
  const H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    sigmoidRun(g, g, s, 2 * H);
    let j: usize = 0;
    for (; j < H4; j += 16) {
      const r = v128.load(g + j), z = v128.load(g + Hb + j);
      const hn = v128.load(s + 2 * Hb + j);
      const n = tanh4(madd(r, hn, v128.load(g + 2 * Hb + j)));
      const prev = hp != 0 ? v128.load(hp + j) : f32x4.splat(0);
      v128.store(g + 2 * Hb + j, n);
      v128.store(q + j, hn);
      v128.store(ho + j, madd(z, f32x4.sub(prev, n), n));
    }
    for (; j < Hb; j += 4) {
      const r = load<f32>(g + j), z = load<f32>(g + Hb + j);
      const hn = load<f32>(s + 2 * Hb + j);
      const n = tanh1(load<f32>(g + 2 * Hb + j) + r * hn);
      const prev: f32 = hp != 0 ? load<f32>(hp + j) : 0;
      store<f32>(g + 2 * Hb + j, n);
      store<f32>(q + j, hn);
      store<f32>(ho + j, n + z * (prev - n));
    }
    g += Gb; s += Gb; ho += Hb; q += Hb;
    if (hp != 0) hp += Hb;
  }
}

/**
 * h (T,B,H), ghn (T,B,H); gates (T,B,3H) holds gi = x W_ih^T + b_ih on entry and r, z, n on
 * return. Per step: gh = h_{t−1} W_hh^T + b_hh for the whole batch into scratch (the panel
 * starts every row from b_hh: a P matrix with row stride 0), then the gate math.
 */
export function gruForward(h: usize, ghn: usize, gates: usize, Whh: usize, bhh: usize,
  B: i32, T: i32, H: i32, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const G = 3 * H;
  const WT = scratch;                              // (H, 3H) W_hh^T
  const gh = WT + after(<usize>H * <usize>G);      // (B, 3H) this step's gh
  const pack = gh + after(<usize>B * <usize>G);    // packed 4-row blocks of h_{t−1}
  transpose(WT, Whh, G, H);
  const ldh = <usize>H << 2, ldg = <usize>G << 2;
  for (let t = 0; t < T; t++) {
    const hRow = rowAt(t * B, H), gRow = rowAt(t * B, G);
    if (t == 0) {
      // h_{−1} = 0: gh = b_hh (a product with K = 0 that only loads its start)
      panel(INIT_LOAD, EPI_STORE, gh, ldg, bhh, 0, 0, 0, 4, WT, ldg, 0, 0, B, G, 0);
    } else {
      stepProduct(gh, ldg, bhh, 0, h + hRow - rowAt(B, H), ldh, WT, ldg, B, G, H, pack);
    }
    gruGates(gates + gRow, gh, t == 0 ? 0 : h + hRow - rowAt(B, H), h + hRow, ghn + hRow, B, H);
  }
}

/** One step's gate gradients for rows [0, B): d is dh_t, dp dh_{t−1} (0 for none, else it
 *  gains z ⊙ dh_t), hp h_{t−1} (0 for none). */
function gruGateGrads(dgi: usize, dgh: usize, dp: usize, d: usize, g: usize, q: usize, hp: usize, B: i32, H: i32): void {
  const Hb = <usize>H << 2;
  const Gb = Hb * 3;
  const H4 = <usize>(H & ~3) << 2;
  const one = f32x4.splat(1.0);
  for (let b = 0; b < B; b++) {
    let j: usize = 0;
    for (; j < H4; j += 16) {
      const r = v128.load(g + j), z = v128.load(g + Hb + j), n = v128.load(g + 2 * Hb + j);
      const prev = hp != 0 ? v128.load(hp + j) : f32x4.splat(0);
      const dht = v128.load(d + j);
      const dn = f32x4.mul(f32x4.mul(dht, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
      const dz = f32x4.mul(f32x4.mul(dht, f32x4.sub(prev, n)), f32x4.mul(z, f32x4.sub(one, z)));
      const dr = f32x4.mul(f32x4.mul(dn, v128.load(q + j)), f32x4.mul(r, f32x4.sub(one, r)));
      v128.store(dgi + j, dr); v128.store(dgi + Hb + j, dz); v128.store(dgi + 2 * Hb + j, dn);
      v128.store(dgh + j, dr); v128.store(dgh + Hb + j, dz); v128.store(dgh + 2 * Hb + j, f32x4.mul(dn, r));
      if (dp != 0) v128.store(dp + j, madd(dht, z, v128.load(dp + j)));
    }
    for (; j < Hb; j += 4) {
      const r = load<f32>(g + j), z = load<f32>(g + Hb + j), n = load<f32>(g + 2 * Hb + j);
      const prev: f32 = hp != 0 ? load<f32>(hp + j) : 0;
      const dht = load<f32>(d + j);
      const dn = dht * (1 - z) * (1 - n * n);
      const dz = dht * (prev - n) * (z * (1 - z));
      const dr = dn * load<f32>(q + j) * (r * (1 - r));
      store<f32>(dgi + j, dr); store<f32>(dgi + Hb + j, dz); store<f32>(dgi + 2 * Hb + j, dn);
      store<f32>(dgh + j, dr); store<f32>(dgh + Hb + j, dz); store<f32>(dgh + 2 * Hb + j, dn * r);
      if (dp != 0) store<f32>(dp + j, load<f32>(dp + j) + dht * z);
    }
    dgi += Gb; dgh += Gb; g += Gb; d += Hb; q += Hb;
    if (dp != 0) dp += Hb;
    if (hp != 0) hp += Hb;
  }
}

/**
 * Backward through time. dgi, dgh (T,B,3H) =; dh (T,B,H) holds the gradient from outside on
 * entry and the whole ∂loss/∂h_t on return. For t = T−1 down to 0: the gate gradients of
 * step t from dh_t, then dh_{t−1} += z_t ⊙ dh_t + dgh_t W_hh (W_hh (3H,H) read as is).
 */
export function gruBackward(dgi: usize, dgh: usize, dh: usize, gates: usize, ghn: usize, h: usize, Whh: usize,
  B: i32, T: i32, H: i32, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const G = 3 * H;
  const ldh = <usize>H << 2, ldg = <usize>G << 2;
  const stepH = rowAt(B, H);
  for (let t = T - 1; t >= 0; t--) {
    const hRow = rowAt(t * B, H), gRow = rowAt(t * B, G);
    const dp: usize = t > 0 ? dh + hRow - stepH : 0;
    gruGateGrads(dgi + gRow, dgh + gRow, dp, dh + hRow, gates + gRow, ghn + hRow, t > 0 ? h + hRow - stepH : 0, B, H);
    if (t > 0) stepProduct(dp, ldh, dp, ldh, dgh + gRow, ldg, Whh, ldh, B, H, G, scratch);
  }
}

// ---------------------------------------------------------------------------------------
// LSTM, gates i, f, g, o:
//   i, f, o = σ(·), g = tanh(·) of x W_ih^T + b_ih + b_hh + h_{t−1} W_hh^T
//   c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)

/** One step's gate math for rows [0, B): a (4H per row) holds the pre-activations and gets
 *  i, f, g, o; cp is c_{t−1} (0 for none); c, tc, ho get c_t, tanh(c_t), h_t. Two passes
 *  per row, as gruGates: the four gates' nonlinearities, then the cell. */
function lstmGates(a: usize, cp: usize, c: usize, tc: usize, ho: usize, B: i32, H: i32): void {
  const Hb = <usize>H << 2;
  const Gb = Hb * 4;
  const H4 = <usize>(H & ~3) << 2;
  for (let b = 0; b < B; b++) {
    sigmoidRun(a, a, 0, 2 * H);
    tanhRun(a + 2 * Hb, a + 2 * Hb, H);
    sigmoidRun(a + 3 * Hb, a + 3 * Hb, 0, H);
    let j: usize = 0;
    for (; j < H4; j += 16) {
      const ig = v128.load(a + j), fg = v128.load(a + Hb + j);
      const gg = v128.load(a + 2 * Hb + j), og = v128.load(a + 3 * Hb + j);
      const prev = cp != 0 ? v128.load(cp + j) : f32x4.splat(0);
      const ct = madd(fg, prev, f32x4.mul(ig, gg));
      const tct = tanh4(ct);
      v128.store(c + j, ct);
      v128.store(tc + j, tct);
      v128.store(ho + j, f32x4.mul(og, tct));
    }
    for (; j < Hb; j += 4) {
      const ig = load<f32>(a + j), fg = load<f32>(a + Hb + j);
      const gg = load<f32>(a + 2 * Hb + j), og = load<f32>(a + 3 * Hb + j);
      const prev: f32 = cp != 0 ? load<f32>(cp + j) : 0;
      const ct = fg * prev + ig * gg;
      const tct = tanh1(ct);
      store<f32>(c + j, ct);
      store<f32>(tc + j, tct);
      store<f32>(ho + j, og * tct);
    }
    a += Gb; c += Hb; tc += Hb; ho += Hb;
    if (cp != 0) cp += Hb;
  }
}

/**
 * h, c, tanhC (T,B,H) =; gates (T,B,4H) holds x W_ih^T + b_ih + b_hh on entry and i, f, g, o
 * on return. Per step: gates_t += h_{t−1} W_hh^T for the whole batch, then the gate math.
 */
export function lstmForward(h: usize, c: usize, tanhC: usize, gates: usize, Whh: usize,
  B: i32, T: i32, H: i32, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const G = 4 * H;
  const WT = scratch;                          // (H, 4H) W_hh^T
  const pack = WT + after(<usize>H * <usize>G); // packed 4-row blocks of h_{t−1}
  transpose(WT, Whh, G, H);
  const ldh = <usize>H << 2, ldg = <usize>G << 2;
  const stepH = rowAt(B, H);
  for (let t = 0; t < T; t++) {
    const hRow = rowAt(t * B, H), a = gates + rowAt(t * B, G);
    if (t > 0) stepProduct(a, ldg, a, ldg, h + hRow - stepH, ldh, WT, ldg, B, G, H, pack);
    lstmGates(a, t > 0 ? c + hRow - stepH : 0, c + hRow, tanhC + hRow, h + hRow, B, H);
  }
}

/** One step's gate gradients for rows [0, B): d is dh_t, dc the carried ∂loss/∂c (in: from
 *  step t+1, out: to step t−1), cp c_{t−1} (0 for none). */
function lstmGateGrads(da: usize, dc: usize, d: usize, a: usize, cp: usize, tc: usize, B: i32, H: i32): void {
  const Hb = <usize>H << 2;
  const Gb = Hb * 4;
  const H4 = <usize>(H & ~3) << 2;
  const one = f32x4.splat(1.0);
  for (let b = 0; b < B; b++) {
    let j: usize = 0;
    for (; j < H4; j += 16) {
      const ig = v128.load(a + j), fg = v128.load(a + Hb + j);
      const gg = v128.load(a + 2 * Hb + j), og = v128.load(a + 3 * Hb + j);
      const tct = v128.load(tc + j);
      const dht = v128.load(d + j);
      const prev = cp != 0 ? v128.load(cp + j) : f32x4.splat(0);
      const dct = madd(f32x4.mul(dht, og), f32x4.sub(one, f32x4.mul(tct, tct)), v128.load(dc + j));
      v128.store(da + j, f32x4.mul(f32x4.mul(dct, gg), f32x4.mul(ig, f32x4.sub(one, ig))));
      v128.store(da + Hb + j, f32x4.mul(f32x4.mul(dct, prev), f32x4.mul(fg, f32x4.sub(one, fg))));
      v128.store(da + 2 * Hb + j, f32x4.mul(f32x4.mul(dct, ig), f32x4.sub(one, f32x4.mul(gg, gg))));
      v128.store(da + 3 * Hb + j, f32x4.mul(f32x4.mul(dht, tct), f32x4.mul(og, f32x4.sub(one, og))));
      v128.store(dc + j, f32x4.mul(dct, fg));
    }
    for (; j < Hb; j += 4) {
      const ig = load<f32>(a + j), fg = load<f32>(a + Hb + j);
      const gg = load<f32>(a + 2 * Hb + j), og = load<f32>(a + 3 * Hb + j);
      const tct = load<f32>(tc + j);
      const dht = load<f32>(d + j);
      const prev: f32 = cp != 0 ? load<f32>(cp + j) : 0;
      const dct = load<f32>(dc + j) + dht * og * (1 - tct * tct);
      store<f32>(da + j, dct * gg * (ig * (1 - ig)));
      store<f32>(da + Hb + j, dct * prev * (fg * (1 - fg)));
      store<f32>(da + 2 * Hb + j, dct * ig * (1 - gg * gg));
      store<f32>(da + 3 * Hb + j, dht * tct * (og * (1 - og)));
      store<f32>(dc + j, dct * fg);
    }
    da += Gb; a += Gb; dc += Hb; d += Hb; tc += Hb;
    if (cp != 0) cp += Hb;
  }
}

/**
 * Backward through time. dgates (T,B,4H) = ∂loss/∂(gate pre-activations); dh (T,B,H) holds
 * the gradient from outside on entry and the whole ∂loss/∂h_t on return. For t = T−1 down
 * to 0: dh_t += dgates_{t+1} W_hh (W_hh (4H,H) read as is), then the gate gradients of step
 * t, with ∂loss/∂c carried in scratch.
 */
export function lstmBackward(dgates: usize, dh: usize, gates: usize, c: usize, tanhC: usize, Whh: usize,
  B: i32, T: i32, H: i32, scratch: usize): void {
  if (B <= 0 || T <= 0 || H <= 0) return;
  const G = 4 * H;
  const dc = scratch;                            // (B, H) ∂loss/∂c_t
  const pack = dc + after(<usize>B * <usize>H);  // packed 4-row blocks of dgates_{t+1}
  memory.fill(dc, 0, rowAt(B, H));
  const ldh = <usize>H << 2, ldg = <usize>G << 2;
  const stepH = rowAt(B, H);
  for (let t = T - 1; t >= 0; t--) {
    const hRow = rowAt(t * B, H), gRow = rowAt(t * B, G);
    const d = dh + hRow;
    if (t < T - 1) stepProduct(d, ldh, d, ldh, dgates + gRow + rowAt(B, G), ldg, Whh, ldh, B, H, G, pack);
    lstmGateGrads(dgates + gRow, dc, d, gates + gRow, t > 0 ? c + hRow - stepH : 0, tanhC + hRow, B, H);
  }
}
