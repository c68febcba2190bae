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
// The matrix products all go through one register-blocked loop (assembly/panel.ts): a 4x8
// block of C is held in eight f32x4 accumulators while k runs; each k costs two vector loads
// of B, four loads of A and eight multiply-adds (`madd`: fused in the relaxed-SIMD build, see
// simd.ts). Where a 4-row block of A is reused across many columns, it is first packed into
// scratch as ready-made splats (`panelPacked`), which leaves the inner loop one pointer for A
// and one for B; otherwise A is broadcast straight from its rows (`panel`). Tails (sizes not
// multiples of 4 or 8) use 4x4, 4x1, 1x8, 1x4 and 1x1 blocks. The fused RNN kernels run the
// same loops with a different start (load `pre` or `dh` instead of zeros) and end (tanh, or
// times 1 - h^2). Elementwise math (tanh, exp) is in assembly/math.ts.
//
// This file is the module's entry: the general kernels are here, and each family of
// unit-specific kernels has its own file, exported whole below.

import { expNeg4, expNeg1, tanh1, tanh4 } from './math';
import {
  EPI_DTANH, EPI_TANH, INIT_LOAD, KC, after, gemm, panel, panelPacked, transpose,
} from './panel';

export { KC };
export * from './gates';       // GRU and LSTM recurrences
export * from './transformer'; // attention, layer norm, GELU
export * from './online';      // the online units' per-step loops

// ---------------------------------------------------------------------------------------
// Exports. Shapes and semantics: see src/kernels/backend.ts.

// Scratch: every kernel that needs it takes a 64-byte aligned `scratch` pointer; the sizes
// (in floats) are computed by the loader, src/kernels/wasm.ts, from these rules:
//   matmulAB, matmulAtB:  16*KC                      (packed A)
//   matmulABt:            roundUp(N*K, 16) + 16*KC   (B^T, then packed A)
//   rnnTanhForward:       roundUp(H*H, 16) + 16*H    (Whh^T, then packed h_{t-1})
//   rnnTanhBackward:      16*H                       (packed dpre_{t+1})


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
