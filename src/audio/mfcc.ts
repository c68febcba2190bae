/**
 * MFCCs exactly as torchaudio 0.13 computes them with
 *   MFCC(sample_rate=sr, n_mfcc=12, melkwargs={n_mels: 40, n_fft: 400, hop_length: 160})
 * followed by a mean over channels, returned time-major (frames, coefficients).
 *
 * Two implementations compute it: `plainMfcc`, the TypeScript reference below (all arithmetic
 * in float64), and the wasm SIMD kernels (src/audio/mfcc-wasm.ts, assembly/features.ts: FFT,
 * power and mel sums in float32 as torchaudio has them, ~12× faster). `mfcc` uses the kernels
 * wherever they run and support the options, the reference otherwise; the tests hold the two to
 * each other and both to torchaudio's fixtures.
 *
 * Per channel and frame t:
 *   frame    x[t·hop − n_fft/2 + j], j in [0, n_fft), reflect-padded at both ends (center=True)
 *   window   periodic Hann, 0.5 − 0.5·cos(2πj/n_fft)
 *   power    |DFT|², n_fft/2 + 1 bins
 *   mel      HTK triangular filters on the bin frequencies linspace(0, floor(sr/2), bins), no norm
 *   dB       10·log10(max(mel, amin))
 * then, over the whole file at once:
 *   clamp    every dB value to at least (max over all channels and frames) − top_db
 *   mean     over channels
 *   DCT-II   orthonormal, first n_mfcc rows (torchaudio create_dct(n_mfcc, n_mels, 'ortho'))
 *
 * Memory: the clamp needs the global maximum, known only after the last frame. Rather than run
 * the FFTs twice, the unclamped mel dB values are kept per channel as float32, (frames, n_mels):
 * 40 values per 160 samples, a quarter of the samples' own size. float32 holds a dB value to
 * better than 1e-5 dB, far below the 2e-3 tolerance against torchaudio (which itself computes
 * everything in float32).
 *
 * The functions here take whole recordings: the reference, and the fast path over arrays held
 * in memory. Files are not held whole: src/audio/mfcc-stream.ts computes the same MFCCs from
 * samples pushed piece by piece as they are decoded, on the same per-frame arithmetic (the plain
 * block kernel below, or the wasm one in mfcc-wasm.ts), so its output is bit-identical.
 */
import { UsageError } from '../errors.js';
import { chooseBackend, wasmSupport } from '../kernels/index.js';
import { createRealFft, type RealFft } from './fft.js';
import { wasmMfcc, wasmMfccUnsupported } from './mfcc-wasm.js';
import type { MelDbKernel, MelFilters, MfccOptions, MfccSetup } from './mfcc-types.js';


/** The reference's settings: torchaudio's MFCC defaults with n_mfcc 12, n_mels 40, n_fft 400, hop 160. */
export const MFCC_DEFAULTS: Readonly<MfccOptions> = Object.freeze({
  nMfcc: 12,
  nMels: 40,
  nFft: 400,
  hopLength: 160,
  fMin: 0,
  fMax: null,
  topDb: 80,
  amin: 1e-10,
});

export interface Mfcc {
  data: Float32Array; // (frames, coefficients), time-major
  frames: number;
  coefficients: number;
}

/**
 * Which implementation computes the MFCCs: the wasm SIMD kernels, or the TypeScript reference.
 * The names and the choice are the training kernels' (src/kernels/index.ts `chooseBackend`):
 * wasm unless plain is asked for or the one probe says wasm cannot run here.
 */
export type MfccBackend = 'wasm' | 'plain';

/**
 * MFCCs of a recording, averaged over its channels. channels: one (S) array per channel.
 * `nameForErrors` names the recording in error messages (usually its path).
 *
 * Runs on the wasm SIMD kernels (src/audio/mfcc-wasm.ts) where they can run and support the
 * options, otherwise on the TypeScript reference (`plainMfcc`); `mfccBackend` says which.
 */
