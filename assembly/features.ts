// audiopred's feature-extraction kernels in AssemblyScript, compiled to their own WebAssembly
// module (dist/src/kernels/features.wasm) with 128-bit SIMD.
//
// The plain TypeScript references these are tested against: src/audio/mfcc.ts (`plainMfcc`)
// and src/audio/fft.ts. The loader and the JavaScript half of the pipeline (planning, blocking,
// reflect padding, the two passes) is src/audio/mfcc-wasm.ts.
//
// Rules of this file (as assembly/kernels.ts):
// - Every pointer argument is a byte offset into the imported linear memory (not shared: each
//   thread that extracts features has its own instance and memory). Sizes are element counts.
// - No AssemblyScript objects, arrays or strings, so no allocator or GC (`--runtime stub`).
//   Static data (constant tables) starts at byte 64 (`memoryBase`) and must end below 1024,
//   where the callers' layouts begin (HEAP_START in src/audio/wasm.ts).
// - Nothing is remembered between calls; the plan and all scratch space live in memory the
//   caller laid out.
//
// MFCC pass 1, `melPower`: four frames at a time, one per f32x4 lane, so the FFT needs no
// shuffles. The first FFT stage reads the frames straight from the samples and applies the
// window on the way in; the FFT is a Stockham radix-4/2/3/5 transform of length h = n_fft/2 on
// the even/odd-packed frame (z[j] = x[2j] + i·x[2j+1]); one post-twiddle pass turns it into the
// power spectrum of the real frame; the sparse triangular filters give the mel powers.
// Precision: float32, as torchaudio computes. The FFT's rounding is ~1e-7 of a frame's energy,
// which moves a mel band 70–80 dB below its frame's peak by up to ~1e-3 dB and the MFCCs by up
// to a few 1e-4 (measured against the float64 plain path: 5.9e-4 at most over the tests; against
// torchaudio's fixtures 6.6e-4, where the float64 path has 5.7e-4; budget 2e-3). A float64x2
// version of this pass (two frames per vector) matched the plain path to 3e-5 but took 1.9×
// as long.
// `powerToDb` then turns a block of mel powers into dB in place (the logarithm is Cephes' logf,
// within 2 ulp) and returns their maximum. Pass 2, `dbToMfcc`, clamps to the global floor,
// averages over channels and applies the DCT, in float64.

// ---------------------------------------------------------------------------------------
// The plan: a table of i32 fields at `plan`, written by src/audio/mfcc-wasm.ts (keep the two
// in step). Byte offsets of the fields:
const P_H: usize = 0; //            h = n_fft / 2, the complex FFT length
const P_STAGES: usize = 4; //       number of FFT stages
const P_STAGE_TABLE: usize = 8; //  -> i32 (stages, 4): radix p, sub-length m, stride s, twiddles ptr
const P_WINDOW: usize = 12; //      -> f32 (n_fft): the analysis window
const P_POST: usize = 16; //        -> f32 (h + 1, 2): (cos, −sin)(2πk/n_fft)
const P_MELS: usize = 20; //        number of mel filters M
const P_MEL_START: usize = 24; //   -> i32 (M): first bin of each filter
const P_MEL_LENGTH: usize = 28; //  -> i32 (M): bins in each filter
const P_MEL_WEIGHTS: usize = 32; // -> f32 (Σ length): the filters' weights, times 1/4 (see below)
const P_WORK: usize = 36; //        -> 4 buffers of h f32x4 each: FFT ping-pong, re and im
const P_POWER: usize = 40; //       -> f32x4 (h + 1): the power spectra of the four frames

// The FFT buffers hold complex values as separate real and imaginary arrays; each element is a
// v128 of four float32 lanes, one per frame.

// @ts-ignore: decorator
@inline function ld(p: usize): v128 { return v128.load(p); }
// @ts-ignore: decorator
@inline function st(p: usize, v: v128): void { v128.store(p, v); }
// @ts-ignore: decorator
@inline function add(a: v128, b: v128): v128 { return f32x4.add(a, b); }
// @ts-ignore: decorator
@inline function sub(a: v128, b: v128): v128 { return f32x4.sub(a, b); }
// @ts-ignore: decorator
@inline function mul(a: v128, b: v128): v128 { return f32x4.mul(a, b); }
// @ts-ignore: decorator
@inline function splat(x: f32): v128 { return f32x4.splat(x); }
/** All four lanes from one float32 in memory. */
// @ts-ignore: decorator
@inline function ldSplat(p: usize): v128 { return v128.load32_splat(p); }

