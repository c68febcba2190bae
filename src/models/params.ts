/**
 * Parameters live in one Float32Array per model (and gradients and optimiser
 * moments in one each, with the same layout). A layout cuts that buffer into
 * named views with PyTorch's state_dict names and shapes, in a fixed order.
 */
export interface ParamSpec {
  /** PyTorch state_dict name, e.g. `rnn.weight_hh_l0`. */
  readonly name: string;
  /** Row-major shape, e.g. [H, H]. */
  readonly shape: readonly number[];
}

export interface ParamEntry extends ParamSpec {
  readonly offset: number;
  readonly size: number;
}

export interface ParamLayout {
  readonly entries: readonly ParamEntry[];
  /** Total number of float32 values. */
  readonly size: number;
}

export function layoutParams(specs: readonly ParamSpec[]): ParamLayout {
  const entries: ParamEntry[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) throw new Error(`duplicate parameter name ${spec.name}`);
    seen.add(spec.name);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    entries.push({ name: spec.name, shape: [...spec.shape], offset, size });
    offset += size;
  }
  return { entries, size: offset };
}

/** Named views into `buffer` (no copies): writes through a view change the buffer. */
export function paramViews(layout: ParamLayout, buffer: Float32Array): Record<string, Float32Array> {
  if (buffer.length !== layout.size) {
    throw new Error(`parameter buffer has ${buffer.length} values, layout needs ${layout.size}`);
  }
  const views: Record<string, Float32Array> = {};
  for (const e of layout.entries) views[e.name] = buffer.subarray(e.offset, e.offset + e.size);
  return views;
}

export function entryOf(layout: ParamLayout, name: string): ParamEntry {
  const e = layout.entries.find((x) => x.name === name);
  if (!e) throw new Error(`no parameter named ${name}`);
  return e;
}
