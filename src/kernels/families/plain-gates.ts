// The plain TypeScript reference of the kernels in gates.ts: obvious loops over time-major
// (T, B, ·) buffers, recurrent products accumulated in float64, Math.exp and Math.tanh.

import { checkGates, type GateKernels } from './gates.js';

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

export function plainGatesKernels(): GateKernels {
  return {
    gruForward(h, ghn, gates, Whh, bhh, B, T, H) {
      checkGates('gruForward', 3, { h, ghn }, { gates }, Whh, B, T, H, bhh);
      const G = 3 * H;
      const gh = new Float64Array(G);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const row = t * B + b;           // this frame in (T, B, ·)
          const prev = (row - B) * H;      // h_{t−1} of the same sequence
          for (let i = 0; i < G; i++) {
            let s = bhh[i];
            if (t > 0) for (let k = 0; k < H; k++) s += h[prev + k] * Whh[i * H + k];
            gh[i] = s;
          }
          const g = row * G, o = row * H;
          for (let j = 0; j < H; j++) {
            const r = sigmoid(gates[g + j] + gh[j]);
            const z = sigmoid(gates[g + H + j] + gh[H + j]);
            const hn = Math.fround(gh[2 * H + j]);
            const n = Math.tanh(gates[g + 2 * H + j] + r * hn);
            const hPrev = t > 0 ? h[prev + j] : 0;
            gates[g + j] = r;
            gates[g + H + j] = z;
            gates[g + 2 * H + j] = n;
            ghn[o + j] = hn;
            h[o + j] = (1 - z) * n + z * hPrev;
          }
        }
      }
    },

    gruBackward(dgi, dgh, dh, gates, ghn, h, Whh, B, T, H) {
      checkGates('gruBackward', 3, { dh, ghn, h }, { dgi, dgh, gates }, Whh, B, T, H);
      const G = 3 * H;
      for (let t = T - 1; t >= 0; t--) {
        for (let b = 0; b < B; b++) {
          const row = t * B + b;
          const g = row * G, o = row * H, prev = (row - B) * H;
          for (let j = 0; j < H; j++) {
            const r = gates[g + j], z = gates[g + H + j], n = gates[g + 2 * H + j];
            const hPrev = t > 0 ? h[prev + j] : 0;
            const d = dh[o + j];
            const dn = d * (1 - z) * (1 - n * n);
            const dz = d * (hPrev - n) * z * (1 - z);
            const dr = dn * ghn[o + j] * r * (1 - r);
            dgi[g + j] = dr;
            dgi[g + H + j] = dz;
            dgi[g + 2 * H + j] = dn;
            dgh[g + j] = dr;
            dgh[g + H + j] = dz;
            dgh[g + 2 * H + j] = dn * r;
          }
          if (t === 0) continue;
          // dh_{t−1} += z ⊙ dh_t + dgh_t·W_hh
          for (let k = 0; k < H; k++) {
            let s = dh[prev + k] + dh[o + k] * gates[g + H + k];
            for (let i = 0; i < G; i++) s += dgh[g + i] * Whh[i * H + k];
            dh[prev + k] = s;
          }
        }
      }
    },

    lstmForward(h, c, tanhC, gates, Whh, B, T, H) {
      checkGates('lstmForward', 4, { h, c, tanhC }, { gates }, Whh, B, T, H);
      const G = 4 * H;
      const pre = new Float64Array(G);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const row = t * B + b;
          const prev = (row - B) * H;
          const g = row * G, o = row * H;
          for (let i = 0; i < G; i++) {
            let s = gates[g + i];
            if (t > 0) for (let k = 0; k < H; k++) s += h[prev + k] * Whh[i * H + k];
            pre[i] = Math.fround(s);
          }
          for (let j = 0; j < H; j++) {
            const ig = sigmoid(pre[j]);
            const fg = sigmoid(pre[H + j]);
            const gg = Math.tanh(pre[2 * H + j]);
            const og = sigmoid(pre[3 * H + j]);
            gates[g + j] = ig;
            gates[g + H + j] = fg;
            gates[g + 2 * H + j] = gg;
            gates[g + 3 * H + j] = og;
            c[o + j] = fg * (t > 0 ? c[prev + j] : 0) + ig * gg;
            tanhC[o + j] = Math.tanh(c[o + j]); // of the float32 c_t, as stored
            h[o + j] = og * tanhC[o + j];
          }
        }
      }
    },

    lstmBackward(dgates, dh, gates, c, tanhC, Whh, B, T, H) {
      checkGates('lstmBackward', 4, { dh, c, tanhC }, { dgates, gates }, Whh, B, T, H);
      const G = 4 * H;
      const dc = new Float64Array(B * H); // ∂loss/∂c_t carried backward, dc_T = 0
      for (let t = T - 1; t >= 0; t--) {
        for (let b = 0; b < B; b++) {
          const row = t * B + b;
          const g = row * G, o = row * H, prev = (row - B) * H;
          if (t < T - 1) {
            // dh_t += dgates_{t+1}·W_hh
            const next = (row + B) * G;
            for (let k = 0; k < H; k++) {
              let s = dh[o + k];
              for (let i = 0; i < G; i++) s += dgates[next + i] * Whh[i * H + k];
              dh[o + k] = s;
            }
          }
          for (let j = 0; j < H; j++) {
            const ig = gates[g + j], fg = gates[g + H + j], gg = gates[g + 2 * H + j], og = gates[g + 3 * H + j];
            const tc = tanhC[o + j];
            const d = dh[o + j];
            const dct = dc[b * H + j] + d * og * (1 - tc * tc);
            const cPrev = t > 0 ? c[prev + j] : 0;
            dgates[g + j] = dct * gg * ig * (1 - ig);
            dgates[g + H + j] = dct * cPrev * fg * (1 - fg);
            dgates[g + 2 * H + j] = dct * ig * (1 - gg * gg);
            dgates[g + 3 * H + j] = d * tc * og * (1 - og);
            dc[b * H + j] = dct * fg;
          }
        }
      }
    },
  };
}