export function mfcc(
  channels: Float32Array[],
  sampleRate: number,
  options: Partial<MfccOptions> = {},
  nameForErrors = 'the audio',
): Mfcc {
  const { setup, T } = prepare(channels, sampleRate, options, nameForErrors);
  const data = wasmMfcc(channels, setup, T, nameForErrors);
  if (data !== undefined) return { data, frames: T, coefficients: setup.o.nMfcc };
  return plainMfccOf(channels, setup, T, nameForErrors);
}

/**
 * The implementation mfcc() and the streaming MFCC use for these options here (`preferred`
 * 'plain' forces the reference), and if it is the plain one, why.
 */
export function mfccBackend(
  options: Partial<MfccOptions> = {},
  preferred?: MfccBackend,
): { backend: MfccBackend; reason?: string } {
  if (chooseBackend(preferred, wasmSupport()) === 'plain') {
    const support = wasmSupport();
    return { backend: 'plain', reason: support.ok ? 'the plain backend was asked for' : `the wasm kernels cannot run here (${support.reason})` };
  }
  const reason = wasmMfccUnsupported(resolveOptions(options));
  return reason === undefined ? { backend: 'wasm' } : { backend: 'plain', reason };
}

/** The same MFCCs on the TypeScript reference path, in float64 throughout. */
export function plainMfcc(
  channels: Float32Array[],
  sampleRate: number,
  options: Partial<MfccOptions> = {},
  nameForErrors = 'the audio',
): Mfcc {
  const { setup, T } = prepare(channels, sampleRate, options, nameForErrors);
  return plainMfccOf(channels, setup, T, nameForErrors);
}

/** Checks the input and options and builds everything that does not depend on the samples. */
function prepare(
  channels: Float32Array[],
  sampleRate: number,
  options: Partial<MfccOptions>,
  nameForErrors: string,
): { setup: MfccSetup; T: number } {
  const setup = prepareMfcc(sampleRate, options);
  const C = channels.length;
  if (C === 0) throw new UsageError(`${nameForErrors}: no audio channels to compute MFCCs from`);
  const S = channels[0].length;
  if (channels.some((ch) => ch.length !== S)) throw new RangeError('mfcc: channels differ in length');
  return { setup, T: mfccFrames(S, setup, sampleRate, nameForErrors) };
}

/** The options resolved and everything that depends only on them and the sample rate. */
export function prepareMfcc(sampleRate: number, options: Partial<MfccOptions>): MfccSetup {
  const o = resolveOptions(options);
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) throw new RangeError(`mfcc: bad sample rate ${sampleRate}`);
  const fMax = o.fMax ?? Math.floor(sampleRate / 2);
  const window = new Float64Array(o.nFft); // (nFft) periodic Hann
  for (let j = 0; j < o.nFft; j++) window[j] = 0.5 - 0.5 * Math.cos((2 * Math.PI * j) / o.nFft);
  const bins = Math.floor(o.nFft / 2) + 1;
  return {
    o,
    pad: Math.floor(o.nFft / 2), // center=True pads n_fft/2 on each side
    window,
    filters: melFilters(bins, sampleRate, o.nMels, o.fMin, fMax),
    dct: dctMatrix(o.nMfcc, o.nMels),
  };
}

/** Frames of S samples per channel; a UsageError if reflect padding cannot be applied. */
export function mfccFrames(S: number, setup: MfccSetup, sampleRate: number, nameForErrors: string): number {
  const { o, pad } = setup;
  if (S <= pad) {
    // Reflect padding needs more samples than the pad; torchaudio raises an error here too.
    throw new UsageError(
      `${nameForErrors}: the audio is too short for MFCCs (${S} samples per channel, ` +
        `${((1000 * S) / sampleRate).toFixed(1)} ms); it needs more than ${pad} — give a longer recording`,
    );
  }
  return 1 + Math.floor((S + 2 * pad - o.nFft) / o.hopLength);
}

