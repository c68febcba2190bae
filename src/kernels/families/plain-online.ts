// The plain TypeScript reference of the kernels in online.ts: the obvious loops, float64 sums.

import { checkEpropDelta, checkEpropStep, checkRlsDowndate, checkRlsGain, type OnlineKernels } from './online.js';

export function plainOnlineKernels(): OnlineKernels {
  return {
    epropStep(a, h, y, trace, x, hPrev, Wih, Whh, b, Wfc, bfc, F, N, alpha) {
      checkEpropStep(a, h, y, trace, x, hPrev, Wih, Whh, b, Wfc, bfc, F, N, alpha);
      const beta = 1 - alpha;
      for (let j = 0; j < N; j++) {
        let sum = b[j];
        for (let i = 0; i < F; i++) sum += Wih[j * F + i] * x[i];
        for (let m = 0; m < N; m++) sum += Whh[j * N + m] * hPrev[m];
        a[j] = alpha * a[j] + beta * sum;
        h[j] = Math.tanh(a[j]);
      }
      for (let k = 0; k < F; k++) {
        let sum = bfc[k];
        for (let j = 0; j < N; j++) sum += Wfc[k * N + j] * h[j];
        y[k] = sum;
      }
      for (let i = 0; i < F; i++) trace[i] = alpha * trace[i] + beta * x[i];
      for (let m = 0; m < N; m++) trace[F + m] = alpha * trace[F + m] + beta * hPrev[m];
      trace[F + N] = alpha * trace[F + N] + beta;
    },

    epropDelta(delta, h, n) {
      checkEpropDelta(delta, h, n);
      for (let i = 0; i < n; i++) delta[i] *= 1 - h[i] * h[i];
    },

    rlsGain(u, P, z, D) {
      checkRlsGain(u, P, z, D);
      u.fill(0, 0, D);
      for (let i = 0; i < D; i++) {
        const row = i * D, zi = z[i];
        let sum = P[row + i] * zi;
        for (let j = i + 1; j < D; j++) {
          const p = P[row + j];
          sum += p * z[j];
          u[j] += p * zi;
        }
        u[i] += sum;
      }
    },

    rlsDowndate(P, u, g, D) {
      checkRlsDowndate(P, u, g, D);
      for (let i = 0; i < D; i++) {
        const gi = g * u[i], row = i * D;
        for (let j = i; j < D; j++) P[row + j] -= gi * u[j];
      }
    },
  };
}
