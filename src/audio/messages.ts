/** Pieces of the one-line messages that decoding gives. */

/** What the error messages list as supported. */
export const SUPPORTED_FORMATS =
  'FLAC (8/16/24/32-bit), WAV (8/16/24/32-bit integer or float), OGG/Vorbis and MP3';

/** A path as it appears in messages: control characters escaped so the message stays one line. */
export function displayName(path: string): string {
  return path.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** A library error or message as one short line (whitespace, newlines included, collapsed). */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.replace(/\s+/g, ' ').trim() || 'unknown error';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
