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
 * for. (torchaudio, sox and libsndfile all decode what is there instead, sox with a warning.)
 * One lie is benign and decoded as those tools do: a WAV whose data chunk claims more bytes
 * than the file holds while its RIFF size says the file is complete; that is a writer's bug,
 * not a lost tail. Vorbis and MP3 declare no reliable length, so only a decode to zero samples
 * is caught.
 *
 * Memory: the decoded audio is the largest thing audiopred holds (an hour of 44.1 kHz stereo is
 * 1.27 GB as float32). Handed a whole FLAC file, the library keeps every frame's output and then
 * concatenates them, twice that at its peak; so a FLAC file is fed to it in pieces of about
 * 4 MB and each piece's samples are copied into arrays allocated once at the length STREAMINFO
 * declares. Each piece ends where a frame begins: the library's frame splitter misses a frame
 * header that straddles two pieces, and then loses that frame (audio-decode 3.12, measured).
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
  channels?: number; // channels the header promises, when it does
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

  const { audio: decoded, error, diagnostics } = await runDecoder(container, bytes.subarray(container.start ?? 0));
  // What the decoder printed about the first problem, if anything, for the messages below.
  const said = diagnostics.length > 0 ? ` (the decoder reported: ${oneLine(diagnostics[0])})` : '';
  if (decoded === undefined) {
    throw new UsageError(
      `${name}: cannot decode this ${container.label} file (${oneLine(error)}) — it may be corrupt or truncated`,
    );
  }

  const channels = decoded.channelData;
  const frames = channels.length > 0 ? channels[0].length : 0;
  if (container.declaredFrames !== undefined && frames < container.declaredFrames) {
    throw new UsageError(
      `${name}: the ${container.label} data ends early (decoded ${frames} of the ${container.declaredFrames} ` +
        `samples per channel its header declares)${said} — the file is truncated or corrupt; use a complete copy`,
    );
  }
  if (frames === 0) {
    throw new UsageError(
      `${name}: the ${container.label} data decodes to zero samples${said} — the file is corrupt, truncated or holds no audio`,
    );
  }
  if (channels.some((ch) => ch.length !== frames)) {
    throw new UsageError(`${name}: the channels decode to different lengths — the ${container.label} file is corrupt`);
  }
  const sampleRate = decoded.sampleRate;
  checkSampleRate(sampleRate, container.label, name);

  if (container.scaling === 'symmetric') checkFlacBitDepth(channels[0], container, name);
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
 * Decode with one format decoder: feed the input (a FLAC file in pieces, anything else whole),
 * then flush, collecting the samples. The wasm decoders print what goes wrong on corrupt data
 * (console.error, several lines each); while they run, console output is captured instead and
 * returned as `diagnostics`, so the user sees one clear line from us rather than library noise.
 */
async function runDecoder(
  container: Container,
  bytes: Uint8Array,
): Promise<{ audio?: AudioData; error?: unknown; diagnostics: string[] }> {
  const diagnostics: string[] = [];
  const release = captureConsole(diagnostics);
  try {
    const dec = await decode[container.decoder]();
    const samples = new SampleCollector(plausibleLength(container, bytes.length), container.channels);
    try {
      const pieces = container.format === 'flac' ? flacPieces(bytes, FLAC_PIECE_BYTES) : [bytes];
      for (const piece of pieces) samples.add(await dec(piece));
      samples.add(await dec()); // flush and free
    } catch (err) {
      dec.free();
      throw err;
    }
    return { audio: samples.finish(), diagnostics };
  } catch (error) {
    return { error, diagnostics };
  } finally {
    release();
  }
}

/** How much FLAC the library is handed at a time: about 4 MB, ending where a frame begins. */
const FLAC_PIECE_BYTES = 4 << 20;

/**
 * The samples per channel to allocate up front: the header's length where it gives one that the
 * file could hold. A FLAC frame of digital silence takes about 15 bytes for up to 65,535 samples,
 * so no honest file holds more than 8,192 samples per channel per byte; a header that claims
 * more is lying, and the samples are gathered as they come instead of allocated on its word.
 */
