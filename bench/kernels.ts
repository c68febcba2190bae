// Kernel benchmark: the plain TypeScript reference against the wasm SIMD kernels, in the
// same process, at the reference training sizes (B=16 sequences, T=499 steps, H=128 hidden,
// F=12 features), single-threaded. Prints one row per kernel call that a training step of
// the tanh RNN makes, with the best-of-N time, GFLOP/s and the wasm speed-up.
//
//   npm run build && node dist/bench/kernels.js [--quick]

import { createPlainBackend, createWasmBackend, wasmSupport, type Backend } from '../src/kernels/index.js';

const B = 16, T = 499, H = 128, F = 12;
const R = B * T; // rows of every (B*T, ·) matrix

interface Case {
  name: string;
  shape: string;
  flop: number;
  /** Returns the function to time, with its buffers allocated on `be`. */
  setup(be: Backend): () => void;
}

function filled(be: Backend, n: number, scale: number, seed: number): Float32Array {
  const a = be.alloc(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return a;
}

const cases: Case[] = [
  {
    name: 'rnnTanhForward',
    shape: `B=${B} T=${T} H=${H}`,
    flop: 2 * B * (T - 1) * H * H,
    setup(be) {
      const pre = filled(be, R * H, 1, 1), Whh = filled(be, H * H, 1 / Math.sqrt(H), 2), h = be.alloc(R * H);
      return () => be.rnnTanhForward(h, pre, Whh, B, T, H);
    },
  },
  {
    name: 'rnnTanhBackward',
    shape: `B=${B} T=${T} H=${H}`,
    flop: 2 * B * (T - 1) * H * H,
    setup(be) {
      const h = filled(be, R * H, 0.9, 3), dh = filled(be, R * H, 0.01, 4);
      const Whh = filled(be, H * H, 1 / Math.sqrt(H), 5), dpre = be.alloc(R * H);
      return () => be.rnnTanhBackward(dpre, dh, h, Whh, B, T, H);
    },
  },
  {
    name: 'matmulABt pre = x·W_ihᵀ',
    shape: `${R}x${F} · (${H}x${F})ᵀ`,
    flop: 2 * R * H * F,
    setup(be) {
      const x = filled(be, R * F, 1, 6), W = filled(be, H * F, 0.3, 7), pre = be.alloc(R * H);
      return () => be.matmulABt(pre, x, W, R, H, F, false);
    },
  },
  {
    name: 'matmulABt y = h·W_fcᵀ',
    shape: `${R}x${H} · (${F}x${H})ᵀ`,
    flop: 2 * R * F * H,
    setup(be) {
      const h = filled(be, R * H, 1, 8), W = filled(be, F * H, 0.1, 9), y = be.alloc(R * F);
      return () => be.matmulABt(y, h, W, R, F, H, false);
    },
  },
  {
    name: 'matmulAB dh = dy·W_fc',
    shape: `${R}x${F} · ${F}x${H}`,
    flop: 2 * R * H * F,
    setup(be) {
      const dy = filled(be, R * F, 1, 10), W = filled(be, F * H, 0.1, 11), dh = be.alloc(R * H);
      return () => be.matmulAB(dh, dy, W, R, H, F, false);
    },
  },
  {
    name: 'matmulAtB dW_fc += dyᵀ·h',
    shape: `(${R}x${F})ᵀ · ${R}x${H}`,
    flop: 2 * F * H * R,
    setup(be) {
      const dy = filled(be, R * F, 1, 12), h = filled(be, R * H, 1, 13), dW = be.alloc(F * H);
      return () => be.matmulAtB(dW, dy, h, F, H, R, true);
    },
  },
  {
    name: 'matmulAtB dW_ih += dpreᵀ·x',
    shape: `(${R}x${H})ᵀ · ${R}x${F}`,
    flop: 2 * H * F * R,
    setup(be) {
      const dpre = filled(be, R * H, 1, 14), x = filled(be, R * F, 1, 15), dW = be.alloc(H * F);
      return () => be.matmulAtB(dW, dpre, x, H, F, R, true);
    },
  },
  {
    name: 'matmulAtB dW_hh += Σ dpre_tᵀ·h_{t-1}',
    shape: `${B} x (${T - 1}x${H})ᵀ · ${T - 1}x${H}`,
    flop: 2 * H * H * B * (T - 1),
    setup(be) {
      const dpre = filled(be, R * H, 1, 16), h = filled(be, R * H, 1, 17), dW = be.alloc(H * H);
      // one call per sequence: rows t = 1..T-1 of dpre against rows t-1 = 0..T-2 of h
      return () => {
        for (let b = 0; b < B; b++) {
          const base = b * T * H;
          be.matmulAtB(dW, dpre.subarray(base + H, base + T * H), h.subarray(base, base + (T - 1) * H), H, H, T - 1, true);
        }
      };
    },
  },
];

/** Best time in ms over `reps` runs after one warm-up (best-of is the least noisy on a shared machine). */
function time(fn: () => void, reps: number): number {
  fn();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms < best) best = ms;
  }
  return best;
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const support = wasmSupport();
  if (!support.ok) {
    console.log(`wasm SIMD backend unavailable here (${support.reason}); nothing to compare.`);
    return;
  }
  const plain = createPlainBackend();
  const wasm = createWasmBackend();
  const rows: string[][] = [['kernel', 'shape', 'MFLOP', 'plain ms', 'plain GFLOP/s', 'wasm ms', 'wasm GFLOP/s', 'speed-up']];
  let plainTotal = 0, wasmTotal = 0, flopTotal = 0;
  for (const c of cases) {
    const tp = time(c.setup(plain), quick ? 1 : 3);
    const tw = time(c.setup(wasm), quick ? 5 : 30);
    plainTotal += tp; wasmTotal += tw; flopTotal += c.flop;
    rows.push([c.name, c.shape, (c.flop / 1e6).toFixed(1), tp.toFixed(2), (c.flop / tp / 1e6).toFixed(2),
      tw.toFixed(2), (c.flop / tw / 1e6).toFixed(2), `${(tp / tw).toFixed(1)}x`]);
  }
  rows.push(['all of one training step', '', (flopTotal / 1e6).toFixed(1), plainTotal.toFixed(2),
    (flopTotal / plainTotal / 1e6).toFixed(2), wasmTotal.toFixed(2), (flopTotal / wasmTotal / 1e6).toFixed(2),
    `${(plainTotal / wasmTotal).toFixed(1)}x`]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => '| ' + r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ') + ' |';
  console.log(`node ${process.version}, one thread, best of ${quick ? '1/5' : '3/30'} runs (plain/wasm)`);
  console.log(line(rows[0]));
  console.log('| ' + widths.map((w, i) => (i < 2 ? '-'.repeat(w) : '-'.repeat(w - 1) + ':')).join(' | ') + ' |');
  for (const r of rows.slice(1)) console.log(line(r));
}

main();
