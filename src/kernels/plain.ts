// The plain TypeScript reference backend: the obvious loops, written to be read and trusted.
// Dot products and sums are accumulated in float64 (JS numbers) and rounded to float32 once
// when stored, so this is also the most accurate backend; the wasm kernels are tested
// against it. Shapes and semantics: see backend.ts.

import {
  adamwScalars, checkAdamw, checkLength, checkMatmul, checkRnn, checkRows, checkSizes, checkSoftmax,
  type AdamWStep, type Backend,
} from './backend.js';
import { plainGatesKernels } from './families/plain-gates.js';
import { plainOnlineKernels } from './families/plain-online.js';
import { plainTransformerKernels } from './families/plain-transformer.js';

export function createPlainBackend(): Backend {
  return {
    name: 'plain',
    ...plainGatesKernels(),
    ...plainTransformerKernels(),
    ...plainOnlineKernels(),

    alloc(n: number): Float32Array {
      checkSizes('alloc', { n });
      return new Float32Array(n);
    },

    matmulABt(C, A, B, M, N, K, accumulate) {
      checkMatmul('matmulABt', C, A, B, M, N, K);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += A[i * K + k] * B[j * K + k];
          C[i * N + j] = accumulate ? C[i * N + j] + s : s;
        }
      }
    },

    matmulAB(C, A, B, M, N, K, accumulate) {
      checkMatmul('matmulAB', C, A, B, M, N, K);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += A[i * K + k] * B[k * N + j];
          C[i * N + j] = accumulate ? C[i * N + j] + s : s;
        }
      }
    },

    matmulAtB(C, A, B, M, N, K, accumulate) {
      checkMatmul('matmulAtB', C, A, B, M, N, K);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += A[k * M + i] * B[k * N + j];
          C[i * N + j] = accumulate ? C[i * N + j] + s : s;
        }
      }
    },

    addBias(out, bias, R, N) {
      checkRows('addBias', out, bias, R, N);
      for (let r = 0; r < R; r++) {
        for (let j = 0; j < N; j++) out[r * N + j] += bias[j];
      }
    },

    sumRows(dbias, d, R, N) {
      checkRows('sumRows', d, dbias, R, N);
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let r = 0; r < R; r++) s += d[r * N + j];
        dbias[j] += s;
      }
    },

    tanh(out, x, n) {
      checkSizes('tanh', { n });
      checkLength('tanh', 'out', out, n);
      checkLength('tanh', 'x', x, n);
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
    },

    rnnTanhForward(h, pre, Whh, B, T, H) {
      checkRnn('rnnTanhForward', { h, pre }, Whh, B, T, H);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          const row = (b * T + t) * H;  // h_t of sequence b
          const prev = row - H;         // h_{t-1}
          for (let j = 0; j < H; j++) {
            let s = pre[row + j];
            if (t > 0) {
              for (let k = 0; k < H; k++) s += h[prev + k] * Whh[j * H + k];
            }
            h[row + j] = Math.tanh(s);
          }
        }
      }
    },

    rnnTanhBackward(dpre, dh, h, Whh, B, T, H) {
      checkRnn('rnnTanhBackward', { dpre, dh, h }, Whh, B, T, H);
      for (let b = 0; b < B; b++) {
        for (let t = T - 1; t >= 0; t--) {
          const row = (b * T + t) * H;  // step t of sequence b
          const next = row + H;         // dpre_{t+1}
          for (let k = 0; k < H; k++) {
            let s = dh[row + k];
            if (t < T - 1) {
              for (let j = 0; j < H; j++) s += dpre[next + j] * Whh[j * H + k];
            }
            const y = h[row + k];
            dpre[row + k] = s * (1 - y * y);
          }
        }
      }
    },

    causalSoftmax(p, R, N, r0, scale) {
      checkSoftmax('causalSoftmax', { p }, R, N, r0, scale);
      for (let i = 0; i < R; i++) {
        const row = i * N;
        const n = Math.min(r0 + i + 1, N); // keys this row sees
        let max = -Infinity;
        for (let u = 0; u < n; u++) if (p[row + u] > max) max = p[row + u];
        let sum = 0;
        for (let u = 0; u < n; u++) {
          const e = Math.exp((p[row + u] - max) * scale);
          p[row + u] = e;
          sum += e;
        }
        for (let u = 0; u < n; u++) p[row + u] /= sum;
        p.fill(0, row + n, row + N);
      }
    },

    causalSoftmaxBackward(ds, p, R, N, r0, scale) {
      checkSoftmax('causalSoftmaxBackward', { ds, p }, R, N, r0, scale);
      for (let i = 0; i < R; i++) {
        const row = i * N;
        const n = Math.min(r0 + i + 1, N);
        let dot = 0; // Σ_u p·ds
        for (let u = 0; u < n; u++) dot += p[row + u] * ds[row + u];
        for (let u = 0; u < n; u++) ds[row + u] = p[row + u] * (ds[row + u] - dot) * scale;
        ds.fill(0, row + n, row + N);
      }
    },

    adamw(param, grad, m, v, n, step: AdamWStep) {
      checkAdamw(param, grad, m, v, n);
      const s = adamwScalars(step);
      const f = Math.fround; // every operation rounded to float32, as in the wasm kernel
      for (let i = 0; i < n; i++) {
        const g = grad[i];
        const p = f(param[i] * s.decay);
        const mi = f(f(m[i] * s.beta1) + f(s.omb1 * g));
        const vi = f(f(v[i] * s.beta2) + f(f(s.omb2 * g) * g));
        const denom = f(f(f(Math.sqrt(vi)) / s.bc2sqrt) + s.eps);
        m[i] = mi;
        v[i] = vi;
        param[i] = f(p + f(f(s.negStepSize * mi) / denom));
      }
    },
  };
}
