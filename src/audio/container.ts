/**
 * What a recording's header says, read before any audio is decoded: the container (FLAC, Ogg
 * FLAC, WAV, OGG/Vorbis, MP3) from the first bytes, and for FLAC and WAV the bit depth, the
 * channels and the length the file declares, and where the audio data lies. Every header the
 * user can fix is refused here with a one-line UsageError naming the file.
 */
import { UsageError } from '../errors.js';
import { SUPPORTED_FORMATS } from './messages.js';
import type { ByteSource } from './source.js';

export type AudioFormat = 'flac' | 'ogg-flac' | 'wav' | 'ogg-vorbis' | 'mp3';

/** What a WAV `fmt ` chunk says. */
export interface WavFormat {
  tag: number; // encoding: 1 integer PCM, 3 float, 6 A-law, 7 µ-law, 2 MS ADPCM, 0x11 IMA ADPCM
  channels: number;
  rate: number; // Hz
  blockAlign: number; // bytes per sample frame (all channels), or per ADPCM block
  bits: number;
}

export interface Container {
  format: AudioFormat;
  label: string; // for messages: 'FLAC', 'WAV', …
  bitDepth?: number; // integer PCM bits per sample, when the header says
  declaredFrames?: number; // samples per channel the header promises, when it does
  channels?: number; // channels the header promises, when it does
  /** The bytes the decoder reads: FLAC frames, the WAV data chunk, the whole Ogg or MP3 file. */
  dataStart: number;
  dataEnd: number;
  wav?: WavFormat;
}

/** How much of the file is read to recognise it; headers further in are read where they are. */
const HEAD_BYTES = 1 << 16;

/** Reads the header of `source`; `name` is what messages call it. */
export async function readContainer(source: ByteSource, name: string): Promise<Container> {
  if (source.size === 0) throw new UsageError(`${name} is empty (0 bytes) — give the path of an audio file`);
  const b = await source.read(0, HEAD_BYTES);
  const size = source.size;
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WAVE') return readWav(source, b, name);
  const id3 = id3Length(b);
  const atId3 = id3 === 0 ? b : await source.read(id3, 64);
  if (ascii(atId3, 0, 4) === 'fLaC') {
    const info = readStreamInfo(atId3, 4, 'flac', name);
    return { ...info, dataStart: await flacFramesStart(source, id3 + 4), dataEnd: size };
  }
  if (ascii(b, 0, 4) === 'OggS') return { ...readOgg(b, name), dataStart: 0, dataEnd: size };
  if (id3 > 0 || isMpegSync(b, 0)) return { format: 'mp3', label: 'MP3', dataStart: 0, dataEnd: size };
  if (size < 16) {
    throw new UsageError(`${name} is only ${size} byte${size === 1 ? '' : 's'} long, too short to be an audio file — it is truncated or not audio`);
  }
  const known = recogniseUnsupported(b);
  throw new UsageError(
    known
      ? `${name} is ${known}, which is not supported — supported formats are ${SUPPORTED_FORMATS}`
      : `${name} is not a recognised audio file (no FLAC, WAV, OGG or MP3 header) — supported formats are ${SUPPORTED_FORMATS}`,
  );
}

