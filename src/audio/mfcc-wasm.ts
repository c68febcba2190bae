/**
 * The MFCC of src/audio/mfcc.ts on the wasm SIMD kernels (assembly/features.ts): the same two
 * passes, about 12× faster than the TypeScript path. FFT, power and mel sums run in float32 (four
 * frames per f32x4 vector), as torchaudio computes them; the DCT in float64. The MFCCs stay
 * within 6e-4 of the float64 path over the tests (see assembly/features.ts for the numbers).
 *
 * Pass 1, per channel, in blocks of `blockFrames` frames: the samples the block's frames cover
 * are copied into wasm memory (the reflect padding is written there for the first and last
 * block only), `allFinite` checks them, `melPower` computes the mel powers four frames at a
 * time and `powerToDb` turns them into dB and gives the block's maximum. The dB values stay in
 * wasm memory, (C, T, Mp), when they fit in `residentDbBytes`; otherwise each block is copied out
 * to a per-channel (T, Mp) float32 array, as in the plain path.
 * Pass 2: `dbToMfcc` clamps, averages over channels and applies the DCT, over all frames at once
 * (resident) or block by block with the channels' rows copied back in.
 *
 * Mp is n_mels rounded up to even (the DCT kernel reads mel values in pairs); the extra
 * column's DCT weights are zero.
 *
 * `wasmMfcc` returns undefined, and the caller runs the plain path, when the kernels cannot run
 * here or the options are outside what they do: n_fft odd or with n_fft/2 having a prime factor
 * above 5, amin below the smallest normal float32, or mel powers that overflow float32
 * (samples above ~1e17; float WAV only).
 *
 * `wasmMfcc` takes arrays held whole, on this thread's shared kernel instance. The streaming MFCC
 * (mfcc-stream.ts) runs the same kernels block by block through `createWasmMelDbKernel`, on an
 * instance of its own; `layOutPlan` and `writePlan` set up the plan for both.
 */
import { UsageError } from '../errors.js';
import type { MelDbKernel, MfccOptions, MfccSetup } from './mfcc-types.js';
import { wasmSupport } from '../kernels/index.js';
import { createFeatureKernels, featureKernels, layout, type FeatureKernels } from './wasm.js';

/** Sizes of the blocking; tests shrink them to reach every path with short signals. */
export const MFCC_WASM_LIMITS = {
  /** Frames per block: ~0.5 MB of float32 input at hop 160, so a block stays in L2. */
  blockFrames: 768,
  /** Up to this many bytes of mel dB values stay in wasm memory between the passes (16 MB: about
   *  3 minutes of stereo at hop 160 and 44.1 kHz). Wasm memory never shrinks, so this is also
   *  what a process keeps after its longest such call. */
  residentDbBytes: 16 << 20,
};
/** The smallest normal float32, 2^−126. */
const FLT_MIN = 1.1754943508222875e-38;


/** Why the wasm path would not run for these options (undefined: it would). */
export function wasmMfccUnsupported(o: MfccOptions): string | undefined {
  const support = wasmSupport();
  if (!support.ok) return `the wasm kernels cannot run here (${support.reason})`;
  if (o.nFft % 2 !== 0 || o.nFft < 4) return `n_fft ${o.nFft} is odd or below 4`;
  if (fftRadices(o.nFft / 2) === undefined) return `n_fft/2 = ${o.nFft / 2} has a prime factor above 5`;
  if (!(o.amin >= FLT_MIN)) return `amin ${o.amin} is below the smallest normal float32`;
  return undefined;
}

/**
 * MFCCs (T, K) time-major, channels averaged, or undefined if the wasm path does not apply
 * (see above). Throws the UsageError for NaN or infinite samples.
 */
