import { decodeSource } from './decode.js';
import { openFileSource } from './file-source.js';
import type { MfccBackend } from './mfcc.js';
import { createMfccAccumulator, type MfccAccumulator } from './mfcc-stream.js';
import type { ByteSource } from './source.js';
import { standardize, type Normalization } from './standardize.js';

export { EXAMPLE_AUDIO, EXAMPLE_RECORDINGS } from '../examples.js';

export type FeatureStage = 'mfcc' | 'standardized';

export interface Features {
  readonly data: Float32Array; // (frames, F), time-major
  readonly frames: number;
  readonly coefficients: number; // F
  readonly sampleRate: number;
  readonly channels: number;
  readonly seconds: number; // duration of the decoded audio
}

/**
 * Audio file → MFCC (torchaudio's, channels averaged) → standardised features, time-major.
 * `stage: 'mfcc'` stops before standardisation. The file is decoded and turned into MFCC frames
 * piece by piece (src/audio/mfcc-stream.ts): memory grows with the frames, not the samples.
 */
export async function loadFeatures(
  path: string,
  normalize: Normalization,
  stage: FeatureStage = 'standardized',
): Promise<Features> {
  const source = await openFileSource(path);
  try {
    return await sourceFeatures(source, normalize, stage);
  } finally {
    await source.close();
  }
}

/**
 * Past this many bytes of per-channel mel dB values (about 24 minutes of 44.1 kHz stereo), the
 * file is decoded twice instead: once for the loudest value that the top_db clamp needs, once
 * to turn each block of frames into MFCCs as it comes (src/audio/mfcc-stream.ts). Twice the
 * decoding time, and memory that grows with the 12 coefficients per frame instead of 40 dB
 * values per channel: an hour of stereo FLAC stays under 400 MB (scripts/inputs/one-hour.sh).
 */
export const FEATURE_LIMITS = { onePassDbBytes: 128 << 20 }; // tests shrink it

/**
 * The same from any source of bytes (a file, bytes in memory, a browser page's File read into
 * an ArrayBuffer and wrapped with bytesSource). `backend` 'plain' forces the TypeScript MFCC.
 */
export async function sourceFeatures(
  source: ByteSource,
  normalize: Normalization,
  stage: FeatureStage = 'standardized',
  backend?: MfccBackend,
): Promise<Features> {
  const pass = async (floor?: number) => {
    let acc: MfccAccumulator | undefined;
    const audio = await decodeSource(source, {
      start: (info) => {
        // A header's length is trusted for sizing only where the file could hold it.
        const expectedSamples = info.declaredSamples !== undefined && info.declaredSamples <= 64 * source.size ? info.declaredSamples : undefined;
        acc = createMfccAccumulator(info.channels, info.sampleRate, {}, source.name, {
          maxStoredBytes: FEATURE_LIMITS.onePassDbBytes, floor, backend, expectedSamples,
        });
      },
      samples: (channels) => acc!.push(channels),
    });
    return { audio, result: acc!.finish() };
  };
  let { audio, result } = await pass();
  if (!('data' in result)) ({ audio, result } = await pass(result.floor));
  if (!('data' in result)) throw new Error(`${source.name}: internal error: the second pass gave no MFCCs`);
  const m = result;
  const data = stage === 'mfcc' ? m.data : standardize(m.data, m.frames, m.coefficients, normalize);
  // Finite samples give finite MFCCs (the dB floor) and standardisation never divides by 0, so a
  // NaN here is a bug in audiopred, not in the file; training on it would fail far from the cause.
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new Error(`${source.name}: internal error: feature value ${data[i]} at index ${i}`);
  }
  return {
    data,
    frames: m.frames,
    coefficients: m.coefficients,
    sampleRate: audio.sampleRate,
    channels: audio.channels,
    seconds: audio.samplesPerChannel / audio.sampleRate,
  };
}