function plainMfccOf(channels: Float32Array[], setup: MfccSetup, T: number, nameForErrors: string): Mfcc {
  const { o, pad } = setup;
  const C = channels.length;
  const S = channels[0].length;
  for (const ch of channels) {
    for (let i = 0; i < S; i++) {
      if (!Number.isFinite(ch[i])) throw new UsageError(`${nameForErrors}: the audio contains NaN or infinite samples`);
    }
  }
  const M = o.nMels;
  const K = o.nMfcc;
  const plan = createMfccPlan(setup);

  // Pass over the audio: unclamped mel dB per channel, and the global maximum.
  const melDb: Float32Array[] = []; // C × (T, M)
  let maxDb = -Infinity;
  for (let c = 0; c < C; c++) {
    const out = new Float32Array(T * M); // (T, M)
    maxDb = Math.max(maxDb, melDbChannel(out, channels[c], T, pad, plan, o));
    melDb.push(out);
  }

  // Clamp to the global floor, average over channels, DCT.
  const data = new Float32Array(T * K); // (T, K)
  clampMeanDct(data, melDb, T, maxDb - o.topDb, M, K, plan.dct, new Float64Array(M));
  return { data, frames: T, coefficients: K };
}

/**
 * out (frames, K) = DCT of the channels' mean of db[c] (frames, M) clamped below at `floor`,
 * in float64; `mean` (M) is scratch. The whole-file path and the streaming kernel share it, so
 * both give the same bits.
 */
function clampMeanDct(out: Float32Array, db: readonly Float32Array[], frames: number, floor: number, M: number, K: number, dct: Float64Array, mean: Float64Array): void {
  const C = db.length;
  for (let t = 0; t < frames; t++) {
    mean.fill(0);
    for (let c = 0; c < C; c++) {
      const row = db[c];
      for (let m = 0; m < M; m++) {
        const v = row[t * M + m];
        mean[m] += v > floor ? v : floor;
      }
    }
    for (let m = 0; m < M; m++) mean[m] /= C;
    for (let k = 0; k < K; k++) {
      let acc = 0;
      for (let m = 0; m < M; m++) acc += dct[k * M + m] * mean[m];
      out[t * K + k] = acc;
    }
  }
}

/** Everything that depends only on the options and the sample rate, built once per call. */
interface MfccPlan {
  window: Float64Array; // (nFft) periodic Hann
  fft: RealFft;
  frame: Float64Array; // (nFft) scratch: one windowed frame
  power: Float64Array; // (bins) scratch: its power spectrum
  filters: MelFilters;
  dct: Float64Array; // (nMfcc, nMels)
}


function createMfccPlan(setup: MfccSetup): MfccPlan {
  const fft = createRealFft(setup.o.nFft);
  return {
    window: setup.window,
    fft,
    frame: new Float64Array(setup.o.nFft),
    power: new Float64Array(fft.bins),
    filters: setup.filters,
    dct: setup.dct,
  };
}

/**
 * Fills out (T, M) with one channel's unclamped mel dB values and returns their maximum.
 * Frame t covers padded positions [t·hop, t·hop + nFft), i.e. samples from t·hop − pad.
 */
/** Mel dB of the windowed frame in plan.frame into out[at, at + M); returns their maximum. */
function frameMelDb(out: Float32Array, at: number, plan: MfccPlan, o: MfccOptions): number {
  const { fft, frame, power, filters } = plan;
  const { start, length, offset, weights } = filters;
  const amin = o.amin;
  let maxDb = -Infinity;
  fft.powerSpectrum(power, frame);
  for (let m = 0; m < o.nMels; m++) {
    let energy = 0;
    const b0 = start[m];
    const w0 = offset[m];
    for (let i = 0; i < length[m]; i++) energy += power[b0 + i] * weights[w0 + i];
    // 10·log10(max(x, amin)) − 10·log10(max(amin, ref)) with ref = 1: the second term is 0.
    const db = 10 * Math.log10(energy > amin ? energy : amin);
    out[at + m] = db;
    if (db > maxDb) maxDb = db;
  }
  return maxDb;
}