function plausibleLength(container: Container, bytes: number): number | undefined {
  const n = container.declaredFrames;
  return n !== undefined && n <= bytes * 8192 ? n : undefined;
}

/**
 * Gathers a decoder's outputs into one array per channel. With a length known in advance it
 * copies each output into arrays allocated once (the memory of the decoded audio, no more);
 * otherwise, or past that length, it keeps the outputs and joins them at the end. A later output
 * with fewer channels than the first reuses its channel 0, as the library's own merge does.
 */
class SampleCollector {
  private channels: Float32Array[] | undefined; // preallocated, (capacity) each
  private filled = 0; // samples per channel copied into `channels`
  private parts: Float32Array[][] = []; // outputs kept whole, in order, after `filled`
  private sampleRate = 0;

  constructor(
    private readonly capacity: number | undefined,
    private readonly channelCount: number | undefined,
  ) {}

  add(out: AudioData): void {
    const data = out.channelData;
    if (data.length === 0 || data[0].length === 0) return;
    if (this.sampleRate === 0) this.sampleRate = out.sampleRate;
    const n = data[0].length;
    if (this.parts.length === 0 && this.capacity !== undefined && this.filled + n <= this.capacity) {
      if (this.channels === undefined) {
        const C = this.channelCount ?? data.length;
        this.channels = Array.from({ length: C }, () => new Float32Array(this.capacity!));
      }
      this.channels.forEach((ch, c) => ch.set(data[c] ?? data[0], this.filled));
      this.filled += n;
      return;
    }
    this.parts.push(data);
  }

  finish(): AudioData {
    const head = this.channels?.map((ch) => ch.subarray(0, this.filled)) ?? [];
    const pieces = head.length > 0 ? [head, ...this.parts] : this.parts;
    if (pieces.length === 0) return { channelData: [], sampleRate: 0 };
    if (pieces.length === 1) return { channelData: pieces[0], sampleRate: this.sampleRate };
    const total = pieces.reduce((sum, p) => sum + p[0].length, 0);
    const channelData = pieces[0].map((_, c) => {
      const joined = new Float32Array(total);
      let at = 0;
      for (const p of pieces) {
        joined.set(p[c] ?? p[0], at);
        at += p[0].length;
      }
      return joined;
    });
    return { channelData, sampleRate: this.sampleRate };
  }
}

/**
 * A native FLAC file cut into pieces of about `size` bytes, each ending just before a frame
 * header (or at the end). Frame headers are recognised as the library recognises them: the sync
 * code 0xFFF8 or 0xFFF9, valid block size, rate and channel codes, and the header's CRC-8. A cut
 * before a false sync inside a frame's data is harmless (the library scans on through it); what
 * must not happen, a cut inside a real header, cannot, as no header holds 0xFF 0xF8 past its
 * start.
 */
export function flacPieces(bytes: Uint8Array, size: number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let from = 0;
  while (bytes.length - from > size) {
    let cut = from + size;
    while (cut < bytes.length && !isFlacFrameHeader(bytes, cut)) cut++;
    pieces.push(bytes.subarray(from, cut));
    from = cut;
  }
  if (from < bytes.length) pieces.push(bytes.subarray(from));
  return pieces;
}

