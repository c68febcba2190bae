/**
 * How a model holds its buffers: named views of the parameter and gradient
 * buffers, and the check that a batch fits the cache it is run with.
 */

/**
 * A model's named views of its parameter (or gradient) buffer, remade only
 * when a different buffer comes in. Training passes the same two buffers on
 * every step, so after the first step no forward or backward allocates.
 */
export function memoViews<V>(make: (buffer: Float32Array) => V): (buffer: Float32Array) => V {
  let lastBuffer: Float32Array | null = null;
  let lastViews: V | null = null;
  return (buffer) => {
    if (buffer !== lastBuffer || lastViews === null) {
      lastViews = make(buffer);
      lastBuffer = buffer;
    }
    return lastViews;
  };
}

/** Sequences must fit the cache, and both tensors must hold B·T·F values. */
export function checkShapes(
  cache: { readonly maxB: number; readonly maxT: number },
  B: number,
  T: number,
  F: number,
  a: Float32Array,
  b: Float32Array,
): void {
  if (!(Number.isInteger(B) && Number.isInteger(T) && B >= 1 && T >= 1 && B <= cache.maxB && T <= cache.maxT)) {
    throw new RangeError(`a batch of ${B} × ${T} steps does not fit a cache made for ${cache.maxB} × ${cache.maxT}`);
  }
  const n = B * T * F;
  if (a.length < n || b.length < n) {
    throw new RangeError(`tensors of shape (${B}, ${T}, ${F}) need ${n} values, got ${a.length} and ${b.length}`);
  }
}
