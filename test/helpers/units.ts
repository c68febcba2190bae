/** Unit modules as source text, for tests that write them to a file or paste them into the playground. */

/** A per-frame backprop unit whose output at step t is x[t + `ahead`] (clamped to the last frame) scaled by a weight. */
export function shiftUnit(ahead: number): string {
  return `import { layoutParams, type SequenceModel, type UnitContext } from 'audiopred';

export default function (ctx: UnitContext): SequenceModel<{ x: Float32Array }> {
  const F = ctx.features;
  return {
    kind: 'backprop', name: 'shift', features: F, layout: layoutParams([{ name: 'scale', shape: [1] }]),
    init(p) { p[0] = 1; },
    createCache: () => ({ x: new Float32Array(0) }),
    forward(out, cache, x, p, B, T) {
      cache.x = x;
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
        const from = (b * T + Math.min(t + ${ahead}, T - 1)) * F;
        for (let f = 0; f < F; f++) out[(b * T + t) * F + f] = p[0] * x[from + f];
      }
    },
    backward(g, dout, cache, p, B, T) {
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
        const from = (b * T + Math.min(t + ${ahead}, T - 1)) * F;
        for (let f = 0; f < F; f++) g[0] += dout[(b * T + t) * F + f] * cache.x[from + f];
      }
    },
  };
}
`;
}
