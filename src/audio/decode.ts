/**
 * Audio file → float samples, one Float32Array per channel, scaled as torchaudio scales them.
 *
 * Decoding itself is the `audio-decode` library's (FLAC, WAV, OGG/Vorbis, MP3). This file adds
 * what parity with the reference and clear errors need:
 *
 * 1. It recognises the container from its first bytes and reads the header (FLAC STREAMINFO, WAV
 *    `fmt `) for the bit depth and the declared length, before decoding.
 * 2. It undoes the library's integer scaling. torchaudio divides an integer sample k by
 *    2^(bits−1) for both signs (16-bit: k/32768). audio-decode 3.12 (`@audio/decode` 3.16) does
 *    not; measured on files with known integers:
 *      - FLAC 8/16/24-bit: k/(2^(bits−1) − 1) for both signs;
 *      - FLAC 32-bit: k/2^31 already (nothing to undo);
 *      - FLAC of any other bit depth (12, 20, …): NaN and ±Infinity, so those are refused;
 *      - WAV integer PCM 8/16/24/32-bit: negatives k/2^(bits−1), positives k/(2^(bits−1) − 1);
 *      - float WAV, A-law/µ-law/ADPCM WAV, Vorbis, MP3: no integer scaling to undo.
 *    For up to 24 bits a float32 holds k/(2^(bits−1) − 1) closely enough that rounding
 *    v·(2^(bits−1) − 1) recovers k exactly; the result k/2^(bits−1) is then exact in float32.
 *    32-bit WAV can't be recovered exactly (float32 has 24 bits): it is rescaled in float64 and
 *    lands within one float32 ulp of k/2^31. A sample that is off the integer grid by more than
 *    float32 rounding allows means the library's scaling has changed: that is an internal error,
 *    not silently wrong features.
 * 3. Every failure the user can fix is a one-line UsageError naming the file; no library
 *    exception or stack trace escapes.
 *
 * A FLAC or WAV that decodes to fewer samples than its header declares (a truncated download, a
 * corrupt frame: the FLAC decoder stops at the first bad frame) is refused rather than used in
 * part: training on a silently shortened recording would not be the experiment the user asked
 * for. Vorbis and MP3 declare no reliable length, so only a decode to zero samples is caught.
 */
import { readFile, stat } from 'node:fs/promises';
import decode, { type AudioData } from 'audio-decode';
import { UsageError } from '../errors.js';

export interface DecodedAudio {
  sampleRate: number; // Hz
  channels: Float32Array[]; // one per channel, (S) each
  bitDepth?: number; // integer PCM bits per sample, when the container says
  format: AudioFormat;
}

export type AudioFormat = 'flac' | 'ogg-flac' | 'wav' | 'ogg-vorbis' | 'mp3';

/** What the error messages list as supported. */
export const SUPPORTED_FORMATS =
  'FLAC (8/16/24/32-bit), WAV (8/16/24/32-bit integer or float), OGG/Vorbis and MP3';

/** How the library scaled integer samples, per the measurements above. */
type Scaling =
  | 'none' // already k/2^(bits−1), or not integer PCM at all
  | 'symmetric' // k/(2^(bits−1) − 1) for both signs
  | 'positive'; // k/(2^(bits−1) − 1) for k > 0, k/2^(bits−1) for k < 0

/** What the header says, before decoding. */
interface Container {
  format: AudioFormat;
  decoder: 'flac' | 'wav' | 'oga' | 'mp3'; // the audio-decode format decoder to run
  label: string; // for messages: 'FLAC', 'WAV', …
  bitDepth?: number;
  scaling: Scaling;
  declaredFrames?: number; // samples per channel the header promises, when it does
  start?: number; // where the decoder's input begins (after an ID3v2 tag on a FLAC file)
}

/** Reads and decodes an audio file. Every problem the user can fix is a UsageError. */
export async function decodeAudioFile(path: string): Promise<DecodedAudio> {
  const name = displayName(path);
  let bytes: Uint8Array;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new UsageError(`${name} is a directory — give the path of an audio file`);
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(readErrorMessage(err, name));
  }
  return decodeAudioBytes(bytes, path);
}

