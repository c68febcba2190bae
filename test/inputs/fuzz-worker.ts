/**
 * The worker test/inputs/fuzz.test.ts runs its cases in, so that a case that hangs (a decoder
 * stuck in a loop cannot be interrupted on its own thread) can be stopped by terminating the
 * worker. Each message in is { id, name, bytes }; each message out says how the decode → MFCC →
 * standardise path ended. Loaded as a plain module (node --test runs every file under
 * dist/test/), it does nothing.
 */
import { parentPort } from 'node:worker_threads';
import { decodeAudioBytes } from '../../src/audio/decode.js';
import { mfcc } from '../../src/audio/mfcc.js';
import { NORMALIZATIONS, standardize } from '../../src/audio/standardize.js';
import { UsageError } from '../../src/errors.js';

export interface FuzzCase {
  id: number;
  name: string;
  bytes: Uint8Array;
}

export type FuzzOutcome =
  | { id: number; kind: 'features'; frames: number; nonFinite: number; ms: number }
  | { id: number; kind: 'usage'; message: string; ms: number }
  | { id: number; kind: 'crash'; error: string; ms: number };

/** The library path the CLI takes (src/audio/features.ts), on bytes, with every normalisation. */
export async function runCase({ id, name, bytes }: FuzzCase): Promise<FuzzOutcome> {
  const start = performance.now();
  const ms = () => Math.round(performance.now() - start);
  try {
    const audio = await decodeAudioBytes(bytes, name);
    const m = mfcc(audio.channels, audio.sampleRate, {}, name);
    let nonFinite = m.data.filter((v) => !Number.isFinite(v)).length;
    for (const mode of NORMALIZATIONS) {
      nonFinite += standardize(m.data, m.frames, m.coefficients, mode).filter((v) => !Number.isFinite(v)).length;
    }
    return { id, kind: 'features', frames: m.frames, nonFinite, ms: ms() };
  } catch (err) {
    if (err instanceof UsageError) return { id, kind: 'usage', message: err.message, ms: ms() };
    return { id, kind: 'crash', error: err instanceof Error ? (err.stack ?? String(err)) : String(err), ms: ms() };
  }
}

if (parentPort !== null) {
  const port = parentPort;
  port.on('message', (c: FuzzCase) => {
    void runCase(c).then((outcome) => port.postMessage(outcome));
  });
}