export function wasmMfcc(channels: Float32Array[], setup: MfccSetup, T: number, nameForErrors: string): Float32Array | undefined {
  const { o, pad } = setup;
  if (wasmMfccUnsupported(o) !== undefined) return undefined;
  const k = featureKernels() as FeatureKernels;
  const C = channels.length;
  const S = channels[0].length;
  const N = o.nFft;
  const hop = o.hopLength;
  const M = o.nMels;
  const Mp = M + (M % 2);
  const K = o.nMfcc;
  const B = Math.min(MFCC_WASM_LIMITS.blockFrames, T);

  if (hop > N) {
    // Some samples fall in no frame, so the blocks would not check them all.
    for (const ch of channels) {
      for (let i = 0; i < S; i++) if (!Number.isFinite(ch[i])) throw nonFinite(nameForErrors);
    }
  }

  // Lay out the plan, scratch and block buffers (see the P_ fields in assembly/features.ts).
  const l = layout();
  const plan = layOutPlan(l, setup);
  const inputFloats = (B - 1) * hop + N;
  const inputAt = l.take(inputFloats * 4);
  // Small enough recordings keep every channel's dB values in wasm memory (no copies out and
  // back, no fresh JavaScript arrays); longer ones keep them in JavaScript, a block in wasm.
  const resident = C * T * Mp * 4 <= MFCC_WASM_LIMITS.residentDbBytes;
  const dbAt = l.take(resident ? C * T * Mp * 4 : C * B * Mp * 4); // resident: (C, T, Mp); else (C, B, Mp)
  const outAt = l.take((resident ? T : B) * K * 4);
  k.reserve(l.end);
  writePlan(k, setup, plan);
  const { planAt, dctAt, meanAt } = plan;

  const buffer = k.memory.buffer;
  const f32 = new Float32Array(buffer);

  // Pass 1: unclamped mel dB per channel, and the global maximum. Block by block into `dbAt`,
  // which for a resident call is the whole (C, T, Mp) array and otherwise one block, copied out.
  const input = f32.subarray(inputAt / 4, inputAt / 4 + inputFloats);
  const melDb: Float32Array[] = []; // C × (T, Mp), when not resident
  let maxDb = -Infinity;
  for (let c = 0; c < C; c++) {
    const x = channels[c];
    const out = resident ? undefined : new Float32Array(T * Mp);
    for (let t0 = 0; t0 < T; t0 += B) {
      const frames = Math.min(B, T - t0);
      const first = t0 * hop - pad; // sample under the block's first padded position
      const count = (frames - 1) * hop + N;
      if (first >= 0 && first + count <= S) {
        input.set(x.subarray(first, first + count));
      } else {
        for (let j = 0; j < count; j++) input[j] = x[reflect(first + j, S)];
      }
      if (k.exports.allFinite(inputAt, count) === 0) throw nonFinite(nameForErrors);
      const blockAt = resident ? dbAt + 4 * (c * T + t0) * Mp : dbAt;
      if (Mp !== M) f32.fill(0, blockAt / 4, blockAt / 4 + frames * Mp); // the unused column must be finite
      k.exports.melPower(planAt, inputAt, frames, hop, blockAt, Mp);
      const top = k.exports.powerToDb(blockAt, frames * Mp, o.amin);
      if (Number.isNaN(top)) return undefined; // float32 overflow: let the float64 path do it
      if (top > maxDb) maxDb = top;
      out?.set(f32.subarray(blockAt / 4, blockAt / 4 + frames * Mp), t0 * Mp);
    }
    if (out !== undefined) melDb.push(out);
  }

  // Pass 2: clamp to the global floor, average over channels, DCT.
  const floor = maxDb - o.topDb;
  if (resident) {
    k.exports.dbToMfcc(dbAt, C, T * Mp * 4, T, Mp, floor, dctAt, K, meanAt, outAt);
    return f32.slice(outAt / 4, outAt / 4 + T * K);
  }
  const data = new Float32Array(T * K); // (T, K)
  const stride = B * Mp * 4; // bytes between channels' blocks
  for (let t0 = 0; t0 < T; t0 += B) {
    const frames = Math.min(B, T - t0);
    for (let c = 0; c < C; c++) f32.set(melDb[c].subarray(t0 * Mp, (t0 + frames) * Mp), (dbAt + c * stride) / 4);
    k.exports.dbToMfcc(dbAt, C, stride, frames, Mp, floor, dctAt, K, meanAt, outAt);
    data.set(f32.subarray(outAt / 4, outAt / 4 + frames * K), t0 * K);
  }
  return data;
}

