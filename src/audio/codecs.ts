/**
 * The compressed formats, each through the decoder package we depend on directly, pinned to an
 * exact version in package.json (the scaling correction in decode.ts is measured on that
 * version): FLAC and Ogg FLAC through @wasm-audio-decoders/flac, OGG/Vorbis through
 * @wasm-audio-decoders/ogg-vorbis, MP3 through mpg123-decoder (libFLAC, libvorbis and mpg123
 * compiled to wasm). Every decoder here is fed the file's bytes in pieces and gives back the
 * samples of each piece, so nothing holds the whole recording.
 *
 * Native FLAC is cut into frames here rather than by the package's parser: each frame is
 * checked against its CRC-16 before libFLAC sees it. A frame that fails (a corrupt or cut file)
 * ends the decode there, and the length check in decode.ts says how much is missing; libFLAC
 * never receives the bad bytes, so it has nothing to print about them on the console.
 *
 * mpg123-decoder prints "mpg123-decoder: -1 MPG123_ERR" with console.error for every stretch of
 * MP3 data it cannot decode (MPEGDecoder.js, in decode()'s read loop), and 1.0.3 has no option
 * to stop it (nor has any later version we have read). The same errors come back in decode()'s
 * result, so its console is muted for the span of that synchronous call only (see `quietly`),
 * and what it reported goes on in our own words. MPG123_ERR alone does not mean audio was lost:
 * zero bytes padding a file's end or lying between its frames raise it while every frame still
 * decodes, so a reported error refuses the file only where nothing decodes (decode.ts).
 */
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { MPEGDecoder, type MPEGDecodedAudio } from 'mpg123-decoder';
import type { AudioFormat } from './container.js';

/** One piece's worth of decoded audio: one (S) array per channel. */
export interface DecodedPiece {
  channels: Float32Array[];
  sampleRate: number;
  /** What the decoder reported about a problem in this piece, if anything. */
  error?: string;
}

export interface PieceDecoder {
  push(piece: Uint8Array): Promise<DecodedPiece>;
  /** What is left once the last piece has been pushed. */
  flush(): Promise<DecodedPiece>;
  /** Set once the stream cannot be decoded further (a frame failed its CRC). */
  readonly stopped: boolean;
  free(): void;
}

interface LibraryOutput {
  channelData: Float32Array[];
  sampleRate: number;
  errors: { message: string }[];
}

function piece(out: LibraryOutput): DecodedPiece {
  const decoded: DecodedPiece = { channels: out.channelData, sampleRate: out.sampleRate };
  if (out.errors.length > 0) decoded.error = out.errors[0].message;
  return decoded;
}

/** An MP3 piece, with the decoder's "-1 MPG123_ERR" said as what it means here. */
function mpegPiece(out: MPEGDecodedAudio): DecodedPiece {
  const decoded: DecodedPiece = { channels: out.channelData, sampleRate: out.sampleRate };
  if (out.errors.length > 0) decoded.error = `undecodable MPEG data after sample ${out.errors[0].outputSamples}`;
  return decoded;
}

/**
 * Runs a synchronous decoder call with the console muted and puts it back afterwards, whatever
 * happens. No other code runs during a synchronous call, so only the library's own printing is
 * lost: its console.error line, and its wasm module's stdout and stderr (console.log, console.error).
 */
function quietly<T>(call: () => T): T {
  const { log, warn, error } = console;
  console.log = console.warn = console.error = () => {};
  try {
    return call();
  } finally {
    console.log = log;
    console.warn = warn;
    console.error = error;
  }
}

const NOTHING: DecodedPiece = { channels: [], sampleRate: 0 };

export async function createPieceDecoder(format: Exclude<AudioFormat, 'wav'>): Promise<PieceDecoder> {
  switch (format) {
    case 'flac': {
      const dec = new FLACDecoder();
      await dec.ready;
      const frames = createFlacFrames();
      let failed = false; // libFLAC rejected a frame that passed its CRC: stop there too
      const run = async (list: Uint8Array[]) => {
        if (list.length === 0) return NOTHING;
        const out = piece(await dec.decodeFrames(list));
        if (out.error !== undefined) failed = true;
        return out;
      };
      return {
        push: (bytes) => run(frames.push(bytes)),
        flush: () => run(frames.end()),
        get stopped() {
          return frames.broken || failed;
        },
        free: () => dec.free(),
      };
    }
    case 'ogg-flac':
    case 'ogg-vorbis': {
      const dec = format === 'ogg-flac' ? new FLACDecoder() : new OggVorbisDecoder();
      await dec.ready;
      return {
        push: async (bytes) => piece(await dec.decode(bytes)),
        flush: async () => piece(await dec.flush()),
        stopped: false,
        free: () => dec.free(),
      };
    }
    case 'mp3': {
      const dec = new MPEGDecoder();
      await dec.ready;
      return {
        push: async (bytes) => mpegPiece(quietly(() => dec.decode(bytes))),
        flush: async () => NOTHING, // mpg123 gives every frame as soon as it has it
        stopped: false,
        free: () => dec.free(),
      };
    }
  }
}