/** y = b·w for complex b = (br, bi) and twiddle w at `tw` (re, im), written to (yr, yi) + dst. */
// @ts-ignore: decorator
@inline function twiddleStore(yr: usize, yi: usize, dst: usize, br: v128, bi: v128, tw: usize): void {
  const wr = ldSplat(tw);
  const wi = ldSplat(tw + 4);
  st(yr + dst, sub(mul(br, wr), mul(bi, wi)));
  st(yi + dst, add(mul(br, wi), mul(bi, wr)));
}

/** twiddleStore, or a plain store where the twiddle is 1 (`twiddled` is a constant after inlining). */
// @ts-ignore: decorator
@inline function out(yr: usize, yi: usize, dst: usize, br: v128, bi: v128, tw: usize, twiddled: bool): void {
  if (twiddled) {
    twiddleStore(yr, yi, dst, br, bi, tw);
  } else {
    st(yr + dst, br);
    st(yi + dst, bi);
  }
}

// ---------------------------------------------------------------------------------------
// Stockham stages, as in src/audio/fft.ts: for q in [0, m) and k in [0, s), the p inputs
// a_j = x[k + s·(q + j·m)] become y[k + s·(p·q + r)] = (Σ_j a_j·ω_p^{j·r}) · e^{−2πi·r·q/(p·m)}.
// Twiddles: (m, p − 1) complex float32, entry (q, r − 1) = e^{−2πi·r·q/(p·m)}. In the last
// stage m = 1 and every twiddle is 1, so each stage has a second loop without them.
// Each butterfly is an inline function of the stage's strides, so the two loops share it.

// @ts-ignore: decorator
@inline function bfly2(xr: usize, xi: usize, yr: usize, yi: usize, src: usize, dst: usize, S: usize, SM: usize,
  w: usize, twiddled: bool): void {
  const a0r = ld(xr + src), a0i = ld(xi + src);
  const a1r = ld(xr + src + SM), a1i = ld(xi + src + SM);
  st(yr + dst, add(a0r, a1r));
  st(yi + dst, add(a0i, a1i));
  out(yr, yi, dst + S, sub(a0r, a1r), sub(a0i, a1i), w, twiddled);
}

function stage2(m: i32, s: i32, tw: usize, xr: usize, xi: usize, yr: usize, yi: usize): void {
  const S = <usize>s << 4;
  const SM = <usize>(s * m) << 4;
  if (m == 1) {
    for (let k: usize = 0; k < S; k += 16) bfly2(xr, xi, yr, yi, k, k, S, SM, 0, false);
    return;
  }
  for (let q = 0; q < m; q++) {
    const w = tw + (<usize>q << 3);
    const src = <usize>(s * q) << 4;
    const dst = <usize>(2 * s * q) << 4;
    for (let k: usize = 0; k < S; k += 16) bfly2(xr, xi, yr, yi, src + k, dst + k, S, SM, w, true);
  }
}

const SIN_60: f32 = 0.8660254037844386; // √3/2

// @ts-ignore: decorator
@inline function bfly3(xr: usize, xi: usize, yr: usize, yi: usize, src: usize, dst: usize, S: usize, SM: usize,
  w: usize, twiddled: bool): void {
  const a0r = ld(xr + src), a0i = ld(xi + src);
  const a1r = ld(xr + src + SM), a1i = ld(xi + src + SM);
  const a2r = ld(xr + src + 2 * SM), a2i = ld(xi + src + 2 * SM);
  const sr = add(a1r, a2r), si = add(a1i, a2i);
  const mr = sub(a0r, mul(splat(0.5), sr)), mi = sub(a0i, mul(splat(0.5), si));
  // ω_3 = −1/2 − i·√3/2: b1 = m − i·(√3/2)(a1 − a2), b2 = m + i·(√3/2)(a1 − a2)
  const dr = mul(splat(SIN_60), sub(a1r, a2r)), di = mul(splat(SIN_60), sub(a1i, a2i));
  st(yr + dst, add(a0r, sr));
  st(yi + dst, add(a0i, si));
  out(yr, yi, dst + S, add(mr, di), sub(mi, dr), w, twiddled);
  out(yr, yi, dst + 2 * S, sub(mr, di), add(mi, dr), w + 8, twiddled);
}

