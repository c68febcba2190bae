/**
 * Where the bytes of a recording come from: a file on disk, bytes in memory (a test, or a
 * browser page's File read into an ArrayBuffer). Decoding reads the header where it needs to
 * and then the audio data in pieces, front to back, so that no more than a piece of the file
 * is held at a time. This module has no Node imports; the file adapter is file-source.ts.
 */

export interface ByteSource {
  /** What messages call the recording (usually its path). */
  readonly name: string;
  /** Its length in bytes. */
  readonly size: number;
  /** Up to `length` bytes from byte `at`; fewer only where the source ends. */
  read(at: number, length: number): Promise<Uint8Array>;
}

/**
 * How much is read at a time: large enough that a read costs little, small against the audio.
 * A piece's decoded samples pass through the decoder's buffers two or three times over; with
 * 4 MB pieces that was 90 MB more peak memory on an hour of stereo FLAC than with 1 MB, for no
 * measurable gain in time.
 */
export const PIECE_BYTES = 1 << 20;

/** A source over bytes already in memory. */
export function bytesSource(bytes: Uint8Array, name: string): ByteSource {
  // A plain Uint8Array view, not a Node Buffer, so that slice() copies.
  const b = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    name,
    size: b.length,
    read: async (at, length) => b.subarray(Math.min(at, b.length), Math.min(at + length, b.length)),
  };
}

/** Bytes [from, to) of a source, in pieces of about `size` bytes. */
export async function* pieces(source: ByteSource, from: number, to: number, size = PIECE_BYTES): AsyncGenerator<Uint8Array> {
  for (let at = from; at < to; ) {
    const piece = await source.read(at, Math.min(size, to - at));
    if (piece.length === 0) return;
    yield piece;
    at += piece.length;
  }
}
