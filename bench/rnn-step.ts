/**
 * Micro-benchmark of the training hot path: forward + backward of the
 * reference RNN on one full batch (B = 16 segments of T = 499 steps, H = 128,
 * F = 12), and, side by side, the recurrent-step kernel against its plain
 * reference loop.
 *
 *   node dist/bench/rnn-step.js [repeats]
 *
 * FLOPs counted: forward 2·B·T·(H·F + H·H + F·H) (input projection,
 * recurrence, read-out); backward twice that (the input gradient and the
 * weight gradient of each product).
 */
import { Xoshiro128 } from '../src/data/rng.js';
import { matmulAdd, matmulAddReference } from '../src/models/linear.js';
import { createRnn } from '../src/models/rnn.js';

const B = 16, T = 499, H = 128, F = 12;
const repeats = Number(process.argv[2] ?? 10);

function randn(n: number, rng: Xoshiro128): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** Best and median wall time of `run` in ms, after two warm-up runs. */
function time(run: () => void, n: number): { best: number; median: number } {
  run();
  run();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { best: times[0], median: times[Math.floor(n / 2)] };
}

const rng = Xoshiro128.fromSeed(1, 'bench');
const model = createRnn({ features: F, hidden: H });
const params = new Float32Array(model.layout.size);
model.init(params, Xoshiro128.fromSeed(1, 'init'));
const grads = new Float32Array(model.layout.size);
const cache = model.createCache(B, T);
const x = randn(B * T * F, rng);
const dout = randn(B * T * F, rng);
const out = new Float32Array(B * T * F);

const forwardFlops = 2 * B * T * (H * F + H * H + F * H);
const stepFlops = 3 * forwardFlops;
const fwd = time(() => model.forward(out, cache, x, params, B, T), repeats);
const both = time(() => {
  model.forward(out, cache, x, params, B, T);
  grads.fill(0);
  model.backward(grads, dout, cache, params, B, T);
}, repeats);
const gflops = (flops: number, ms: number) => (flops / (ms * 1e6)).toFixed(2);

console.log(`rnn B=${B} T=${T} H=${H} F=${F}, node ${process.version}, ${repeats} repeats`);
console.log(`forward            best ${fwd.best.toFixed(1)} ms, median ${fwd.median.toFixed(1)} ms, ${gflops(forwardFlops, fwd.best)} GFLOP/s`);
console.log(`forward + backward best ${both.best.toFixed(1)} ms, median ${both.median.toFixed(1)} ms per batch, ${gflops(stepFlops, both.best)} GFLOP/s (${(stepFlops / 1e9).toFixed(3)} GFLOP)`);

// The recurrence alone: T steps of (B, H) · W_hhᵀ, fast kernel against the reference loop.
const W = randn(H * H, rng);
const hs = randn((T + 1) * B * H, rng);
const kernelFlops = 2 * T * B * H * H;
for (const [name, kernel] of [['matmulAdd', matmulAdd], ['matmulAddReference', matmulAddReference]] as const) {
  const r = time(() => {
    for (let t = 0; t < T; t++) kernel(hs, (t + 1) * B * H, hs, t * B * H, W, B, H, H);
  }, Math.max(3, Math.floor(repeats / 2)));
  console.log(`recurrence via ${name.padEnd(18)} best ${r.best.toFixed(1)} ms, ${gflops(kernelFlops, r.best)} GFLOP/s`);
}