function stage3(m: i32, s: i32, tw: usize, xr: usize, xi: usize, yr: usize, yi: usize): void {
  const S = <usize>s << 4;
  const SM = <usize>(s * m) << 4;
  if (m == 1) {
    for (let k: usize = 0; k < S; k += 16) bfly3(xr, xi, yr, yi, k, k, S, SM, 0, false);
    return;
  }
  for (let q = 0; q < m; q++) {
    const w = tw + (<usize>(2 * q) << 3);
    const src = <usize>(s * q) << 4;
    const dst = <usize>(3 * s * q) << 4;
    for (let k: usize = 0; k < S; k += 16) bfly3(xr, xi, yr, yi, src + k, dst + k, S, SM, w, true);
  }
}

/** The radix-4 butterfly on inputs a0..a3, outputs at y + dst + r·S. */
// @ts-ignore: decorator
@inline function bfly4on(a0r: v128, a0i: v128, a1r: v128, a1i: v128, a2r: v128, a2i: v128, a3r: v128, a3i: v128,
  yr: usize, yi: usize, dst: usize, S: usize, w: usize, twiddled: bool): void {
  const s02r = add(a0r, a2r), s02i = add(a0i, a2i), d02r = sub(a0r, a2r), d02i = sub(a0i, a2i);
  const s13r = add(a1r, a3r), s13i = add(a1i, a3i), d13r = sub(a1r, a3r), d13i = sub(a1i, a3i);
  // ω_4 = −i: b1 = d02 − i·d13, b3 = d02 + i·d13
  st(yr + dst, add(s02r, s13r));
  st(yi + dst, add(s02i, s13i));
  out(yr, yi, dst + S, add(d02r, d13i), sub(d02i, d13r), w, twiddled);
  out(yr, yi, dst + 2 * S, sub(s02r, s13r), sub(s02i, s13i), w + 8, twiddled);
  out(yr, yi, dst + 3 * S, sub(d02r, d13i), add(d02i, d13r), w + 16, twiddled);
}

// @ts-ignore: decorator
@inline function bfly4(xr: usize, xi: usize, yr: usize, yi: usize, src: usize, dst: usize, S: usize, SM: usize,
  w: usize, twiddled: bool): void {
  bfly4on(
    ld(xr + src), ld(xi + src), ld(xr + src + SM), ld(xi + src + SM),
    ld(xr + src + 2 * SM), ld(xi + src + 2 * SM), ld(xr + src + 3 * SM), ld(xi + src + 3 * SM),
    yr, yi, dst, S, w, twiddled,
  );
}

function stage4(m: i32, s: i32, tw: usize, xr: usize, xi: usize, yr: usize, yi: usize): void {
  const S = <usize>s << 4;
  const SM = <usize>(s * m) << 4;
  if (m == 1) {
    for (let k: usize = 0; k < S; k += 16) bfly4(xr, xi, yr, yi, k, k, S, SM, 0, false);
    return;
  }
  for (let q = 0; q < m; q++) {
    const w = tw + (<usize>(3 * q) << 3);
    const src = <usize>(s * q) << 4;
    const dst = <usize>(4 * s * q) << 4;
    for (let k: usize = 0; k < S; k += 16) bfly4(xr, xi, yr, yi, src + k, dst + k, S, SM, w, true);
  }
}

/**
 * Complex sample j of the windowed, even/odd-packed frames at x0..x3, z[j] = w[2j]·x[2j] +
 * i·w[2j+1]·x[2j+1]: the real parts, one frame per lane. (framedIm: the imaginary parts; once
 * inlined side by side, the two share their loads and shuffles.)
 */
// @ts-ignore: decorator
@inline function framedRe(x0: usize, x1: usize, x2: usize, x3: usize, window: usize, j: usize): v128 {
  const a = f32x4.shuffle(v128.load64_zero(x0 + (j << 3)), v128.load64_zero(x1 + (j << 3)), 0, 4, 1, 5);
  const b = f32x4.shuffle(v128.load64_zero(x2 + (j << 3)), v128.load64_zero(x3 + (j << 3)), 0, 4, 1, 5);
  return mul(f32x4.shuffle(a, b, 0, 1, 4, 5), ldSplat(window + (j << 3)));
}