/** A FLAC frame is at most 65,535 samples × 8 channels × 32 bits plus headers: about 2 MB. */
const MAX_FRAME_BYTES = 3 << 20;
/** A frame header is at most 16 bytes; a possible header is judged only with all of it at hand. */
const HEADER_BYTES = 16;

/**
 * Cuts the frames of a native FLAC (the bytes after the metadata) out of pieces of any size. A
 * frame runs from a frame header to the next header at which the CRC-16 of the bytes between is
 * zero (a frame's CRC covers it all, the CRC itself included), so a false sync inside a frame's
 * data does not cut it. Bytes where no such cut comes within the largest frame FLAC allows are
 * corrupt: `broken` is set and nothing more is given.
 */
export function createFlacFrames(): { push(piece: Uint8Array): Uint8Array[]; end(): Uint8Array[]; readonly broken: boolean } {
  let buf = new Uint8Array(0);
  let start = -1; // where the current frame begins in buf, once a header is found
  let scan = 0; // bytes [start, scan) are in `crc`
  let crc = 0;
  let broken = false;

  function frames(final: boolean): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (broken) return out;
    const limit = final ? buf.length : buf.length - HEADER_BYTES;
    if (start < 0) {
      let p = 0;
      while (p < limit && !isFlacFrameHeader(buf, p)) p++;
      if (p >= limit) {
        buf = buf.subarray(p);
        return out;
      }
      start = scan = p;
      crc = 0;
    }
    for (; scan < limit; scan++) {
      if (crc === 0 && scan > start + 3 && buf[scan] === 0xff && isFlacFrameHeader(buf, scan)) {
        out.push(buf.subarray(start, scan));
        start = scan;
      }
      crc = CRC16[(crc >> 8) ^ buf[scan]] ^ ((crc << 8) & 0xffff);
    }
    if (final && start < buf.length && crc === 0) out.push(buf.subarray(start));
    if (scan - start > MAX_FRAME_BYTES) broken = true;
    buf = buf.subarray(start);
    scan -= start;
    start = 0;
    return out;
  }

  return {
    push(piece) {
      const joined = new Uint8Array(buf.length + piece.length);
      joined.set(buf);
      joined.set(piece, buf.length);
      buf = joined;
      return frames(false);
    },
    end: () => frames(true),
    get broken() {
      return broken;
    },
  };
}

const CRC16 = Uint16Array.from({ length: 256 }, (_, i) => {
  let c = i << 8;
  for (let k = 0; k < 8; k++) c = c & 0x8000 ? (c << 1) ^ 0x8005 : c << 1;
  return c & 0xffff;
});

/**
 * A FLAC frame header at p: the sync code 0xFFF8 or 0xFFF9, valid block size, rate and channel
 * codes, and the header's CRC-8.
 */
export function isFlacFrameHeader(b: Uint8Array, p: number): boolean {
  if (p + 5 > b.length || b[p] !== 0xff || (b[p + 1] & 0xfe) !== 0xf8) return false;
  const blockCode = b[p + 2] >> 4;
  const rateCode = b[p + 2] & 0x0f;
  if (blockCode === 0 || rateCode === 15 || b[p + 3] >> 4 > 10 || (b[p + 3] & 1) !== 0) return false;
  const c = b[p + 4]; // first byte of the UTF-8-coded frame or sample number
  const extra = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf8 ? 3 : c < 0xfc ? 4 : c < 0xfe ? 5 : 6;
  const end = p + 5 + extra + (blockCode === 6 ? 1 : blockCode === 7 ? 2 : 0) + (rateCode === 12 ? 1 : rateCode >= 13 ? 2 : 0);
  if (end >= b.length) return false;
  let crc = 0; // CRC-8, polynomial x^8 + x^2 + x + 1
  for (let i = p; i < end; i++) {
    crc ^= b[i];
    for (let k = 0; k < 8; k++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc === b[end];
}