/** Decodes the bytes of an audio file; `nameForErrors` is what messages call it (usually its path). */
export async function decodeAudioBytes(bytes: Uint8Array, nameForErrors: string): Promise<DecodedAudio> {
  const name = displayName(nameForErrors);
  // A plain Uint8Array view, not a Node Buffer: Buffer#slice does not copy, and the WAV decoder
  // relies on slice() copying to realign sample data that starts at an odd offset.
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length === 0) throw new UsageError(`${name} is empty (0 bytes) — give the path of an audio file`);
  const container = readContainer(bytes, name);

  const { audio: decoded, error, diagnostics } = await runDecoder(container.decoder, bytes.subarray(container.start ?? 0));
  // What the decoder printed about the first problem, if anything, for the messages below.
  const said = diagnostics.length > 0 ? ` (the decoder reported: ${oneLine(diagnostics[0])})` : '';
  if (decoded === undefined) {
    throw new UsageError(
      `${name}: cannot decode this ${container.label} file (${oneLine(error)}) — it may be corrupt or truncated`,
    );
  }

  const channels = decoded.channelData;
  const frames = channels.length > 0 ? channels[0].length : 0;
  if (frames === 0) {
    throw new UsageError(
      `${name}: the ${container.label} data decodes to zero samples${said} — the file is corrupt, truncated or holds no audio`,
    );
  }
  if (channels.some((ch) => ch.length !== frames)) {
    throw new UsageError(`${name}: the channels decode to different lengths — the ${container.label} file is corrupt`);
  }
  if (container.declaredFrames !== undefined && frames < container.declaredFrames) {
    throw new UsageError(
      `${name}: the ${container.label} data ends early (decoded ${frames} of the ${container.declaredFrames} ` +
        `samples per channel its header declares)${said} — the file is truncated or corrupt; use a complete copy`,
    );
  }
  const sampleRate = decoded.sampleRate;
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new UsageError(`${name}: the ${container.label} header gives sample rate ${sampleRate} — the file is corrupt`);
  }

  for (const ch of channels) {
    const offGrid = rescale(ch, container.scaling, container.bitDepth ?? 0);
    if (offGrid === 'non-finite') {
      throw new UsageError(`${name}: the ${container.label} data decodes to NaN or infinite samples — the file is corrupt`);
    }
    if (offGrid > gridTolerance(container.bitDepth ?? 0)) {
      throw new Error(
        `${name}: audio-decode no longer scales ${container.bitDepth}-bit ${container.label} samples as ` +
          `measured (a sample is ${offGrid} off the integer grid); pin audio-decode 3.12.0 with @audio/decode 3.16`,
      );
    }
  }

  const out: DecodedAudio = { sampleRate, channels, format: container.format };
  if (container.bitDepth !== undefined) out.bitDepth = container.bitDepth;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Running the library

/**
 * Whole-file decode with one format decoder: feed everything, then flush, then join the parts.
 * The wasm decoders print what goes wrong on corrupt data (console.error, several lines each);
 * while they run, console output is captured instead and returned as `diagnostics`, so the user
 * sees one clear line from us rather than library noise.
 */
async function runDecoder(
  format: Container['decoder'],
  bytes: Uint8Array,
): Promise<{ audio?: AudioData; error?: unknown; diagnostics: string[] }> {
  const diagnostics: string[] = [];
  const release = captureConsole(diagnostics);
  try {
    const dec = await decode[format]();
    let first: AudioData;
    let rest: AudioData;
    try {
      first = await dec(bytes);
      rest = await dec(); // flush and free
    } catch (err) {
      dec.free();
      throw err;
    }
    return { audio: joinParts(first, rest), diagnostics };
  } catch (error) {
    return { error, diagnostics };
  } finally {
    release();
  }
}

/**
 * Routes console.log/warn/error into `sink` until the returned function is called. Decodes may
 * overlap (Promise.all over files): the console is patched by the first and restored by the
 * last, and meanwhile every message goes to every open sink.
 */
const sinks = new Set<string[]>();
let savedConsole: Pick<Console, 'log' | 'warn' | 'error'> | undefined;

function captureConsole(sink: string[]): () => void {
  if (sinks.size === 0) {
    savedConsole = { log: console.log, warn: console.warn, error: console.error };
    console.log = console.warn = console.error = (...args: unknown[]) => {
      const text = args.map(String).join(' ');
      for (const s of sinks) s.push(text);
    };
  }
  sinks.add(sink);
  return () => {
    sinks.delete(sink);
    if (sinks.size === 0 && savedConsole) Object.assign(console, savedConsole);
  };
}

function joinParts(first: AudioData, rest: AudioData): AudioData {
  if (rest.channelData.length === 0) return first;
  if (first.channelData.length === 0) return rest;
  const channelData = first.channelData.map((a, c) => {
    const b = rest.channelData[c] ?? rest.channelData[0];
    const joined = new Float32Array(a.length + b.length);
    joined.set(a);
    joined.set(b, a.length);
    return joined;
  });
  return { channelData, sampleRate: first.sampleRate };
}

/**
 * Rescales one channel in place to k/2^(bits−1) and returns how far the worst sample was from
 * the integer grid the library's scaling implies (0 when exact), or 'non-finite' if a sample is
 * NaN or ±Inf.
 */
