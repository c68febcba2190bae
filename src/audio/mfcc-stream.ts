/**
 * The MFCC of src/audio/mfcc.ts computed from samples that arrive piece by piece, as a file is
 * decoded, so that a recording is never held whole: memory grows with the frames, not the
 * samples.
 *
 *   const acc = createMfccAccumulator(C, sampleRate);
 *   for each decoded piece: acc.push(channels);   // C arrays of equal length, any length
 *   const m = acc.finish();                       // (frames, n_mfcc), channels averaged
 *
 * What it keeps: per channel, the samples that frames still to be computed need (at most a
 * block's worth, plus n_fft for the reflect padding at the end, which needs the length of the
 * whole signal and so waits for finish()); and per channel the unclamped mel dB of every frame
 * computed so far, in blocks of (blockFrames, n_mels) float32. The top_db clamp needs the
 * loudest value of the whole file, so the clamp, the channel mean and the DCT run in finish(),
 * block by block, each block of dB values dropped once it is turned into MFCCs.
 *
 * Those dB values are 40 floats per channel per 160 samples: 318 MB for an hour of 44.1 kHz
 * stereo. Past `maxStoredBytes` of them the accumulator keeps only the running maximum, and
 * finish() gives the floor instead of MFCCs; a second accumulator given that `floor` then turns
 * each block into MFCCs as it comes, keeping nothing but them (src/audio/features.ts decodes the
 * file twice that way). Same values, same arithmetic, so the same MFCCs to the bit.
 *
 * Frames are computed in blocks of `MFCC_WASM_LIMITS.blockFrames` by a block kernel, wasm or
 * plain; every frame's arithmetic is the same whatever block it falls in, so the result is the
 * whole-array path's to the bit (test/audio/mfcc-stream.test.ts holds it to that).
 */
import { UsageError } from '../errors.js';
import {
  createPlainMelDbKernel, mfccBackend, mfccFrames, prepareMfcc, type Mfcc, type MfccBackend, 
} from './mfcc.js';
import { createWasmMelDbKernel, MFCC_WASM_LIMITS } from './mfcc-wasm.js';
import type { MelDbKernel, MfccOptions, MfccSetup } from './mfcc-types.js';


export interface MfccAccumulator {
  /** The backend computing the frames ('plain' after a float32 overflow on wasm). */
  readonly backend: MfccBackend;
  /** The next samples of every channel, all the same length. */
  push(channels: Float32Array[]): void;
  /** Samples per channel pushed so far. */
  readonly samples: number;
  /**
   * The MFCCs of everything pushed; or, where more than `maxStoredBytes` of dB values would
   * have been kept, the top_db floor for a second pass. The accumulator cannot be used after.
   */
  finish(): Mfcc | { floor: number };
}

export interface AccumulatorOptions {
  /** 'plain' forces the TypeScript reference; otherwise the wasm kernels run where they can. */
  backend?: MfccBackend;
  /** Most bytes of dB values kept before giving up on one pass (no limit by default). */
  maxStoredBytes?: number;
  /** The top_db floor, found by a first pass: MFCCs are made as the frames come. */
  floor?: number;
  /** Samples per channel to expect (a header's word), to size the output once. */
  expectedSamples?: number;
}

