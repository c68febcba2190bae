/**
 * The shapes the MFCC modules share: the options, the planned setup and what a backend's
 * mel-dB kernel offers. They live apart so mfcc.ts (the reference and the entry point),
 * mfcc-wasm.ts (the SIMD kernels) and mfcc-stream.ts (the piecewise accumulator) import them
 * without importing each other in a circle.
 */

export interface MfccOptions {
  /** Coefficients kept after the DCT (torchaudio n_mfcc). */
  nMfcc: number;
  /** Triangular mel filters (n_mels). */
  nMels: number;
  /** FFT length, also the window length (n_fft = win_length). */
  nFft: number;
  /** Samples from one frame start to the next (hop_length). */
  hopLength: number;
  /** Lowest filter edge in Hz (f_min). */
  fMin: number;
  /** Highest filter edge in Hz; null means floor(sampleRate / 2), as torchaudio does (f_max). */
  fMax: number | null;
  /** Values more than this many dB below the loudest value of the whole file are raised to it (top_db). */
  topDb: number;
  /** Power floor before the logarithm (amin). */
  amin: number;
}

/** Triangular filters stored sparsely: filter m has weights[offset[m] .. offset[m] + length[m]) on bins start[m]…. */
export interface MelFilters {
  start: Int32Array; // (nMels)
  length: Int32Array; // (nMels)
  offset: Int32Array; // (nMels)
  weights: Float64Array; // (Σ length)
}

/** What mfcc.ts has planned: everything that depends only on the options and the sample rate. */
export interface MfccSetup {
  o: MfccOptions;
  pad: number; // reflect padding at each end, n_fft / 2
  window: Float64Array; // (n_fft)
  filters: MelFilters;
  dct: Float64Array; // (K, M)
}

/** What the accumulator asks of a backend: mel dB of a block of frames, and MFCCs from them. */
export interface MelDbKernel {
  /** Values per frame in a dB block: n_mels, or n_mels rounded up to even on wasm. */
  readonly width: number;
  /** Where the caller puts one channel's samples for a block: (frames − 1)·hop + n_fft of them. */
  readonly input: Float32Array;
  /** Unclamped mel dB of `frames` frames of `input` into out (frames, width); their maximum,
   *  or NaN where the kernel's float32 overflowed (then the float64 kernel must do the block). */
  melDb(out: Float32Array, frames: number): number;
  /** Clamps every channel's (frames, width) dB block to `floor`, averages them over channels and
   *  applies the DCT into out (frames, n_mfcc). */
  dbToMfcc(out: Float32Array, db: Float32Array[], frames: number, floor: number): void;
}
