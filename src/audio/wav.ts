/**
 * WAV sample data → float samples per channel, scaled as torchaudio scales them. WAV is a
 * container, not a codec: the samples are stored as they are, interleaved, little-endian.
 *
 *   integer PCM, 16/24/32-bit signed:  k / 2^(bits−1), both signs (16-bit: k / 32768)
 *   integer PCM, 8-bit unsigned u:     (u − 128) / 128
 *   float, 32-bit:                     as stored; 64-bit: rounded to float32
 *   A-law, µ-law (8-bit G.711):        the ITU-T expansion to 16-bit, then k / 32768
 *
 * k / 2^(bits−1) is exact in float32 up to 24 bits; 32-bit k is rounded to the nearest float32,
 * as torchaudio's float32 output is. The reader is fed the data chunk in pieces of any length
 * and carries a partial sample frame from one piece to the next.
 */
import type { WavFormat } from './container.js';

export interface WavReader {
  /** The samples of the whole frames in `bytes` (and any carried over), one array per channel. */
  push(bytes: Uint8Array): Float32Array[];
}

export function createWavReader(fmt: WavFormat): WavReader {
  const C = fmt.channels;
  const width = fmt.blockAlign / C; // bytes per sample
  const read = sampleReader(fmt);
  let carry = new Uint8Array(0); // a partial frame from the previous piece
  return {
    push(piece) {
      let bytes = piece;
      if (carry.length > 0) {
        bytes = new Uint8Array(carry.length + piece.length);
        bytes.set(carry);
        bytes.set(piece, carry.length);
      }
      const frames = Math.floor(bytes.length / fmt.blockAlign);
      carry = bytes.slice(frames * fmt.blockAlign);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return Array.from({ length: C }, (_, c) => {
        const x = new Float32Array(frames); // (frames)
        for (let i = 0, p = c * width; i < frames; i++, p += fmt.blockAlign) x[i] = read(view, p);
        return x;
      });
    },
  };
}

/** One sample's value at byte p, for this format (the container has refused all others). */
function sampleReader(fmt: WavFormat): (view: DataView, p: number) => number {
  const { tag, bits } = fmt;
  if (tag === 3) return bits === 64 ? (v, p) => v.getFloat64(p, true) : (v, p) => v.getFloat32(p, true);
  if (tag === 6) return (v, p) => ALAW[v.getUint8(p)] / 32768;
  if (tag === 7) return (v, p) => ULAW[v.getUint8(p)] / 32768;
  switch (bits) {
    case 8:
      return (v, p) => (v.getUint8(p) - 128) / 128;
    case 16:
      return (v, p) => v.getInt16(p, true) / 32768;
    case 24:
      return (v, p) => ((v.getUint8(p) | (v.getUint8(p + 1) << 8) | (v.getInt8(p + 2) << 16)) / 8388608);
    default:
      return (v, p) => v.getInt32(p, true) / 2147483648;
  }
}

/** G.711 expansion tables (ITU-T): each 8-bit code's 16-bit linear value. */
const ALAW = new Int16Array(256);
const ULAW = new Int16Array(256);
for (let i = 0; i < 256; i++) {
  const a = i ^ 0x55;
  const aSeg = (a >> 4) & 7;
  let aVal = ((a & 0x0f) << 4) + 8;
  if (aSeg) aVal = (aVal + 256) << (aSeg - 1);
  ALAW[i] = a & 0x80 ? aVal : -aVal;

  const u = ~i & 0xff;
  const uVal = (((u & 0x0f) << 3) + 132) << ((u >> 4) & 7);
  ULAW[i] = u & 0x80 ? 132 - uVal : uVal - 132;
}
