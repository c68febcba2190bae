/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header naming each tensor's dtype, shape and byte
 * range, then the raw little-endian data. No maintained JavaScript library
 * writes it (npm has only placeholders), and the format is a page long, so it
 * is here: float32/float64/int32/uint32 tensors and string metadata, as
 * `safetensors.torch.load_file` reads them.
 */

export type TensorData = Float32Array | Float64Array | Int32Array | Uint32Array;

export interface Tensor {
  readonly shape: readonly number[];
  readonly data: TensorData;
}

const DTYPES = [
  ['F32', Float32Array],
  ['F64', Float64Array],
  ['I32', Int32Array],
  ['U32', Uint32Array],
] as const;

function dtypeOf(data: TensorData): string {
  const entry = DTYPES.find(([, Ctor]) => data instanceof Ctor);
  if (!entry) throw new TypeError('unsupported tensor type');
  return entry[0];
}

/** The file's bytes for `tensors` (in their insertion order) and string `metadata`. */
export function encodeSafetensors(tensors: Readonly<Record<string, Tensor>>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new RangeError(`tensor ${name}: shape [${t.shape}] needs ${count} values, has ${t.data.length}`);
    header[name] = { dtype: dtypeOf(t.data), shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = json.length + ((8 - ((8 + json.length) % 8)) % 8); // padded with spaces: data starts 8-byte aligned
  const out = new Uint8Array(8 + headerBytes + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes);
  let at = 8 + headerBytes;
  for (const t of Object.values(tensors)) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at); // little-endian hosts only (all Node targets)
    at += t.data.byteLength;
  }
  return out;
}

export interface Safetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Parses a safetensors file; a malformed one is an Error saying what is wrong. */
export function decodeSafetensors(bytes: Uint8Array): Safetensors {
  if (bytes.length < 8) throw new Error('not a safetensors file: shorter than its 8-byte header length');
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (n > bytes.length - 8) throw new Error(`not a safetensors file: header of ${n} bytes in a ${bytes.length}-byte file`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw new Error('not a safetensors file: its header is not JSON');
  }
  const base = 8 + n;
  const { __metadata__: metadata = {}, ...entries } = header as Record<string, unknown>;
  const tensors: Record<string, Tensor> = {};
  for (const [name, e] of Object.entries(entries as typeof header)) {
    const dtype = DTYPES.find(([d]) => d === e?.dtype);
    if (!dtype) throw new Error(`tensor ${name}: unsupported dtype ${e?.dtype}`);
    const [begin, end] = e.data_offsets;
    const Ctor = dtype[1];
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (!(begin >= 0 && end === begin + count * Ctor.BYTES_PER_ELEMENT && base + end <= bytes.length)) {
      throw new Error(`tensor ${name}: byte range [${begin}, ${end}) does not fit shape [${e.shape}] in the file (truncated?)`);
    }
    const copy = new Uint8Array(bytes.subarray(base + begin, base + end)); // an aligned copy (Buffer#slice would be a view)
    tensors[name] = { shape: e.shape, data: new Ctor(copy.buffer, 0, count) };
  }
  return { tensors, metadata: metadata as Record<string, string> };
}