/** FLAC STREAMINFO starts `at` (the byte after 'fLaC'): block header, then 34 bytes. */
function readStreamInfo(b: Uint8Array, at: number, format: 'flac' | 'ogg-flac', name: string): Omit<Container, 'dataStart' | 'dataEnd'> {
  const label = format === 'flac' ? 'FLAC' : 'Ogg FLAC';
  const type = b[at] & 0x7f;
  const length = (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
  const s = at + 4; // STREAMINFO body
  if (b.length < s + 34 || type !== 0 || length < 34) {
    throw new UsageError(`${name}: the ${label} header (STREAMINFO) is missing or cut short — the file is corrupt`);
  }
  // Bytes 10..17 of STREAMINFO: rate (20 bits), channels − 1 (3), bits − 1 (5), total samples (36).
  const sampleRate = (b[s + 10] << 12) | (b[s + 11] << 4) | (b[s + 12] >> 4);
  const channels = ((b[s + 12] >> 1) & 7) + 1;
  const bits = (((b[s + 12] & 1) << 4) | (b[s + 13] >> 4)) + 1;
  const total = (b[s + 13] & 0x0f) * 2 ** 32 + ((b[s + 14] << 24) >>> 0) + (b[s + 15] << 16) + (b[s + 16] << 8) + b[s + 17];
  checkSampleRate(sampleRate, label, name);
  if (bits !== 8 && bits !== 16 && bits !== 24 && bits !== 32) {
    // The decoder turns other depths into NaN and ±Infinity (measured), so they are refused.
    throw new UsageError(
      `${name}: ${bits}-bit ${label} is not supported by the decoder — re-encode it as 16- or 24-bit ` +
        `(e.g. sox IN.flac -b 24 OUT.flac)`,
    );
  }
  const container: Omit<Container, 'dataStart' | 'dataEnd'> = { format, label, bitDepth: bits, channels };
  if (total > 0) container.declaredFrames = total; // 0 means "unknown" in FLAC
  return container;
}

/**
 * Where a native FLAC's frames begin: after the metadata blocks that start at `at`. Metadata
 * cut short means no frames at all (the length check then says how many samples are missing).
 */
async function flacFramesStart(source: ByteSource, at: number): Promise<number> {
  for (;;) {
    const h = await source.read(at, 4);
    if (h.length < 4) return source.size;
    at += 4 + ((h[1] << 16) | (h[2] << 8) | h[3]);
    if (at >= source.size) return source.size;
    if (h[0] & 0x80) return at; // the last metadata block
  }
}

/** Sample rates outside this range are not audio: the header is corrupt. */
const MIN_SAMPLE_RATE = 1000; // Hz
const MAX_SAMPLE_RATE = 1_000_000; // Hz; FLAC stops at 655,350, the fastest audio converters at 768,000

export function checkSampleRate(rate: number, label: string, name: string): void {
  if (!(Number.isInteger(rate) && rate >= MIN_SAMPLE_RATE && rate <= MAX_SAMPLE_RATE)) {
    throw new UsageError(
      `${name}: the ${label} header gives sample rate ${rate} Hz, which no audio has ` +
        `(audiopred takes 1 kHz to 1 MHz) — the file is corrupt`,
    );
  }
}

/** Walks the RIFF chunks to `fmt ` and `data`, reading each chunk header where it lies. */
async function readWav(source: ByteSource, head: Uint8Array, name: string): Promise<Container> {
  const size = source.size;
  const riffSize = u32(head, 4);
  let fmt: WavFormat | undefined;
  for (let pos = 12; pos + 8 <= size; ) {
    const h = pos + 64 <= head.length || head.length === size ? head.subarray(pos, pos + 64) : await source.read(pos, 64);
    const id = ascii(h, 0, 4);
    const chunkSize = u32(h, 4);
    if (id === 'fmt ') {
      if (pos + 24 > size) break;
      let tag = u16(h, 8);
      if (tag === 0xfffe) {
        // EXTENSIBLE: the encoding is the first two bytes of the SubFormat GUID, 24 bytes on.
        if (chunkSize < 40 || pos + 34 > size) {
          throw new UsageError(`${name}: the WAV header is corrupt (an EXTENSIBLE fmt chunk of ${chunkSize} bytes; it needs 40)`);
        }
        tag = u16(h, 32);
      }
      fmt = { tag, channels: u16(h, 10), rate: u32(h, 12), blockAlign: u16(h, 20), bits: u16(h, 22) };
      if (tag === 2 || tag === 0x11) checkAdpcm(h, size - pos, chunkSize, fmt, name);
    } else if (id === 'data') {
      if (!fmt) break;
      const dataStart = pos + 8;
      const container = wavContainer(fmt, name);
      const held = Math.max(0, size - dataStart);
      checkWavLength(fmt, { riffSize, dataSize: chunkSize, held, fileSize: size }, name);
      // Streaming writers that cannot seek back leave a placeholder length: 0, 0xFFFFFFFF or
      // just under 2 GiB. Those say nothing; the data then runs to the end of the file.
      const bytes = isRealWavSize(chunkSize) ? Math.min(chunkSize, held) : held;
      return { ...container, wav: fmt, dataStart, dataEnd: dataStart + bytes, declaredFrames: Math.floor(bytes / fmt.blockAlign) };
    }
    pos += 8 + chunkSize + (chunkSize & 1); // chunks are padded to even length
  }
  throw new UsageError(`${name}: the WAV header has no ${fmt ? 'data' : 'fmt'} chunk — the file is corrupt or truncated`);
}

/**
 * Checks an ADPCM header's samples per block (the fmt extension's value, or what the block size
 * implies) against what a block of that size can hold, so that a corrupt one is called corrupt
 * rather than merely unsupported. `h` holds the chunk from its header on; `left`, the bytes of
 * the file from there.
 */
function checkAdpcm(h: Uint8Array, left: number, size: number, fmt: WavFormat, name: string): void {
  const ima = fmt.tag === 0x11;
  const label = ima ? 'IMA ADPCM' : 'MS ADPCM';
  if (size < 20 || left < 28) {
    throw new UsageError(`${name}: the ${label} WAV header is corrupt (a fmt chunk of ${size} bytes; it needs at least 20)`);
  }
  const C = fmt.channels;
  const headerBytes = (ima ? 4 : 7) * C; // per block: each channel's predictor and step
  const most = C === 0 || fmt.blockAlign < headerBytes ? 0 : (ima ? 1 : 2) + ((fmt.blockAlign - headerBytes) * 2) / C;
  const cbSize = u16(h, 24);
  const spb = (cbSize >= 2 ? u16(h, 26) : 0) || most;
  // MS ADPCM: the count of predictor coefficient pairs, then the pairs, 4 bytes each, inside the chunk.
  const count = !ima && cbSize >= 4 ? (left >= 30 ? u16(h, 28) : Infinity) : 0;
  const coefficientsFit = 30 + 4 * count <= Math.min(8 + size, left);
  if (!(Number.isInteger(spb) && spb >= (ima ? 1 : 2) && spb <= most) || !coefficientsFit) {
    throw new UsageError(
      `${name}: the ${label} WAV header is inconsistent (${C} channels, ${fmt.blockAlign}-byte blocks, ` +
        `${spb} samples per block) — the file is corrupt`,
    );
  }
  throw new UsageError(
    `${name}: ${label} WAV is not supported — convert it to 16-bit PCM, e.g. sox IN.wav -b 16 OUT.wav`,
  );
}

function wavContainer(fmt: WavFormat, name: string): Omit<Container, 'dataStart' | 'dataEnd'> {
  const { tag, channels: C, bits, blockAlign } = fmt;
  if (C === 0) throw new UsageError(`${name}: the WAV header gives 0 channels — the file is corrupt`);
  checkSampleRate(fmt.rate, 'WAV', name);
  const container: Omit<Container, 'dataStart' | 'dataEnd'> = { format: 'wav', label: 'WAV', channels: C };
  if (tag === 1) {
    if (bits === 0 || bits > 32) throw new UsageError(`${name}: the WAV header gives ${bits} bits per sample — the file is corrupt`);
    if (bits % 8 !== 0) {
      // libsndfile reads these (as 16/24-bit containers); torchaudio and sox refuse them, and so do we.
      throw new UsageError(
        `${name}: ${bits}-bit integer WAV is not supported (nor by torchaudio or sox) — convert it to ` +
          '16- or 24-bit with a tool that reads it, e.g. sndfile-convert -pcm16 IN.wav OUT.wav',
      );
    }
    container.bitDepth = bits;
  } else if (tag === 3) {
    if (bits !== 32 && bits !== 64) {
      throw new UsageError(`${name}: ${bits}-bit float WAV is not supported — use 32-bit float or 16/24-bit integer`);
    }
  } else if (tag === 6 || tag === 7) {
    if (bits !== 8) throw new UsageError(`${name}: the WAV header gives ${bits}-bit ${tag === 6 ? 'A' : 'µ'}-law (it is 8-bit) — the file is corrupt`);
  } else {
    throw new UsageError(
      `${name}: WAV encoding 0x${tag.toString(16)} is not supported — use integer PCM or float (e.g. sox IN.wav -b 16 OUT.wav)`,
    );
  }
  if (blockAlign !== (C * bits) / 8) {
    // The samples are read a block at a time: a wrong block size would scramble every sample.
    throw new UsageError(
      `${name}: the WAV header contradicts itself: a frame of ${C} × ${bits}-bit samples is ${(C * bits) / 8} bytes, ` +
        `but its block size says ${blockAlign} — the file is corrupt`,
    );
  }
  return container;
}

function isRealWavSize(size: number): boolean {
  return size > 0 && size < 0x7ffff000;
}

/**
 * A data chunk that runs past the end of the file. If the RIFF size also promises more than
 * the file holds, the file has lost its tail (a truncated copy): refused, as a truncated FLAC
 * is. If the RIFF size says the file is complete, only the data size lies (a writer's bug):
 * what is there is decoded, as torchaudio, sox and libsndfile all do.
 */
function checkWavLength(fmt: WavFormat, at: { riffSize: number; dataSize: number; held: number; fileSize: number }, name: string): void {
  if (!isRealWavSize(at.dataSize) || at.dataSize <= at.held) return;
  const riffComplete = isRealWavSize(at.riffSize) && at.riffSize + 8 <= at.fileSize;
  if (riffComplete) return;
  throw new UsageError(
    `${name}: the WAV data ends early (the file holds ${Math.floor(at.held / fmt.blockAlign)} of the ` +
      `${Math.floor(at.dataSize / fmt.blockAlign)} samples per channel its header declares) — the file is truncated; ` +
      'use a complete copy, or keep the part that is there by rewriting it with sox IN.wav OUT.wav',
  );
}

/** The first packet of an Ogg stream tells the codec: Vorbis, FLAC (mapping 1.0) or something else. */
function readOgg(b: Uint8Array, name: string): Omit<Container, 'dataStart' | 'dataEnd'> {
  const segments = b.length > 26 ? b[26] : 0;
  const packet = 27 + segments;
  if (b[packet] === 0x01 && ascii(b, packet + 1, 6) === 'vorbis') return { format: 'ogg-vorbis', label: 'OGG/Vorbis' };
  if (b[packet] === 0x7f && ascii(b, packet + 1, 4) === 'FLAC' && ascii(b, packet + 9, 4) === 'fLaC') {
    return readStreamInfo(b, packet + 13, 'ogg-flac', name);
  }
  if (ascii(b, packet, 8) === 'OpusHead') {
    throw new UsageError(`${name} is Ogg Opus, which is not supported — supported formats are ${SUPPORTED_FORMATS}`);
  }
  throw new UsageError(
    `${name}: an Ogg file without a Vorbis or FLAC stream (or its first page is corrupt) — supported formats are ${SUPPORTED_FORMATS}`,
  );
}

/** Length of a leading ID3v2 tag (10-byte header + synchsafe size + optional footer), or 0. */
function id3Length(b: Uint8Array): number {
  if (b.length < 10 || ascii(b, 0, 3) !== 'ID3') return 0;
  const size = ((b[6] & 0x7f) << 21) | ((b[7] & 0x7f) << 14) | ((b[8] & 0x7f) << 7) | (b[9] & 0x7f);
  return 10 + size + (b[5] & 0x10 ? 10 : 0);
}

/** An MPEG audio frame header: 11 sync bits, a valid version and a layer that is not 00 (that is AAC). */
function isMpegSync(b: Uint8Array, at: number): boolean {
  return b.length >= at + 2 && b[at] === 0xff && (b[at + 1] & 0xe0) === 0xe0 && (b[at + 1] & 0x18) !== 0x08 && (b[at + 1] & 0x06) !== 0;
}

/** Names a few common formats we don't take, so the message can say what the file is. */
function recogniseUnsupported(b: Uint8Array): string | undefined {
  const head = ascii(b, 0, 4);
  if (head === 'FORM' && (ascii(b, 8, 4) === 'AIFF' || ascii(b, 8, 4) === 'AIFC')) return 'AIFF';
  if (ascii(b, 4, 4) === 'ftyp') return 'MP4/M4A';
  if (head === 'RF64' || head === 'RIFX') return `${head} (a WAV variant)`;
  if (head === 'RIFF') return `a RIFF ${JSON.stringify(ascii(b, 8, 4))} file, not WAVE`;
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return 'Matroska/WebM';
  if (b.length >= 2 && b[0] === 0xff && (b[1] & 0xf6) === 0xf0) return 'AAC (ADTS)';
  return undefined;
}

function ascii(b: Uint8Array, at: number, length: number): string {
  if (at < 0 || at + length > b.length) return '';
  return String.fromCharCode(...b.subarray(at, at + length));
}

function u16(b: Uint8Array, at: number): number {
  return at + 2 <= b.length ? b[at] | (b[at + 1] << 8) : 0;
}

function u32(b: Uint8Array, at: number): number {
  return at + 4 <= b.length ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0 : 0;
}
