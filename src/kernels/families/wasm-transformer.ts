// The wasm wrappers of the kernels in transformer.ts (assembly/transformer.ts).

import { checkLength } from '../backend.js';
import type { WasmKernelContext } from './context.js';
import {
  ATT_ROWS, checkAttention, checkElementwise, checkLayerNorm, checkAddBiasResidual, type TransformerKernels,
} from './transformer.js';

/** The raw exports of assembly/transformer.ts: pointers are byte offsets, sizes element counts. */
interface TransformerExports {
  ATT_ROWS: { value: number };
  layerNormForward(u: number, mean: number, rstd: number, x: number, gamma: number, beta: number, N: number, W: number, eps: number): void;
  layerNormBackward(dx: number, dgamma: number, dbeta: number, du: number, x: number, mean: number, rstd: number, gamma: number,
    N: number, W: number): void;
  geluForward(g: number, a: number, n: number): void;
  geluBackward(da: number, dg: number, a: number, n: number): void;
  addBiasResidual(out: number, bias: number, res: number, R: number, N: number, P: number): void;
  attentionForward(ctx: number, probs: number, qkv: number, B: number, T: number, W: number, heads: number, scale: number,
    scratch: number): void;
  attentionBackward(dqkv: number, dctx: number, probs: number, qkv: number, B: number, T: number, W: number, heads: number,
    scale: number, scratch: number): void;
}

const roundUp16 = (n: number) => Math.ceil(n / 16) * 16;

export function wasmTransformerKernels(context: WasmKernelContext): TransformerKernels {
  const k = context.exports as unknown as TransformerExports;
  const { ptr, scratch } = context;
  if (k.ATT_ROWS.value !== ATT_ROWS) {
    throw new Error(`wasm transformer kernels: ATT_ROWS is ${k.ATT_ROWS.value} in the module, ${ATT_ROWS} in TypeScript; rebuild`);
  }

  return {
    layerNormForward(u, mean, rstd, x, gamma, beta, N, W, eps) {
      const kn = 'layerNormForward';
      checkLayerNorm(kn, { u, x }, { mean, rstd }, { gamma, beta }, N, W);
      k.layerNormForward(ptr(kn, 'u', u), ptr(kn, 'mean', mean), ptr(kn, 'rstd', rstd), ptr(kn, 'x', x),
        ptr(kn, 'gamma', gamma), ptr(kn, 'beta', beta), N, W, eps);
    },

    layerNormBackward(dx, dgamma, dbeta, du, x, mean, rstd, gamma, N, W) {
      const kn = 'layerNormBackward';
      checkLayerNorm(kn, { dx, du, x }, { mean, rstd }, { dgamma, dbeta, gamma }, N, W);
      k.layerNormBackward(ptr(kn, 'dx', dx), ptr(kn, 'dgamma', dgamma), ptr(kn, 'dbeta', dbeta), ptr(kn, 'du', du),
        ptr(kn, 'x', x), ptr(kn, 'mean', mean), ptr(kn, 'rstd', rstd), ptr(kn, 'gamma', gamma), N, W);
    },

    geluForward(g, a, n) {
      checkElementwise('geluForward', { g, a }, n);
      k.geluForward(ptr('geluForward', 'g', g), ptr('geluForward', 'a', a), n);
    },

    geluBackward(da, dg, a, n) {
      checkElementwise('geluBackward', { da, dg, a }, n);
      k.geluBackward(ptr('geluBackward', 'da', da), ptr('geluBackward', 'dg', dg), ptr('geluBackward', 'a', a), n);
    },

    addBiasResidual(out, bias, res, R, N, P) {
      const kn = 'addBiasResidual';
      checkAddBiasResidual(out, bias, res, R, N, P);
      k.addBiasResidual(ptr(kn, 'out', out), ptr(kn, 'bias', bias), ptr(kn, 'res', res), R, N, P);
    },

    attentionForward(ctx, probs, qkv, B, T, W, heads, scale) {
      const kn = 'attentionForward';
      checkAttention(kn, { ctx }, probs, qkv, B, T, W, heads, scale);
      const D = W / heads;
      const s = scratch(D * T); // kᵀ of one head
      k.attentionForward(ptr(kn, 'ctx', ctx), ptr(kn, 'probs', probs), ptr(kn, 'qkv', qkv), B, T, W, heads, scale, s);
    },

    attentionBackward(dqkv, dctx, probs, qkv, B, T, W, heads, scale) {
      const kn = 'attentionBackward';
      checkAttention(kn, { dctx }, probs, qkv, B, T, W, heads, scale);
      checkLength(kn, 'dqkv', dqkv, B * T * 3 * W);
      const D = W / heads;
      const s = scratch(roundUp16(D * T) + Math.min(ATT_ROWS, T) * T); // vᵀ of one head, one block of ∂scores
      k.attentionBackward(ptr(kn, 'dqkv', dqkv), ptr(kn, 'dctx', dctx), ptr(kn, 'probs', probs), ptr(kn, 'qkv', qkv),
        B, T, W, heads, scale, s);
    },
  };
}