function rescale(x: Float32Array, scaling: Scaling, bits: number): number | 'non-finite' {
  const n = x.length;
  if (scaling === 'none') {
    for (let i = 0; i < n; i++) if (!Number.isFinite(x[i])) return 'non-finite';
    return 0;
  }
  const full = 2 ** (bits - 1); // 32768 for 16-bit
  const lib = full - 1; // what the library divided by
  const inv = 1 / full; // a power of two: k·inv is exactly k/full
  let worst = 0;
  // A NaN or ±Infinity sample makes this sum non-finite; checking it once keeps the loops lean.
  let sum = 0;
  if (bits > 24) {
    // A float32 cannot pin down a 32-bit integer: rescale without snapping to the grid.
    for (let i = 0; i < n; i++) {
      const v = x[i];
      sum += v;
      if (v > 0 || (v < 0 && scaling === 'symmetric')) x[i] = v * lib * inv;
    }
  } else if (scaling === 'symmetric') {
    // Hot path (FLAC): every sample is k/lib; snap to k, then divide by full.
    for (let i = 0; i < n; i++) {
      const y = x[i] * lib;
      const k = Math.round(y);
      sum += k;
      const d = y - k;
      if (d > worst) worst = d;
      else if (-d > worst) worst = -d;
      x[i] = k * inv;
    }
  } else {
    // 'positive' (WAV): positives are k/lib; negatives k/full already, and must sit on the grid.
    for (let i = 0; i < n; i++) {
      const v = x[i];
      const y = v > 0 ? v * lib : v * full;
      const k = Math.round(y);
      sum += k;
      const d = y - k;
      if (d > worst) worst = d;
      else if (-d > worst) worst = -d;
      if (v > 0) x[i] = k * inv;
    }
  }
  return Number.isFinite(sum) ? worst : 'non-finite';
}

/**
 * Float32 rounding of k/(2^(bits−1) − 1) (|v| < 1) moves v·(2^(bits−1) − 1) by at most
 * 2^(bits−26); half as much again is the most a sample may sit off the grid before the scaling
 * is not what we measured. (24-bit: 0.375 of a step; 16-bit: 0.0015.)
 */
function gridTolerance(bits: number): number {
  return bits > 24 ? Infinity : 1.5 * 2 ** (bits - 26);
}

// ---------------------------------------------------------------------------------------------
// Recognising the container

function readContainer(b: Uint8Array, name: string): Container {
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WAVE') return readWav(b, name);
  const id3 = id3Length(b);
  if (ascii(b, id3, 4) === 'fLaC') return { ...readFlac(b, id3 + 4, 'flac', name), start: id3 };
  if (ascii(b, 0, 4) === 'OggS') return readOgg(b, name);
  if (id3 > 0 || isMpegSync(b, 0)) {
    return { format: 'mp3', decoder: 'mp3', label: 'MP3', scaling: 'none' };
  }
  const known = recogniseUnsupported(b);
  throw new UsageError(
    known
      ? `${name} is ${known}, which is not supported — supported formats are ${SUPPORTED_FORMATS}`
      : `${name} is not a recognised audio file (no FLAC, WAV, OGG or MP3 header) — supported formats are ${SUPPORTED_FORMATS}`,
  );
}