/**
 * The block kernel of the streaming MFCC (src/audio/mfcc-stream.ts) on wasm, for C channels in
 * blocks of up to B frames. It has its own instance and memory (about 1 MB at the reference
 * options), laid out once: the plan, one block of input, C blocks of dB and one of MFCCs.
 */
export function createWasmMelDbKernel(setup: MfccSetup, C: number, B: number): MelDbKernel {
  const { o } = setup;
  const k = createFeatureKernels();
  const N = o.nFft;
  const hop = o.hopLength;
  const M = o.nMels;
  const Mp = M + (M % 2);
  const K = o.nMfcc;
  const l = layout();
  const plan = layOutPlan(l, setup);
  const inputFloats = (B - 1) * hop + N;
  const inputAt = l.take(inputFloats * 4);
  const dbAt = l.take(C * B * Mp * 4); // (C, B, Mp)
  const outAt = l.take(B * K * 4); // (B, K)
  k.reserve(l.end);
  writePlan(k, setup, plan);
  const f32 = new Float32Array(k.memory.buffer); // the memory never grows again
  const stride = B * Mp * 4; // bytes between channels' blocks
  return {
    width: Mp,
    input: f32.subarray(inputAt / 4, inputAt / 4 + inputFloats),
    melDb(out, frames) {
      if (Mp !== M) f32.fill(0, dbAt / 4, dbAt / 4 + frames * Mp); // the unused column must be finite
      k.exports.melPower(plan.planAt, inputAt, frames, hop, dbAt, Mp);
      const top = k.exports.powerToDb(dbAt, frames * Mp, o.amin);
      if (Number.isNaN(top)) return NaN; // float32 overflow: the caller goes to the float64 path
      out.set(f32.subarray(dbAt / 4, dbAt / 4 + frames * Mp));
      return top;
    },
    dbToMfcc(out, db, frames, floor) {
      for (let c = 0; c < C; c++) f32.set(db[c].subarray(0, frames * Mp), (dbAt + c * stride) / 4);
      k.exports.dbToMfcc(dbAt, C, stride, frames, Mp, floor, plan.dctAt, K, plan.meanAt, outAt);
      out.set(f32.subarray(outAt / 4, outAt / 4 + frames * K));
    },
  };
}

/** Where a plan's tables and scratch sit in a kernel instance's memory. */
export interface PlanAt {
  planAt: number; // the i32 header read by the kernels (P_ fields)
  stageAt: number;
  twiddleAt: number[];
  windowAt: number;
  postAt: number;
  melStartAt: number;
  melLengthAt: number;
  melWeightsAt: number;
  workAt: number;
  powerAt: number;
  dctAt: number; // f64 (K, Mp)
  meanAt: number; // f64 (Mp) scratch of dbToMfcc
}

/** The plan's sizes: FFT length N and half length h, mel bands M (Mp rounded up to even), K coefficients, FFT radices. */
function planShape(setup: MfccSetup): { N: number; h: number; M: number; Mp: number; K: number; radices: number[] } {
  const { o } = setup;
  const N = o.nFft;
  const h = N / 2;
  const M = o.nMels;
  return { N, h, M, Mp: M + (M % 2), K: o.nMfcc, radices: fftRadices(h) as number[] };
}

/** Takes the plan's space from a layout (nothing is written until `writePlan`, after reserve). */
export function layOutPlan(l: ReturnType<typeof layout>, setup: MfccSetup): PlanAt {
  const { N, h, M, Mp, K, radices } = planShape(setup);
  const planAt = l.take(64);
  const stageAt = l.take(radices.length * 16);
  const twiddleAt: number[] = [];
  let len = h;
  for (const p of radices) {
    const m = len / p;
    twiddleAt.push(l.take(m * (p - 1) * 8));
    len = m;
  }
  return {
    planAt,
    stageAt,
    twiddleAt,
    windowAt: l.take(N * 4),
    postAt: l.take((h + 1) * 8),
    melStartAt: l.take(M * 4),
    melLengthAt: l.take(M * 4),
    melWeightsAt: l.take(setup.filters.weights.length * 4),
    workAt: l.take(4 * h * 16),
    powerAt: l.take((h + 1) * 16),
    dctAt: l.take(K * Mp * 8),
    meanAt: l.take(Mp * 8),
  };
}

