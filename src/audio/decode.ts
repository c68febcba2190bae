/**
 * Audio file → float samples, one channel per array, scaled as torchaudio scales them, handed
 * on piece by piece as the file is read: a source of byte pieces (source.ts; file-source.ts for
 * a path) → the container's header (container.ts) → a decoder (wav.ts, our own reader of the
 * WAV container; codecs.ts, the FLAC, Vorbis and MP3 decoder packages) → a sink, such as the
 * streaming MFCC. `decodeAudioFile` and `decodeAudioBytes` gather the pieces into whole arrays
 * for callers that want the samples themselves.
 *
 * What this adds to the decoders, for parity with the reference and clear errors:
 *
 * 1. torchaudio divides an integer sample k by 2^(bits−1) for both signs (16-bit: k/32768). Our
 *    WAV reader does so itself. The FLAC decoder (@wasm-audio-decoders/flac 0.2.11, measured on
 *    files with known integers) gives k/(2^(bits−1) − 1) for 8/16/24-bit and k/2^31 for 32-bit;
 *    this undoes it. For up to 24 bits a float32 holds k/(2^(bits−1) − 1) closely enough that
 *    rounding v·(2^(bits−1) − 1) recovers k exactly, and k/2^(bits−1) is then exact in float32.
 *    A sample off the integer grid by more than float32 rounding allows means the package's
 *    scaling has changed: an internal error, not silently wrong features. Vorbis and MP3 have
 *    no integer samples to rescale.
 * 2. A FLAC or WAV that decodes to fewer samples than its header declares (a truncated download,
 *    a corrupt frame) is refused rather than used in part: training on a silently shortened
 *    recording would not be the experiment the user asked for. (torchaudio, sox and libsndfile
 *    decode what is there instead, sox with a warning.) One lie is benign and decoded as those
 *    tools do: a WAV whose data chunk claims more bytes than the file holds while its RIFF size
 *    says the file is complete. Vorbis and MP3 declare no reliable length, so only a decode to
 *    zero samples is caught.
 * 3. Every failure the user can fix is a one-line UsageError naming the file; no library
 *    exception or stack trace escapes.
 */
import { UsageError } from '../errors.js';
import { createPieceDecoder, type DecodedPiece } from './codecs.js';
import { checkSampleRate, readContainer, type AudioFormat, type Container } from './container.js';
import { openFileSource } from './file-source.js';
import { displayName, oneLine } from './messages.js';
import { bytesSource, pieces, type ByteSource } from './source.js';
import { createWavReader } from './wav.js';

export type { AudioFormat } from './container.js';
export { SUPPORTED_FORMATS } from './messages.js';

/** What is known about a recording once its first samples are decoded. */
export interface AudioInfo {
  sampleRate: number; // Hz
  channels: number;
  bitDepth?: number; // integer PCM bits per sample, when the container says
  format: AudioFormat;
  /** Samples per channel the header declares (FLAC, WAV), when it does. */
  declaredSamples?: number;
}

export interface DecodedAudio extends Omit<AudioInfo, 'channels' | 'declaredSamples'> {
  channels: Float32Array[]; // one per channel, (S) each
}

/** Where decoded samples go: `start` once, before the first samples; then `samples` per piece. */
export interface AudioSink {
  start(info: AudioInfo): void;
  samples(channels: Float32Array[]): void;
}

/**
 * Decodes a source into a sink, piece by piece. Resolves with the recording's facts and its
 * length once the whole file is decoded and checked; every problem the user can fix is a
 * UsageError (and may come after the sink has had some samples).
 */
export async function decodeSource(source: ByteSource, sink: AudioSink): Promise<AudioInfo & { samplesPerChannel: number }> {
  const name = displayName(source.name);
  const container = await readContainer(source, name);
  let info: AudioInfo | undefined;
  let frames = 0;
  let reported: string | undefined; // the first problem a decoder reported

  const deliver = (piece: DecodedPiece): void => {
    if (piece.error !== undefined) reported ??= piece.error;
    const data = piece.channels;
    if (data.length === 0 || data[0].length === 0) return;
    const n = data[0].length;
    if (data.some((ch) => ch.length !== n)) {
      throw new UsageError(`${name}: the channels decode to different lengths — the ${container.label} file is corrupt`);
    }
    if (info === undefined) {
      checkSampleRate(piece.sampleRate, container.label, name);
      info = { sampleRate: piece.sampleRate, channels: container.channels ?? data.length, format: container.format };
      if (container.bitDepth !== undefined) info.bitDepth = container.bitDepth;
      if (container.declaredFrames !== undefined) info.declaredSamples = container.declaredFrames;
      if (container.format === 'flac' || container.format === 'ogg-flac') checkFlacBitDepth(data[0], container, name);
      sink.start(info);
    }
    for (const ch of data) {
      const offGrid = rescale(ch, container);
      if (offGrid === 'non-finite') {
        throw new UsageError(`${name}: the ${container.label} data decodes to NaN or infinite samples — the file is corrupt`);
      }
      if (offGrid > gridTolerance(container.bitDepth ?? 0)) {
        throw new Error(
          `${name}: @wasm-audio-decoders/flac no longer scales ${container.bitDepth}-bit samples as measured ` +
            `(a sample is ${offGrid} off the integer grid); pin the version package.json names`,
        );
      }
    }
    frames += n;
    // A piece with fewer channels than the header promises repeats its first, as decoders merge.
    const width = info.channels;
    sink.samples(Array.from({ length: width }, (_, c) => data[c] ?? data[0]));
  };

  if (container.format === 'wav') {
    const reader = createWavReader(container.wav!);
    for await (const bytes of pieces(source, container.dataStart, container.dataEnd)) {
      deliver({ channels: reader.push(bytes), sampleRate: container.wav!.rate });
    }
  } else {
    const decoder = await createPieceDecoder(container.format);
    try {
      for await (const bytes of pieces(source, container.dataStart, container.dataEnd)) {
        deliver(await decoder.push(bytes));
        if (decoder.stopped) break;
      }
      if (!decoder.stopped) deliver(await decoder.flush());
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`${name}: cannot decode this ${container.label} file (${oneLine(err)}) — it may be corrupt or truncated`);
    } finally {
      decoder.free();
    }
  }

  const said = reported !== undefined ? ` (the decoder reported: ${oneLine(reported)})` : '';
  if (container.declaredFrames !== undefined && frames < container.declaredFrames) {
    throw new UsageError(
      `${name}: the ${container.label} data ends early (decoded ${frames} of the ${container.declaredFrames} ` +
        `samples per channel its header declares)${said} — the file is truncated or corrupt; use a complete copy`,
    );
  }
  if (frames === 0 || info === undefined) {
    throw new UsageError(
      `${name}: the ${container.label} data decodes to zero samples${said} — the file is corrupt, truncated or holds no audio`,
    );
  }
  return { ...info, samplesPerChannel: frames };
}