/** FLAC STREAMINFO starts `at` (the byte after 'fLaC'): block header, then 34 bytes. */
function readFlac(b: Uint8Array, at: number, format: 'flac' | 'ogg-flac', name: string): Container {
  const label = format === 'flac' ? 'FLAC' : 'Ogg FLAC';
  const type = b[at] & 0x7f;
  const length = (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
  const s = at + 4; // STREAMINFO body
  if (b.length < s + 34 || type !== 0 || length < 34) {
    throw new UsageError(`${name}: the ${label} header (STREAMINFO) is missing or cut short — the file is corrupt`);
  }
  // Bytes 10..17 of STREAMINFO: rate (20 bits), channels − 1 (3), bits − 1 (5), total samples (36).
  const sampleRate = (b[s + 10] << 12) | (b[s + 11] << 4) | (b[s + 12] >> 4);
  const bits = (((b[s + 12] & 1) << 4) | (b[s + 13] >> 4)) + 1;
  const total = (b[s + 13] & 0x0f) * 2 ** 32 + ((b[s + 14] << 24) >>> 0) + (b[s + 15] << 16) + (b[s + 16] << 8) + b[s + 17];
  if (sampleRate === 0) throw new UsageError(`${name}: the ${label} header gives sample rate 0 — the file is corrupt`);
  if (bits !== 8 && bits !== 16 && bits !== 24 && bits !== 32) {
    throw new UsageError(
      `${name}: ${bits}-bit ${label} is not supported by the decoder — re-encode it as 16- or 24-bit ` +
        `(e.g. sox IN.flac -b 24 OUT.flac)`,
    );
  }
  const container: Container = {
    format,
    decoder: 'flac',
    label,
    bitDepth: bits,
    scaling: bits === 32 ? 'none' : 'symmetric',
  };
  if (total > 0) container.declaredFrames = total; // 0 means "unknown" in FLAC
  return container;
}

function readWav(b: Uint8Array, name: string): Container {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let fmt: { tag: number; channels: number; rate: number; blockAlign: number; bits: number } | undefined;
  for (let pos = 12; pos + 8 <= b.length; ) {
    const id = ascii(b, pos, 4);
    const size = view.getUint32(pos + 4, true);
    if (id === 'fmt ') {
      if (pos + 24 > b.length) break;
      let tag = view.getUint16(pos + 8, true);
      if (tag === 0xfffe && pos + 34 <= b.length) tag = view.getUint16(pos + 32, true); // EXTENSIBLE: SubFormat
      fmt = {
        tag,
        channels: view.getUint16(pos + 10, true),
        rate: view.getUint32(pos + 12, true),
        blockAlign: view.getUint16(pos + 20, true),
        bits: view.getUint16(pos + 22, true),
      };
    } else if (id === 'data') {
      if (!fmt) break;
      return wavContainer(fmt, size, name);
    }
    pos += 8 + size + (size & 1); // chunks are padded to even length
  }
  throw new UsageError(`${name}: the WAV header has no ${fmt ? 'data' : 'fmt '} chunk — the file is corrupt or truncated`);
}

function wavContainer(
  fmt: { tag: number; channels: number; rate: number; blockAlign: number; bits: number },
  dataSize: number,
  name: string,
): Container {
  if (fmt.channels === 0 || fmt.rate === 0 || fmt.blockAlign === 0) {
    throw new UsageError(
      `${name}: the WAV header gives ${fmt.channels} channels at ${fmt.rate} Hz — the file is corrupt`,
    );
  }
  const container: Container = { format: 'wav', decoder: 'wav', label: 'WAV', scaling: 'none' };
  if (fmt.tag === 1) {
    if (![8, 16, 24, 32].includes(fmt.bits) || fmt.blockAlign !== (fmt.channels * fmt.bits) / 8) {
      throw new UsageError(
        `${name}: ${fmt.bits}-bit integer WAV (block size ${fmt.blockAlign}) is not supported — ` +
          'convert it to 16- or 24-bit (e.g. sox IN.wav -b 16 OUT.wav)',
      );
    }
    container.bitDepth = fmt.bits;
    container.scaling = 'positive';
  } else if (fmt.tag === 3) {
    if (fmt.bits !== 32 && fmt.bits !== 64) {
      throw new UsageError(`${name}: ${fmt.bits}-bit float WAV is not supported — use 32-bit float or 16/24-bit integer`);
    }
  } else if (![2, 6, 7, 0x11].includes(fmt.tag)) {
    throw new UsageError(
      `${name}: WAV encoding 0x${fmt.tag.toString(16)} is not supported — use integer PCM or float (e.g. sox IN.wav -b 16 OUT.wav)`,
    );
  }
  // Streaming writers that cannot seek back leave a placeholder length: 0, 0xFFFFFFFF or just
  // under 2 GiB. Those say nothing about the length; any other size is checked after decoding.
  if (dataSize > 0 && dataSize < 0x7ffff000 && fmt.tag !== 2 && fmt.tag !== 0x11) {
    container.declaredFrames = Math.floor(dataSize / fmt.blockAlign);
  }
  return container;
}

/** The first packet of an Ogg stream tells the codec: Vorbis, FLAC (mapping 1.0) or something else. */
function readOgg(b: Uint8Array, name: string): Container {
  const segments = b.length > 26 ? b[26] : 0;
  const packet = 27 + segments;
  if (b[packet] === 0x01 && ascii(b, packet + 1, 6) === 'vorbis') {
    return { format: 'ogg-vorbis', decoder: 'oga', label: 'OGG/Vorbis', scaling: 'none' };
  }
  if (b[packet] === 0x7f && ascii(b, packet + 1, 4) === 'FLAC' && ascii(b, packet + 9, 4) === 'fLaC') {
    return readFlac(b, packet + 13, 'ogg-flac', name);
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

// ---------------------------------------------------------------------------------------------
// Messages

/** A path as it appears in messages: control characters escaped so the message stays one line. */
function displayName(path: string): string {
  return path.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** A library error or message as one short line (whitespace, newlines included, collapsed). */
function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.replace(/\s+/g, ' ').trim() || 'unknown error';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

function readErrorMessage(err: unknown, name: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return `no such file: ${name} — give the path of an audio file`;
    case 'EISDIR':
      return `${name} is a directory — give the path of an audio file`;
    case 'EACCES':
    case 'EPERM':
      return `cannot read ${name}: permission denied — check the file's permissions`;
    default:
      return `cannot read ${name} (${code ?? oneLine(err)}) — give the path of a readable audio file`;
  }
}
