// The register-blocked matrix-product machinery every training kernel is built from: panels
// of 4x8 register blocks with a choice of start (zeros or a P matrix) and end (store, tanh,
// tanh's backward), the packed-A variant, the chunked gemm, and transpose. How it works: see
// the head of assembly/kernels.ts.

import { madd } from './simd';
import { tanh4, tanh1 } from './math';


// ---------------------------------------------------------------------------------------
// How a panel starts and ends.

/** Accumulators start at zero. */
export const INIT_ZERO: i32 = 0;
/** Accumulators start from P (which may be C itself: that is "accumulate into C"). */
export const INIT_LOAD: i32 = 1;

/** Store the sums. */
export const EPI_STORE: i32 = 0;
/** Store tanh(sums). */
export const EPI_TANH: i32 = 1;
/** Store sums * (1 - e*e), where e is read from E (the tanh output h): tanh's backward. */
export const EPI_DTANH: i32 = 2;

/** Rows of k that one panel call covers in the plain matrix products (keeps the A and B
 *  slices in L2 for long K, and adds partial sums of at most KC terms into C). Exported so
 *  the loader can size scratch space from it. */
export const KC: i32 = 256;

// ---------------------------------------------------------------------------------------
// The epilogue of a block: what happens to the sums before they are stored.

// @ts-ignore: decorator
@inline export function finish4(epi: i32, c: usize, e: usize, v: v128): void {
  if (epi == EPI_TANH) {
    v = tanh4(v);
  } else if (epi == EPI_DTANH) {
    const h = v128.load(e);
    v = f32x4.mul(v, f32x4.sub(f32x4.splat(1.0), f32x4.mul(h, h)));
  }
  v128.store(c, v);
}

// @ts-ignore: decorator
@inline export function finish1(epi: i32, c: usize, e: usize, v: f32): void {
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
@inline export function block4x8(init: i32, epi: i32, c: usize, ldc: usize, p: usize, ldp: usize,
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
@inline export function block4x4(init: i32, epi: i32, c: usize, ldc: usize, p: usize, ldp: usize,
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
@inline export function block4x1(init: i32, epi: i32, c: usize, ldc: usize, p: usize, ldp: usize,
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
@inline export function block1x8(init: i32, epi: i32, c: usize, p: usize,
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
@inline export function block1x4(init: i32, epi: i32, c: usize, p: usize,
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
@inline export function block1x1(init: i32, epi: i32, c: usize, p: usize,
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
export function panel(init: i32, epi: i32, C: usize, ldc: usize, P: usize, ldp: usize,
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
@inline export function packA4(dst: usize, a: usize, ars: usize, aks: usize, K: i32): void {
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
@inline export function block4x8p(init: i32, epi: i32, c: usize, ldc: usize, p: usize, ldp: usize,
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
@inline export function block4x4p(init: i32, epi: i32, c: usize, ldc: usize, p: usize, ldp: usize,
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
export function panelPacked(init: i32, epi: i32, C: usize, ldc: usize, P: usize, ldp: usize,
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
export function gemm(C: usize, A: usize, ars: usize, aks: usize, B: usize,
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
export function transpose(dst: usize, src: usize, rows: i32, cols: i32): void {
  const ldd = <usize>rows << 2;
  for (let r = 0; r < rows; r++) {
    const s = src + ((<usize>r * <usize>cols) << 2);
    const d = dst + (<usize>r << 2);
    for (let c = 0; c < cols; c++) {
      store<f32>(d + <usize>c * ldd, load<f32>(s + (<usize>c << 2)));
    }
  }
}

/** Byte offset past a (count)-float region, rounded up to 64 bytes. */
// @ts-ignore: decorator
@inline export function after(count: usize): usize {
  return ((count << 2) + 63) & ~(<usize>63);
}