// @ts-ignore: decorator
@inline function framedIm(x0: usize, x1: usize, x2: usize, x3: usize, window: usize, j: usize): v128 {
  const a = f32x4.shuffle(v128.load64_zero(x0 + (j << 3)), v128.load64_zero(x1 + (j << 3)), 0, 4, 1, 5);
  const b = f32x4.shuffle(v128.load64_zero(x2 + (j << 3)), v128.load64_zero(x3 + (j << 3)), 0, 4, 1, 5);
  return mul(f32x4.shuffle(a, b, 2, 3, 6, 7), ldSplat(window + (j << 3) + 4));
}

/**
 * The first stage when it is radix 4 (s = 1), reading the frames straight from the samples, so
 * the packed frames are never stored.
 */
function stage4Framed(m: i32, tw: usize, x0: usize, x1: usize, x2: usize, x3: usize, window: usize, yr: usize, yi: usize): void {
  const M = <usize>m;
  for (let q: usize = 0; q < M; q++) {
    const w = tw + ((3 * q) << 3);
    bfly4on(
      framedRe(x0, x1, x2, x3, window, q), framedIm(x0, x1, x2, x3, window, q),
      framedRe(x0, x1, x2, x3, window, q + M), framedIm(x0, x1, x2, x3, window, q + M),
      framedRe(x0, x1, x2, x3, window, q + 2 * M), framedIm(x0, x1, x2, x3, window, q + 2 * M),
      framedRe(x0, x1, x2, x3, window, q + 3 * M), framedIm(x0, x1, x2, x3, window, q + 3 * M),
      yr, yi, q << 6, 16, w, m > 1,
    );
  }
}

const COS_72: f32 = 0.30901699437494745;
const SIN_72: f32 = 0.9510565162951535;
const COS_144: f32 = -0.8090169943749473;
const SIN_144: f32 = 0.5877852522924732;

// @ts-ignore: decorator
@inline function bfly5(xr: usize, xi: usize, yr: usize, yi: usize, src: usize, dst: usize, S: usize, SM: usize,
  w: usize, twiddled: bool): void {
  const c72 = splat(COS_72), s72 = splat(SIN_72), c144 = splat(COS_144), s144 = splat(SIN_144);
  const a0r = ld(xr + src), a0i = ld(xi + src);
  const a1r = ld(xr + src + SM), a1i = ld(xi + src + SM);
  const a2r = ld(xr + src + 2 * SM), a2i = ld(xi + src + 2 * SM);
  const a3r = ld(xr + src + 3 * SM), a3i = ld(xi + src + 3 * SM);
  const a4r = ld(xr + src + 4 * SM), a4i = ld(xi + src + 4 * SM);
  const t1r = add(a1r, a4r), t1i = add(a1i, a4i), t3r = sub(a1r, a4r), t3i = sub(a1i, a4i);
  const t2r = add(a2r, a3r), t2i = add(a2i, a3i), t4r = sub(a2r, a3r), t4i = sub(a2i, a3i);
  const m1r = add(a0r, add(mul(c72, t1r), mul(c144, t2r))), m1i = add(a0i, add(mul(c72, t1i), mul(c144, t2i)));
  const m2r = add(a0r, add(mul(c144, t1r), mul(c72, t2r))), m2i = add(a0i, add(mul(c144, t1i), mul(c72, t2i)));
  const n1r = add(mul(s72, t3r), mul(s144, t4r)), n1i = add(mul(s72, t3i), mul(s144, t4i));
  const n2r = sub(mul(s144, t3r), mul(s72, t4r)), n2i = sub(mul(s144, t3i), mul(s72, t4i));
  // b1 = m1 − i·n1, b4 = m1 + i·n1, b2 = m2 − i·n2, b3 = m2 + i·n2
  st(yr + dst, add(a0r, add(t1r, t2r)));
  st(yi + dst, add(a0i, add(t1i, t2i)));
  out(yr, yi, dst + S, add(m1r, n1i), sub(m1i, n1r), w, twiddled);
  out(yr, yi, dst + 2 * S, add(m2r, n2i), sub(m2i, n2r), w + 8, twiddled);
  out(yr, yi, dst + 3 * S, sub(m2r, n2i), add(m2i, n2r), w + 16, twiddled);
  out(yr, yi, dst + 4 * S, sub(m1r, n1i), add(m1i, n1r), w + 24, twiddled);
}