function melDbChannel(out: Float32Array, x: Float32Array, T: number, pad: number, plan: MfccPlan, o: MfccOptions): number {
  const { window, frame } = plan;
  const N = o.nFft;
  const M = o.nMels;
  const hop = o.hopLength;
  const S = x.length;
  let maxDb = -Infinity;
  for (let t = 0; t < T; t++) {
    const first = t * hop - pad;
    if (first >= 0 && first + N <= S) {
      for (let j = 0; j < N; j++) frame[j] = x[first + j] * window[j];
    } else {
      for (let j = 0; j < N; j++) frame[j] = x[reflect(first + j, S)] * window[j];
    }
    const frameMax = frameMelDb(out, t * M, plan, o);
    if (frameMax > maxDb) maxDb = frameMax;
  }
  return maxDb;
}

/**
 * The block kernel of the streaming MFCC (src/audio/mfcc-stream.ts) on the reference's float64
 * arithmetic, for C channels in blocks of up to B frames: the same per-frame steps as
 * `melDbChannel` and the same clamp, mean and DCT as `plainMfccOf`, so the results are the same
 * to the bit.
 */
export function createPlainMelDbKernel(setup: MfccSetup, C: number, B: number): MelDbKernel {
  const { o } = setup;
  const plan = createMfccPlan(setup);
  const { window, frame, dct } = plan;
  const N = o.nFft;
  const M = o.nMels;
  const K = o.nMfcc;
  const hop = o.hopLength;
  const mean = new Float64Array(M); // (M)
  return {
    width: M,
    input: new Float32Array((B - 1) * hop + N),
    melDb(out, frames) {
      const x = this.input;
      let maxDb = -Infinity;
      for (let t = 0; t < frames; t++) {
        for (let j = 0; j < N; j++) frame[j] = x[t * hop + j] * window[j];
        const frameMax = frameMelDb(out, t * M, plan, o);
    if (frameMax > maxDb) maxDb = frameMax;
      }
      return maxDb;
    },
    dbToMfcc(out, db, frames, floor) {
      clampMeanDct(out, db, frames, floor, M, K, dct, mean);
    },
  };
}

/** Reflect padding without repeating the edge: index −1 → 1, S → S − 2. Needs S > pad. */
function reflect(i: number, S: number): number {
  if (i < 0) return -i;
  if (i >= S) return 2 * (S - 1) - i;
  return i;
}

const hzToMel = (f: number): number => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number): number => 700 * (10 ** (m / 2595) - 1);

/**
 * torchaudio melscale_fbanks(n_freqs=bins, f_min, f_max, n_mels, sample_rate, norm=None,
 * mel_scale='htk'): filter m rises from f_pts[m] to f_pts[m+1] and falls to f_pts[m+2], where
 * f_pts are n_mels + 2 points equally spaced in mel between f_min and f_max, evaluated on the bin
 * frequencies linspace(0, floor(sr/2), bins).
 */
