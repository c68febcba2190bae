// The plain TypeScript reference of the kernels in transformer.ts: the obvious loops, sums in
// float64.

import { checkLength } from '../backend.js';
import { gelu, geluGrad } from './gelu.js';
import {
  ATT_ROWS, attentionProbsSize, checkAttention, checkElementwise, checkLayerNorm, checkAddBiasResidual,
  type TransformerKernels,
} from './transformer.js';

export function plainTransformerKernels(): TransformerKernels {
  return {
    layerNormForward(u, mean, rstd, x, gamma, beta, N, W, eps) {
      checkLayerNorm('layerNormForward', { u, x }, { mean, rstd }, { gamma, beta }, N, W);
      for (let n = 0; n < N; n++) {
        const row = n * W;
        let s = 0;
        for (let i = 0; i < W; i++) s += x[row + i];
        const m = s / W;
        let v = 0;
        for (let i = 0; i < W; i++) {
          const d = x[row + i] - m;
          v += d * d;
        }
        const r = 1 / Math.sqrt(v / W + eps);
        mean[n] = m;
        rstd[n] = r;
        for (let i = 0; i < W; i++) u[row + i] = (x[row + i] - m) * r * gamma[i] + beta[i];
      }
    },

    layerNormBackward(dx, dgamma, dbeta, du, x, mean, rstd, gamma, N, W) {
      checkLayerNorm('layerNormBackward', { dx, du, x }, { mean, rstd }, { dgamma, dbeta, gamma }, N, W);
      for (let n = 0; n < N; n++) {
        const row = n * W;
        const m = mean[n];
        const r = rstd[n];
        let sumD = 0;
        let sumDX = 0;
        for (let i = 0; i < W; i++) {
          const xhat = (x[row + i] - m) * r;
          const dxhat = du[row + i] * gamma[i];
          sumD += dxhat;
          sumDX += dxhat * xhat;
        }
        const meanD = sumD / W;
        const meanDX = sumDX / W;
        for (let i = 0; i < W; i++) {
          const xhat = (x[row + i] - m) * r;
          const dxhat = du[row + i] * gamma[i];
          dx[row + i] += r * (dxhat - meanD - xhat * meanDX);
          dgamma[i] += du[row + i] * xhat;
          dbeta[i] += du[row + i];
        }
      }
    },

    geluForward(g, a, n) {
      checkElementwise('geluForward', { g, a }, n);
      for (let i = 0; i < n; i++) g[i] = gelu(a[i]);
    },

    geluBackward(da, dg, a, n) {
      checkElementwise('geluBackward', { da, dg, a }, n);
      for (let i = 0; i < n; i++) da[i] = dg[i] * geluGrad(a[i]);
    },

    addBiasResidual(out, bias, res, R, N, P) {
      checkAddBiasResidual(out, bias, res, R, N, P);
      const f = Math.fround; // two float32 additions, as in the wasm kernel
      for (let r = 0; r < R; r++) {
        const o = r * N;
        const s = (r % P) * N;
        for (let j = 0; j < N; j++) out[o + j] = f(out[o + j] + bias[j]) + res[s + j];
      }
    },

    attentionForward(ctx, probs, qkv, B, T, W, heads, scale) {
      checkAttention('attentionForward', { ctx }, probs, qkv, B, T, W, heads, scale);
      const D = W / heads;
      const W3 = 3 * W;
      const triangle = attentionProbsSize(T);
      const s = new Float64Array(T);
      for (let b = 0; b < B; b++) {
        for (let hd = 0; hd < heads; hd++) {
          const q = b * T * W3 + hd * D; // element (t, d) of the head's q at q + t·3W + d
          const k = q + W;
          const v = q + 2 * W;
          let off = (b * heads + hd) * triangle;
          for (let r0 = 0; r0 < T; r0 += ATT_ROWS) {
            const r1 = Math.min(T, r0 + ATT_ROWS);
            for (let t = r0; t < r1; t++) {
              const row = off + (t - r0) * r1; // row t of the block (r1 − r0, r1)
              let max = -Infinity;
              for (let u = 0; u <= t; u++) {
                let dot = 0;
                for (let d = 0; d < D; d++) dot += qkv[q + t * W3 + d] * qkv[k + u * W3 + d];
                s[u] = dot;
                if (dot > max) max = dot;
              }
              let sum = 0;
              for (let u = 0; u <= t; u++) {
                s[u] = Math.exp((s[u] - max) * scale);
                sum += s[u];
              }
              for (let u = 0; u < r1; u++) probs[row + u] = u <= t ? s[u] / sum : 0;
              const c = (b * T + t) * W + hd * D;
              for (let d = 0; d < D; d++) {
                let acc = 0;
                for (let u = 0; u <= t; u++) acc += probs[row + u] * qkv[v + u * W3 + d];
                ctx[c + d] = acc;
              }
            }
            off += (r1 - r0) * r1;
          }
        }
      }
    },

    attentionBackward(dqkv, dctx, probs, qkv, B, T, W, heads, scale) {
      checkAttention('attentionBackward', { dctx }, probs, qkv, B, T, W, heads, scale);
      checkLength('attentionBackward', 'dqkv', dqkv, B * T * 3 * W);
      const D = W / heads;
      const W3 = 3 * W;
      const triangle = attentionProbsSize(T);
      const dk = new Float64Array(T * D);
      const dv = new Float64Array(T * D);
      const ds = new Float64Array(T);
      for (let b = 0; b < B; b++) {
        for (let hd = 0; hd < heads; hd++) {
          const q = b * T * W3 + hd * D;
          const k = q + W;
          const v = q + 2 * W;
          dk.fill(0);
          dv.fill(0);
          let off = (b * heads + hd) * triangle;
          for (let r0 = 0; r0 < T; r0 += ATT_ROWS) {
            const r1 = Math.min(T, r0 + ATT_ROWS);
            for (let t = r0; t < r1; t++) {
              const row = off + (t - r0) * r1;
              const dc = (b * T + t) * W + hd * D;
              // ∂p_t,u = dc_t·v_u, and dv_u += p_t,u dc_t
              let dot = 0; // Σ_u p·∂p
              for (let u = 0; u <= t; u++) {
                let dp = 0;
                for (let d = 0; d < D; d++) {
                  dp += dctx[dc + d] * qkv[v + u * W3 + d];
                  dv[u * D + d] += probs[row + u] * dctx[dc + d];
                }
                ds[u] = dp;
                dot += probs[row + u] * dp;
              }
              for (let u = 0; u <= t; u++) ds[u] = scale * probs[row + u] * (ds[u] - dot);
              // dq_t = Σ_u ∂s k_u;  dk_u += ∂s q_t
              for (let d = 0; d < D; d++) {
                let acc = 0;
                for (let u = 0; u <= t; u++) {
                  acc += ds[u] * qkv[k + u * W3 + d];
                  dk[u * D + d] += ds[u] * qkv[q + t * W3 + d];
                }
                dqkv[q + t * W3 + d] = acc;
              }
            }
            off += (r1 - r0) * r1;
          }
          for (let u = 0; u < T; u++) {
            for (let d = 0; d < D; d++) {
              dqkv[k + u * W3 + d] = dk[u * D + d];
              dqkv[v + u * W3 + d] = dv[u * D + d];
            }
          }
        }
      }
    },
  };
}