function stage5(m: i32, s: i32, tw: usize, xr: usize, xi: usize, yr: usize, yi: usize): void {
  const S = <usize>s << 4;
  const SM = <usize>(s * m) << 4;
  if (m == 1) {
    for (let k: usize = 0; k < S; k += 16) bfly5(xr, xi, yr, yi, k, k, S, SM, 0, false);
    return;
  }
  for (let q = 0; q < m; q++) {
    const w = tw + (<usize>(4 * q) << 3);
    const src = <usize>(s * q) << 4;
    const dst = <usize>(5 * s * q) << 4;
    for (let k: usize = 0; k < S; k += 16) bfly5(xr, xi, yr, yi, src + k, dst + k, S, SM, w, true);
  }
}

// ---------------------------------------------------------------------------------------
// MFCC pass 1

/**
 * Mel powers of `frames` frames of one channel. Frame t is the n_fft float32 samples at
 * x + 4·t·hop (the caller has laid out the reflect padding). Row t of the output, at
 * outRows + 4·t·outStride, receives the M mel powers as float32; the rest of the row is untouched.
 */
export function melPower(plan: usize, x: usize, frames: i32, hop: i32, outRows: usize, outStride: i32): void {
  const h = load<i32>(plan + P_H);
  const window = load<usize>(plan + P_WINDOW);
  const work = load<usize>(plan + P_WORK);
  const H = <usize>h << 4; // bytes in one buffer
  const zr = work, zi = work + H;
  const table = load<usize>(plan + P_STAGE_TABLE);
  const fusedFirst = load<i32>(table) == 4; // the first stage can read the frames itself
  for (let t = 0; t < frames; t += 4) {
    // Lanes take frames t..t+3; past the last frame they repeat it.
    const last = frames - 1;
    const x0 = x + (<usize>(t * hop) << 2);
    const x1 = x + (<usize>(min(t + 1, last) * hop) << 2);
    const x2 = x + (<usize>(min(t + 2, last) * hop) << 2);
    const x3 = x + (<usize>(min(t + 3, last) * hop) << 2);
    let first = 0;
    if (fusedFirst) {
      stage4Framed(load<i32>(table, 4), load<usize>(table, 12), x0, x1, x2, x3, window, zr, zi);
      first = 1;
    } else {
      for (let j: usize = 0; j < <usize>h; j++) {
        st(zr + (j << 4), framedRe(x0, x1, x2, x3, window, j));
        st(zi + (j << 4), framedIm(x0, x1, x2, x3, window, j));
      }
    }
    const z = fft(plan, work, H, first);
    const rowBytes = <usize>outStride << 2;
    powerAndMel(plan, z, z + H, outRows + <usize>t * rowBytes, rowBytes, min(4, frames - t));
  }
}

/** Runs FFT stages `first`.. on (zr, zi) = work; returns where the result is (work or work + 2H). */
function fft(plan: usize, work: usize, H: usize, first: i32): usize {
  const stages = load<i32>(plan + P_STAGES);
  const table = load<usize>(plan + P_STAGE_TABLE);
  let x = work, y = work + 2 * H;
  for (let i = first; i < stages; i++) {
    const e = table + (<usize>i << 4);
    const p = load<i32>(e), m = load<i32>(e, 4), s = load<i32>(e, 8);
    const tw = load<usize>(e, 12);
    if (p == 4) stage4(m, s, tw, x, x + H, y, y + H);
    else if (p == 2) stage2(m, s, tw, x, x + H, y, y + H);
    else if (p == 5) stage5(m, s, tw, x, x + H, y, y + H);
    else stage3(m, s, tw, x, x + H, y, y + H);
    const swap = x; x = y; y = swap;
  }
  return x;
}

/**
 * From Z = FFT_h(z) to the power spectrum of the real frame, then the mel filters.
 *   E[k] = (Z[k] + conj Z[h−k]) / 2,  O[k] = (Z[k] − conj Z[h−k]) / (2i),  X[k] = E[k] + e^{−2πik/n}·O[k]
 * computed as 2X (the 1/2s dropped), so the power is |2X|²/4; the 1/4 is folded into the mel
 * weights by the planner (an exact power-of-two scaling).
 */