export function melFilters(bins: number, sampleRate: number, nMels: number, fMin: number, fMax: number): MelFilters {
  const nyquist = Math.floor(sampleRate / 2);
  const freqs = new Float64Array(bins); // (bins)
  for (let i = 0; i < bins; i++) freqs[i] = bins === 1 ? 0 : (nyquist * i) / (bins - 1);
  const mMin = hzToMel(fMin);
  const mMax = hzToMel(fMax);
  const fPts = new Float64Array(nMels + 2); // (nMels + 2)
  for (let i = 0; i < nMels + 2; i++) fPts[i] = melToHz(mMin + ((mMax - mMin) * i) / (nMels + 1));

  const dense = new Float64Array(nMels * bins); // (nMels, bins), only while building
  for (let m = 0; m < nMels; m++) {
    for (let i = 0; i < bins; i++) {
      const down = (freqs[i] - fPts[m]) / (fPts[m + 1] - fPts[m]);
      const up = (fPts[m + 2] - freqs[i]) / (fPts[m + 2] - fPts[m + 1]);
      dense[m * bins + i] = Math.max(0, Math.min(down, up));
    }
  }

  const start = new Int32Array(nMels);
  const length = new Int32Array(nMels);
  const offset = new Int32Array(nMels);
  let total = 0;
  for (let m = 0; m < nMels; m++) {
    let lo = 0;
    while (lo < bins && dense[m * bins + lo] === 0) lo++;
    let hi = bins;
    while (hi > lo && dense[m * bins + hi - 1] === 0) hi--;
    start[m] = lo;
    length[m] = hi - lo; // 0 for a filter that falls between bins (torchaudio warns; its output is amin)
    offset[m] = total;
    total += hi - lo;
  }
  const weights = new Float64Array(total);
  for (let m = 0; m < nMels; m++) {
    weights.set(dense.subarray(m * bins + start[m], m * bins + start[m] + length[m]), offset[m]);
  }
  return { start, length, offset, weights };
}

/**
 * torchaudio create_dct(n_mfcc, n_mels, 'ortho'), transposed to (n_mfcc, n_mels):
 * dct[k][m] = cos(π/n_mels · (m + 0.5) · k) · sqrt(2/n_mels), with row 0 further scaled by 1/√2.
 */
export function dctMatrix(nMfcc: number, nMels: number): Float64Array {
  const dct = new Float64Array(nMfcc * nMels); // (nMfcc, nMels)
  for (let k = 0; k < nMfcc; k++) {
    const scale = Math.sqrt(2 / nMels) * (k === 0 ? Math.SQRT1_2 : 1);
    for (let m = 0; m < nMels; m++) dct[k * nMels + m] = Math.cos((Math.PI / nMels) * (m + 0.5) * k) * scale;
  }
  return dct;
}

/** Defaults plus overrides; unknown keys and bad values are errors. */
function resolveOptions(options: Partial<MfccOptions>): MfccOptions {
  for (const key of Object.keys(options)) {
    if (!(key in MFCC_DEFAULTS)) {
      throw new UsageError(`unknown MFCC option '${key}' — known options: ${Object.keys(MFCC_DEFAULTS).join(', ')}`);
    }
  }
  const given = Object.entries(options).filter(([, value]) => value !== undefined);
  const o: MfccOptions = { ...MFCC_DEFAULTS, ...Object.fromEntries(given) };
  const positiveInt = (key: 'nMfcc' | 'nMels' | 'nFft' | 'hopLength') => {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new UsageError(`MFCC option ${key} must be a positive integer, got ${o[key]}`);
  };
  positiveInt('nMfcc');
  positiveInt('nMels');
  positiveInt('nFft');
  positiveInt('hopLength');
  if (o.nMfcc > o.nMels) throw new UsageError(`MFCC option nMfcc (${o.nMfcc}) must not exceed nMels (${o.nMels})`);
  if (!(o.fMin >= 0)) throw new UsageError(`MFCC option fMin must be ≥ 0 Hz, got ${o.fMin}`);
  if (o.fMax !== null && !(o.fMax > o.fMin)) throw new UsageError(`MFCC option fMax must exceed fMin (${o.fMin} Hz), got ${o.fMax}`);
  if (!(o.topDb > 0)) throw new UsageError(`MFCC option topDb must be > 0 dB, got ${o.topDb}`);
  if (!(o.amin > 0)) throw new UsageError(`MFCC option amin must be > 0, got ${o.amin}`);
  return o;
}
