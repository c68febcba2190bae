import { fileURLToPath } from 'node:url';
import { decodeAudioFile } from './decode.js';
import { mfcc } from './mfcc.js';
import { standardize, type Normalization } from './standardize.js';

/** The recording `audiopred train` uses when given none (see examples/audio/README.md). */
export const EXAMPLE_AUDIO = fileURLToPath(new URL('../../../examples/audio/second-inaugural.flac', import.meta.url));

/** The bundled recordings `audiopred compare` uses when given none: speech, music, a soundscape. */
export const EXAMPLE_RECORDINGS = [
  EXAMPLE_AUDIO,
  fileURLToPath(new URL('../../../examples/audio/bach-prelude.flac', import.meta.url)),
  fileURLToPath(new URL('../../../examples/audio/rain-and-thunder.flac', import.meta.url)),
];

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
 * Audio file → MFCC (torchaudio's, channels averaged) → standardised
 * features, time-major. `stage: 'mfcc'` stops before standardisation.
 */
export async function loadFeatures(
  path: string,
  normalize: Normalization,
  stage: FeatureStage = 'standardized',
): Promise<Features> {
  const audio = await decodeAudioFile(path);
  const m = mfcc(audio.channels, audio.sampleRate, {}, path);
  const data = stage === 'mfcc' ? m.data : standardize(m.data, m.frames, m.coefficients, normalize);
  // Finite samples give finite MFCCs (the dB floor) and standardisation never divides by 0, so a
  // NaN here is a bug in audiopred, not in the file; training on it would fail far from the cause.
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new Error(`${path}: internal error: feature value ${data[i]} at index ${i}`);
  }
  return {
    data,
    frames: m.frames,
    coefficients: m.coefficients,
    sampleRate: audio.sampleRate,
    channels: audio.channels.length,
    seconds: audio.channels[0].length / audio.sampleRate,
  };
}