// @ts-ignore: decorator
@inline function powerAndMel(plan: usize, zr: usize, zi: usize, out: usize, rowBytes: usize, lanes: i32): void {
  const h = load<i32>(plan + P_H);
  const post = load<usize>(plan + P_POST);
  const power = load<usize>(plan + P_POWER);
  for (let k = 0; k <= h; k++) {
    const a = <usize>(k == h ? 0 : k) << 4; // Z[h] = Z[0]
    const b = <usize>(k == 0 ? 0 : h - k) << 4;
    const ar = ld(zr + a), ai = ld(zi + a);
    const br = ld(zr + b), bi = ld(zi + b);
    const er = add(ar, br), ei = sub(ai, bi); // 2E
    const or = add(ai, bi), oi = sub(br, ar); // 2O
    const w = post + (<usize>k << 3);
    const wr = ldSplat(w), wi = ldSplat(w + 4);
    const xr = add(er, sub(mul(wr, or), mul(wi, oi)));
    const xi = add(ei, add(mul(wr, oi), mul(wi, or)));
    st(power + (<usize>k << 4), add(mul(xr, xr), mul(xi, xi)));
  }

  const M = load<i32>(plan + P_MELS);
  const starts = load<usize>(plan + P_MEL_START);
  const lengths = load<usize>(plan + P_MEL_LENGTH);
  let weights = load<usize>(plan + P_MEL_WEIGHTS);
  for (let m = 0; m < M; m++) {
    const o = <usize>m << 2;
    let bin = power + (<usize>load<i32>(starts + o) << 4);
    const n = load<i32>(lengths + o);
    let acc = splat(0);
    for (let i = 0; i < n; i++) {
      acc = add(acc, mul(ld(bin), ldSplat(weights)));
      bin += 16;
      weights += 4;
    }
    store<f32>(out + o, f32x4.extract_lane(acc, 0));
    if (lanes > 1) store<f32>(out + rowBytes + o, f32x4.extract_lane(acc, 1));
    if (lanes > 2) store<f32>(out + 2 * rowBytes + o, f32x4.extract_lane(acc, 2));
    if (lanes > 3) store<f32>(out + 3 * rowBytes + o, f32x4.extract_lane(acc, 3));
  }
}

// Cephes logf: ln(1 + f) = f − f²/2 + f³·P(f) for 1 + f in [√½, √2).
const L1: f32 = 7.0376836292e-2;
const L2: f32 = -1.1514610310e-1;
const L3: f32 = 1.1676998740e-1;
const L4: f32 = -1.2420140846e-1;
const L5: f32 = 1.4249322787e-1;
const L6: f32 = -1.6668057665e-1;
const L7: f32 = 2.0000714765e-1;
const L8: f32 = -2.4999993993e-1;
const L9: f32 = 3.3333331174e-1;
const LN2_HI: f32 = 0.693359375; // few bits, so e·LN2_HI is exact
const LN2_LO: f32 = -2.12194440e-4;
const DB_PER_LN: f32 = 4.342944819032518; // 10 / ln 10
// The constants as a table in memory (a data segment at memoryBase 64, below the callers'
// layouts at 1024): V8 builds a v128.const anew at every use, several instructions each, and
// does not hoist them out of the loop; splats loaded once before it made powerToDb 1.5× faster.
const LOG_CONSTANTS = memory.data<f32>([
  Infinity, reinterpret<f32>(0x3f3504f3), 1.0, 0.5, L1, L2, L3, L4, L5, L6, L7, L8, L9, LN2_LO, LN2_HI, DB_PER_LN,
], 16);

/**
 * In place over n float32 (n a multiple of 4): v → 10·log10(max(v, amin)); returns the largest
 * result. amin must be a normal float32 (≥ 2^−126), which keeps every input to the logarithm
 * normal. Returns NaN instead if any v is NaN or +Inf (a float32 overflow the caller handles).
 */