function isFlacFrameHeader(b: Uint8Array, p: number): boolean {
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
 * FLAC frames carry their own bit depth, and the library scales by it. When STREAMINFO's depth
 * disagrees (a corrupt header), the samples sit on another depth's grid; that is the file's
 * fault, not a change in the library's scaling, and is said so. Checks the first 65,536
 * samples of one channel, before rescaling touches them.
 */
function checkFlacBitDepth(x: Float32Array, container: Container, name: string): void {
  const declared = container.bitDepth ?? 0;
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
  if (b.length < 16) {
    throw new UsageError(`${name} is only ${b.length} byte${b.length === 1 ? '' : 's'} long, too short to be an audio file — it is truncated or not audio`);
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
  const channels = ((b[s + 12] >> 1) & 7) + 1;
  const bits = (((b[s + 12] & 1) << 4) | (b[s + 13] >> 4)) + 1;
  const total = (b[s + 13] & 0x0f) * 2 ** 32 + ((b[s + 14] << 24) >>> 0) + (b[s + 15] << 16) + (b[s + 16] << 8) + b[s + 17];
  checkSampleRate(sampleRate, label, name);
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
    channels,
  };
  if (total > 0) container.declaredFrames = total; // 0 means "unknown" in FLAC
  return container;
}

/** Sample rates outside this range are not audio: the header is corrupt. */
const MIN_SAMPLE_RATE = 1000; // Hz
const MAX_SAMPLE_RATE = 1_000_000; // Hz; FLAC stops at 655,350, the fastest audio converters at 768,000

function checkSampleRate(rate: number, label: string, name: string): void {
  if (!(Number.isInteger(rate) && rate >= MIN_SAMPLE_RATE && rate <= MAX_SAMPLE_RATE)) {
    throw new UsageError(
      `${name}: the ${label} header gives sample rate ${rate} Hz, which no audio has ` +
        `(audiopred takes 1 kHz to 1 MHz) — the file is corrupt`,
    );
  }
}

/** What a WAV `fmt ` chunk says. */
interface WavFormat {
  tag: number; // encoding: 1 integer PCM, 3 float, 6 A-law, 7 µ-law, 2 MS ADPCM, 0x11 IMA ADPCM
  channels: number;
  rate: number; // Hz
  blockAlign: number; // bytes per sample frame (all channels), or per ADPCM block
  bits: number;
}

function readWav(b: Uint8Array, name: string): Container {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const riffSize = view.getUint32(4, true);
  let fmt: WavFormat | undefined;
  for (let pos = 12; pos + 8 <= b.length; ) {
    const id = ascii(b, pos, 4);
    const size = view.getUint32(pos + 4, true);
    if (id === 'fmt ') {
      if (pos + 24 > b.length) break;
      let tag = view.getUint16(pos + 8, true);
      if (tag === 0xfffe) {
        // EXTENSIBLE: the encoding is the first two bytes of the SubFormat GUID, 24 bytes on.
        if (size < 40 || pos + 34 > b.length) {
          throw new UsageError(`${name}: the WAV header is corrupt (an EXTENSIBLE fmt chunk of ${size} bytes; it needs 40)`);
        }
        tag = view.getUint16(pos + 32, true);
      }
      fmt = {
        tag,
        channels: view.getUint16(pos + 10, true),
        rate: view.getUint32(pos + 12, true),
        blockAlign: view.getUint16(pos + 20, true),
        bits: view.getUint16(pos + 22, true),
      };
      if (tag === 2 || tag === 0x11) checkAdpcm(view, pos, size, fmt, name);
    } else if (id === 'data') {
      if (!fmt) break;
      const container = wavContainer(fmt, size, name);
      checkWavLength(container, fmt, { riffSize, dataStart: pos + 8, dataSize: size, fileSize: b.length }, name);
      return container;
    }
    pos += 8 + size + (size & 1); // chunks are padded to even length
  }
  throw new UsageError(`${name}: the WAV header has no ${fmt ? 'data' : 'fmt'} chunk — the file is corrupt or truncated`);
}

/**
 * Checks samples per ADPCM block as the decoder will read them (the fmt extension's value, or
 * what the block size implies) against what a block of that size can hold: a corrupt value would
 * have the decoder allocate up to 65,535 samples for every byte of the file.
 */
function checkAdpcm(view: DataView, pos: number, size: number, fmt: WavFormat, name: string): void {
  const ima = fmt.tag === 0x11;
  const label = ima ? 'IMA ADPCM' : 'MS ADPCM';
  // The decoder reads cbSize and samples-per-block (bytes 16..19 of the chunk) whatever the chunk's size.
  if (size < 20 || pos + 28 > view.byteLength) {
    throw new UsageError(`${name}: the ${label} WAV header is corrupt (a fmt chunk of ${size} bytes; it needs at least 20)`);
  }
  const C = fmt.channels;
  const headerBytes = (ima ? 4 : 7) * C; // per block: each channel's predictor and step
  const most = C === 0 || fmt.blockAlign < headerBytes ? 0 : (ima ? 1 : 2) + ((fmt.blockAlign - headerBytes) * 2) / C;
  const cbSize = view.getUint16(pos + 24, true);
  const spb = (cbSize >= 2 ? view.getUint16(pos + 26, true) : 0) || most;
  // MS ADPCM: the count of predictor coefficient pairs, then the pairs, 4 bytes each, inside the chunk.
  const count = !ima && cbSize >= 4 ? (pos + 30 <= view.byteLength ? view.getUint16(pos + 28, true) : Infinity) : 0;
  const coefficientsFit = pos + 30 + 4 * count <= Math.min(pos + 8 + size, view.byteLength);
  if (!(Number.isInteger(spb) && spb >= (ima ? 1 : 2) && spb <= most) || !coefficientsFit) {
    throw new UsageError(
      `${name}: the ${label} WAV header is inconsistent (${C} channels, ${fmt.blockAlign}-byte blocks, ` +
        `${spb} samples per block) — the file is corrupt`,
    );
  }
}

function wavContainer(fmt: WavFormat, dataSize: number, name: string): Container {
  const { tag, channels: C, bits, blockAlign } = fmt;
  if (C === 0) throw new UsageError(`${name}: the WAV header gives 0 channels — the file is corrupt`);
  checkSampleRate(fmt.rate, 'WAV', name);
  const container: Container = { format: 'wav', decoder: 'wav', label: 'WAV', scaling: 'none', channels: C };
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
    container.scaling = 'positive';
  } else if (tag === 3) {
    if (bits !== 32 && bits !== 64) {
      throw new UsageError(`${name}: ${bits}-bit float WAV is not supported — use 32-bit float or 16/24-bit integer`);
    }
  } else if (tag === 6 || tag === 7) {
    if (bits !== 8) throw new UsageError(`${name}: the WAV header gives ${bits}-bit ${tag === 6 ? 'A' : 'µ'}-law (it is 8-bit) — the file is corrupt`);
  } else if (tag !== 2 && tag !== 0x11) {
    throw new UsageError(
      `${name}: WAV encoding 0x${tag.toString(16)} is not supported — use integer PCM or float (e.g. sox IN.wav -b 16 OUT.wav)`,
    );
  }
  if (tag !== 2 && tag !== 0x11 && blockAlign !== (C * bits) / 8) {
    // The decoder steps through the data by the block size: a wrong one scrambles every sample.
    throw new UsageError(
      `${name}: the WAV header contradicts itself: a frame of ${C} × ${bits}-bit samples is ${(C * bits) / 8} bytes, ` +
        `but its block size says ${blockAlign} — the file is corrupt`,
    );
  }
  // Streaming writers that cannot seek back leave a placeholder length: 0, 0xFFFFFFFF or just
  // under 2 GiB. Those say nothing about the length; any other size is checked after decoding.
  if (isRealWavSize(dataSize) && tag !== 2 && tag !== 0x11) {
    container.declaredFrames = Math.floor(dataSize / blockAlign);
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
function checkWavLength(
  container: Container,
  fmt: WavFormat,
  at: { riffSize: number; dataStart: number; dataSize: number; fileSize: number },
  name: string,
): void {
  const held = Math.max(0, at.fileSize - at.dataStart);
  if (!isRealWavSize(at.dataSize) || at.dataSize <= held) return;
  const riffComplete = isRealWavSize(at.riffSize) && at.riffSize + 8 <= at.fileSize;
  if (riffComplete) {
    if (container.declaredFrames !== undefined) container.declaredFrames = Math.floor(held / fmt.blockAlign);
    return;
  }
  const what =
    container.declaredFrames !== undefined
      ? `the file holds ${Math.floor(held / fmt.blockAlign)} of the ${container.declaredFrames} samples per channel its header declares`
      : `the file holds ${held} of the ${at.dataSize} bytes of audio its header declares`;
  throw new UsageError(
    `${name}: the WAV data ends early (${what}) — the file is truncated; use a complete copy, ` +
      'or keep the part that is there by rewriting it with sox IN.wav OUT.wav',
  );
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