/** An MFCC accumulator for C channels at `sampleRate`, with mfcc()'s options. */
export function createMfccAccumulator(
  C: number,
  sampleRate: number,
  options: Partial<MfccOptions> = {},
  nameForErrors = 'the audio',
  { backend: preferred, maxStoredBytes = Infinity, floor: knownFloor, expectedSamples }: AccumulatorOptions = {},
): MfccAccumulator {
  const setup: MfccSetup = prepareMfcc(sampleRate, options);
  if (!(Number.isInteger(C) && C >= 1)) throw new UsageError(`${nameForErrors}: no audio channels to compute MFCCs from`);
  const { o, pad } = setup;
  const N = o.nFft;
  const hop = o.hopLength;
  const K = o.nMfcc;
  const B = MFCC_WASM_LIMITS.blockFrames;
  let backend = mfccBackend(options, preferred).backend;
  const kernels: { [B in MfccBackend]?: MelDbKernel } = {};
  const kernelFor = (b: MfccBackend): MelDbKernel =>
    (kernels[b] ??= b === 'wasm' ? createWasmMelDbKernel(setup, C, B) : createPlainMelDbKernel(setup, C, B));
  let kernel = kernelFor(backend);

  // The samples still needed, per channel: buffer[c][0 .. held) are samples from `base` on.
  let buffers: Float32Array[] = Array.from({ length: C }, () => new Float32Array(B * hop + 2 * N));
  let base = 0;
  let held = 0;
  let next = 0; // the next frame to compute
  let maxDb = -Infinity;
  const blocks: Float32Array[][] = Array.from({ length: C }, () => []); // C × (blocks of (frames, width))
  const blockFrames: number[] = []; // frames in each block
  const blockBackend: MfccBackend[] = []; // which kernel computed each block
  let stored = 0; // bytes in `blocks`
  let overBudget = false; // past maxStoredBytes: only maxDb is kept
  // With a known floor: the MFCCs so far, (frames, K), in an array that grows as needed.
  let out: Float32Array = new Float32Array(knownFloor === undefined ? 0 : expectedFrames(expectedSamples) * K);
  let finished = false;

  function expectedFrames(samples: number | undefined): number {
    return samples === undefined || samples <= pad ? B : 1 + Math.floor((samples + 2 * pad - N) / hop);
  }

  /** The samples of frames [next, next + frames) of channel c into the kernel's input. */
  function fillInput(c: number, frames: number, S: number): void {
    const x = buffers[c];
    const input = kernel.input;
    const first = next * hop - pad; // sample under the block's first padded position
    const count = (frames - 1) * hop + N;
    if (first >= base && first + count <= base + held) {
      input.set(x.subarray(first - base, first - base + count));
      return;
    }
    // Reflect padding without repeating the edge: −1 → 1, S → S − 2 (S is Infinity until finish).
    for (let j = 0; j < count; j++) {
      let i = first + j;
      if (i < 0) i = -i;
      else if (i >= S) i = 2 * (S - 1) - i;
      input[j] = x[i - base];
    }
  }

  /** Computes the next `frames` frames on every channel and keeps their dB values. */
  function computeBlock(frames: number, S: number): void {
    const width = kernel.width;
    const row: Float32Array[] = [];
    for (let c = 0; c < C; c++) {
      fillInput(c, frames, S);
      const db = new Float32Array(frames * width); // (frames, width)
      const top = kernel.melDb(db, frames);
      if (Number.isNaN(top)) {
        // Mel powers past float32's range (float WAV samples above ~1e16): this block and the
        // rest go to the float64 path, as mfcc() sends a whole recording there.
        backend = 'plain';
        kernel = kernelFor('plain');
        return computeBlock(frames, S);
      }
      if (top > maxDb) maxDb = top;
      row.push(db);
    }
    if (knownFloor !== undefined) {
      if ((next + frames) * K > out.length) out = growTo(out, Math.max(2 * out.length, (next + frames) * K));
      kernel.dbToMfcc(out.subarray(next * K, (next + frames) * K), row, frames, knownFloor);
    } else if (!overBudget) {
      row.forEach((db, c) => blocks[c].push(db));
      blockFrames.push(frames);
      blockBackend.push(backend);
      stored += C * frames * width * 4;
      if (stored > maxStoredBytes) {
        overBudget = true;
        for (const list of blocks) list.length = 0;
      }
    }
    next += frames;
  }

  /** Drops samples no frame from `next` on can reach (reflection at the end reaches back one). */
  function discard(): void {
    const keepFrom = Math.min(Math.max(0, next * hop - pad - N), base + held);
    const drop = keepFrom - base;
    if (drop <= 0) return;
    for (const x of buffers) x.copyWithin(0, drop, held);
    base = keepFrom;
    held -= drop;
  }

  return {
    get backend() {
      return backend;
    },
    get samples() {
      return base + held;
    },

    push(channels) {
      if (finished) throw new Error('MfccAccumulator: push after finish');
      if (channels.length !== C) throw new RangeError(`MfccAccumulator: ${channels.length} channels pushed, expected ${C}`);
      const n = channels[0].length;
      for (const ch of channels) {
        if (ch.length !== n) throw new RangeError('MfccAccumulator: channels differ in length');
        for (let i = 0; i < n; i++) {
          if (!Number.isFinite(ch[i])) throw new UsageError(`${nameForErrors}: the audio contains NaN or infinite samples`);
        }
      }
      let at = 0;
      while (at < n) {
        // Copy in as much as fits, compute every whole block that is ready, drop what is done.
        if (held === buffers[0].length) buffers = buffers.map((x) => growTo(x, 2 * x.length));
        const take = Math.min(n - at, buffers[0].length - held);
        channels.forEach((ch, c) => buffers[c].set(ch.subarray(at, at + take), held));
        held += take;
        at += take;
        const received = base + held;
        // Frame t is ready when its last sample, t·hop − pad + N − 1, has arrived (and so have
        // the samples up to pad that the reflection at the start reads).
        while (received > pad && (next + B - 1) * hop - pad + N <= received) computeBlock(B, Infinity);
        discard();
      }
    },

    finish() {
      if (finished) throw new Error('MfccAccumulator: finish called twice');
      finished = true;
      const S = base + held;
      const T = mfccFrames(S, setup, sampleRate, nameForErrors);
      while (next < T) computeBlock(Math.min(B, T - next), S);
      buffers = [];
      if (knownFloor !== undefined) return { data: out.length === T * K ? out : out.slice(0, T * K), frames: T, coefficients: K };
      const floor = maxDb - o.topDb;
      if (overBudget) return { floor };

      // Clamp to the global floor, average over channels, DCT; each block dropped once used.
      const data = new Float32Array(T * K); // (T, K)
      let t0 = 0;
      for (let b = 0; b < blockFrames.length; b++) {
        const frames = blockFrames[b];
        const db = blocks.map((list) => list[b]);
        kernelFor(blockBackend[b]).dbToMfcc(data.subarray(t0 * K, (t0 + frames) * K), db, frames, floor);
        for (const list of blocks) (list as (Float32Array | undefined)[])[b] = undefined;
        t0 += frames;
      }
      return { data, frames: T, coefficients: K };
    },
  };
}

function growTo(x: Float32Array, n: number): Float32Array {
  const y = new Float32Array(n);
  y.set(x);
  return y;
}