/** Writes the plan header, FFT stages and twiddles, window, filters and DCT (after reserve). */
export function writePlan(k: FeatureKernels, setup: MfccSetup, at: PlanAt): void {
  const { N, h, M, Mp, K, radices } = planShape(setup);
  const buffer = k.memory.buffer;
  const i32 = new Int32Array(buffer);
  const f64 = new Float64Array(buffer);
  const f32 = new Float32Array(buffer);
  const { planAt, stageAt, twiddleAt, windowAt, postAt, melStartAt, melLengthAt, melWeightsAt, workAt, powerAt, dctAt } = at;

  i32.set([h, radices.length, stageAt, windowAt, postAt, M, melStartAt, melLengthAt, melWeightsAt, workAt, powerAt], planAt / 4);
  // FFT stages and twiddles, exactly as src/audio/fft.ts builds them.
  let len = h;
  let s = 1;
  radices.forEach((p, i) => {
    const m = len / p;
    i32.set([p, m, s, twiddleAt[i]], stageAt / 4 + 4 * i);
    const tw = twiddleAt[i] / 4;
    for (let q = 0; q < m; q++) {
      for (let r = 1; r < p; r++) {
        const e = tw + 2 * (q * (p - 1) + r - 1);
        f32[e] = cosTurn(r * q, len);
        f32[e + 1] = -sinTurn(r * q, len);
      }
    }
    len = m;
    s *= p;
  });
  f32.set(setup.window, windowAt / 4);
  for (let kk = 0; kk <= h; kk++) {
    f32[postAt / 4 + 2 * kk] = cosTurn(kk, N);
    f32[postAt / 4 + 2 * kk + 1] = -sinTurn(kk, N);
  }
  i32.set(setup.filters.start, melStartAt / 4);
  i32.set(setup.filters.length, melLengthAt / 4);
  // The filters' weights times 1/4: the kernel computes |2X|² (see powerAndMel).
  const weights = f32.subarray(melWeightsAt / 4, melWeightsAt / 4 + setup.filters.weights.length);
  for (let i = 0; i < weights.length; i++) weights[i] = 0.25 * setup.filters.weights[i];
  const dct = f64.subarray(dctAt / 8, dctAt / 8 + K * Mp);
  dct.fill(0);
  for (let kk = 0; kk < K; kk++) dct.set(setup.dct.subarray(kk * M, kk * M + M), kk * Mp);
}

/** The radices the kernels' FFT uses for length h, in stage order (as src/audio/fft.ts), or undefined. */
function fftRadices(h: number): number[] | undefined {
  const radices: number[] = [];
  let rest = h;
  while (rest % 4 === 0) { radices.push(4); rest /= 4; }
  while (rest % 2 === 0) { radices.push(2); rest /= 2; }
  for (const p of [3, 5]) while (rest % p === 0) { radices.push(p); rest /= p; }
  return rest === 1 ? radices : undefined;
}

function nonFinite(name: string): UsageError {
  return new UsageError(`${name}: the audio contains NaN or infinite samples`);
}

/** Reflect padding without repeating the edge: index −1 → 1, S → S − 2. Needs S > pad. */
function reflect(i: number, S: number): number {
  if (i < 0) return -i;
  if (i >= S) return 2 * (S - 1) - i;
  return i;
}

function cosTurn(k: number, n: number): number {
  return Math.cos((2 * Math.PI * (k % n)) / n);
}

function sinTurn(k: number, n: number): number {
  return Math.sin((2 * Math.PI * (k % n)) / n);
}