/** Reads and decodes a whole audio file into memory. Every problem the user can fix is a UsageError. */
export async function decodeAudioFile(path: string): Promise<DecodedAudio> {
  const source = await openFileSource(path);
  try {
    return await gather(source);
  } finally {
    await source.close();
  }
}

/** Decodes the bytes of an audio file; `nameForErrors` is what messages call it (usually its path). */
export async function decodeAudioBytes(bytes: Uint8Array, nameForErrors: string): Promise<DecodedAudio> {
  return gather(bytesSource(bytes, nameForErrors));
}

async function gather(source: ByteSource): Promise<DecodedAudio> {
  const parts: Float32Array[][] = [];
  const info = await decodeSource(source, { start() {}, samples: (channels) => parts.push(channels) });
  const channels = Array.from({ length: info.channels }, (_, c) => {
    const joined = new Float32Array(info.samplesPerChannel);
    let at = 0;
    for (const p of parts) {
      joined.set(p[c], at);
      at += p[c].length;
    }
    return joined;
  });
  const out: DecodedAudio = { sampleRate: info.sampleRate, channels, format: info.format };
  if (info.bitDepth !== undefined) out.bitDepth = info.bitDepth;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Undoing the FLAC decoder's scaling

/**
 * Rescales one FLAC channel in place from k/(2^(bits−1) − 1) to k/2^(bits−1) and returns how
 * far the worst sample was from that grid (0 when exact), or 'non-finite' if a sample is NaN or
 * ±Inf. Other formats are only checked for non-finite samples.
 */
function rescale(x: Float32Array, container: Container): number | 'non-finite' {
  const n = x.length;
  const flac = container.format === 'flac' || container.format === 'ogg-flac';
  const bits = container.bitDepth ?? 0;
  // A NaN or ±Infinity sample makes this sum non-finite; checking it once keeps the loops lean.
  let sum = 0;
  if (!flac || bits > 24) {
    // 32-bit FLAC is k/2^31 already (measured).
    for (let i = 0; i < n; i++) sum += x[i];
    return Number.isFinite(sum) ? 0 : 'non-finite';
  }
  const full = 2 ** (bits - 1); // 32768 for 16-bit
  const lib = full - 1; // what the decoder divided by
  const inv = 1 / full; // a power of two: k·inv is exactly k/full
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const y = x[i] * lib;
    const k = Math.round(y);
    sum += k;
    const d = y - k;
    if (d > worst) worst = d;
    else if (-d > worst) worst = -d;
    x[i] = k * inv;
  }
  return Number.isFinite(sum) ? worst : 'non-finite';
}

/**
 * FLAC frames carry their own bit depth, and the decoder scales by it. When STREAMINFO's depth
 * disagrees (a corrupt header), the samples sit on another depth's grid; that is the file's
 * fault, not a change in the decoder's scaling, and is said so. Checks the first 65,536
 * samples of the first piece, before rescaling touches them.
 */
function checkFlacBitDepth(x: Float32Array, container: Container, name: string): void {
  const declared = container.bitDepth ?? 0;
  if (declared > 24) return;
  const probe = x.subarray(0, 65536);
  const offGrid = (bits: number): number => {
    const lib = 2 ** (bits - 1) - 1;
    let worst = 0;
    for (let i = 0; i < probe.length; i++) worst = Math.max(worst, Math.abs(probe[i] * lib - Math.round(probe[i] * lib)));
    return worst;
  };
  if (!(offGrid(declared) > gridTolerance(declared))) return; // on the grid (or NaN, caught later)
  const actual = [8, 16, 24].find((bits) => bits !== declared && offGrid(bits) <= gridTolerance(bits));
  if (actual !== undefined) {
    throw new UsageError(
      `${name}: the ${container.label} header (STREAMINFO) says ${declared}-bit samples but its frames hold ` +
        `${actual}-bit ones — the file is corrupt`,
    );
  }
}

/**
 * Float32 rounding of k/(2^(bits−1) − 1) (|v| < 1) moves v·(2^(bits−1) − 1) by at most
 * 2^(bits−26); half as much again is the most a sample may sit off the grid before the scaling
 * is not what we measured. (24-bit: 0.375 of a step; 16-bit: 0.0015.)
 */
function gridTolerance(bits: number): number {
  return bits > 24 || bits === 0 ? Infinity : 1.5 * 2 ** (bits - 26);
}