export function powerToDb(p: usize, n: i32, amin: f32): f32 {
  const floor = f32x4.splat(amin);
  let top = f32x4.splat(-Infinity);
  let bad = i32x4.splat(0);
  const k = LOG_CONSTANTS;
  const inf = ldSplat(k), bias = ldSplat(k + 4), one = ldSplat(k + 8), half = ldSplat(k + 12);
  const l1 = ldSplat(k + 16), l2 = ldSplat(k + 20), l3 = ldSplat(k + 24), l4 = ldSplat(k + 28), l5 = ldSplat(k + 32);
  const l6 = ldSplat(k + 36), l7 = ldSplat(k + 40), l8 = ldSplat(k + 44), l9 = ldSplat(k + 48);
  const ln2lo = ldSplat(k + 52), ln2hi = ldSplat(k + 56), dbPerLn = ldSplat(k + 60);
  for (let i = 0; i < n; i += 4) {
    const v = ld(p);
    bad = v128.or(bad, v128.or(f32x4.ne(v, v), f32x4.eq(v, inf)));
    const x = f32x4.pmax(v, floor);
    // x = 2^e · r with r in [√½, √2)
    const e = i32x4.shr_s(i32x4.sub(x, bias), 23);
    const f = f32x4.sub(i32x4.sub(x, i32x4.shl(e, 23)), one);
    const fe = f32x4.convert_i32x4_s(e);
    const z = f32x4.mul(f, f);
    let y = l1;
    y = f32x4.add(f32x4.mul(y, f), l2);
    y = f32x4.add(f32x4.mul(y, f), l3);
    y = f32x4.add(f32x4.mul(y, f), l4);
    y = f32x4.add(f32x4.mul(y, f), l5);
    y = f32x4.add(f32x4.mul(y, f), l6);
    y = f32x4.add(f32x4.mul(y, f), l7);
    y = f32x4.add(f32x4.mul(y, f), l8);
    y = f32x4.add(f32x4.mul(y, f), l9);
    y = f32x4.mul(f32x4.mul(y, f), z);
    y = f32x4.add(y, f32x4.mul(fe, ln2lo));
    y = f32x4.sub(y, f32x4.mul(z, half));
    const ln = f32x4.add(f32x4.add(f, y), f32x4.mul(fe, ln2hi));
    const db = f32x4.mul(ln, dbPerLn);
    st(p, db);
    top = f32x4.pmax(top, db);
    p += 16;
  }
  if (v128.any_true(bad)) return NaN;
  const t2 = f32x4.pmax(top, f32x4.shuffle(top, top, 2, 3, 0, 1));
  return max<f32>(f32x4.extract_lane(t2, 0), f32x4.extract_lane(t2, 1));
}

/** 1 if all n float32 at p are finite, else 0. */
export function allFinite(p: usize, n: i32): i32 {
  const inf = f32x4.splat(Infinity);
  let bad = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    // |v| < Inf is false for ±Inf and NaN alike.
    bad = v128.or(bad, v128.not(f32x4.lt(f32x4.abs(ld(p)), inf)));
    p += 16;
  }
  for (; i < n; i++) {
    const v = load<f32>(p);
    if (!(abs<f32>(v) < Infinity)) return 0;
    p += 4;
  }
  return v128.any_true(bad) ? 0 : 1;
}

// ---------------------------------------------------------------------------------------
// MFCC pass 2

/**
 * For each of `frames` frames: clamp every channel's mel dB to at least `floor`, average over
 * the C channels, apply the DCT, store K float32 at out + 4·t·K.
 * db: C blocks of (frames, Mp) float32, block c at db + c·channelStride bytes; Mp is even.
 * dct: (K, Mp) float64, zero in the columns past M. mean: scratch of Mp float64.
 */
export function dbToMfcc(db: usize, C: i32, channelStride: usize, frames: i32, Mp: i32, floor: f64,
  dct: usize, K: i32, mean: usize, out: usize): void {
  const lo = f64x2.splat(floor);
  const count = f64x2.splat(<f64>C);
  const rowBytes = <usize>Mp << 2;
  for (let t = 0; t < frames; t++) {
    const row = db + <usize>t * rowBytes;
    for (let m = 0; m < Mp; m += 2) {
      let acc = f64x2.splat(0);
      let p = row + (<usize>m << 2);
      for (let c = 0; c < C; c++) {
        acc = f64x2.add(acc, f64x2.pmax(f64x2.promote_low_f32x4(v128.load64_zero(p)), lo));
        p += channelStride;
      }
      st(mean + (<usize>m << 3), f64x2.div(acc, count));
    }
    let d = dct;
    for (let k = 0; k < K; k++) {
      let acc = f64x2.splat(0);
      for (let m = 0; m < Mp; m += 2) {
        acc = f64x2.add(acc, f64x2.mul(ld(d), ld(mean + (<usize>m << 3))));
        d += 16;
      }
      const sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
      store<f32>(out + (<usize>(t * K + k) << 2), <f32>sum);
    }
  }
}

/** Where this module's static data ends; the loader checks it is below the callers' layouts. */
export function staticEnd(): usize {
  return __heap_base;
}
