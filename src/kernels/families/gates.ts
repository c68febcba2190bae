// Kernels of GRU and LSTM: the whole recurrence and its backward through time.
// The contract (shapes, what is overwritten, what is accumulated) is written once here, on
// the interface; plain-gates.ts is the TypeScript reference, wasm-gates.ts wraps
// assembly/gates.ts. Conventions: see the head of ../backend.ts.
//
// Unlike the general kernels, these work time-major: a (T, B, W) buffer holds sequence b at
// step t in row t·B + b, so that one step of the whole batch is one contiguous (B, W) block.
// The weight gradients are not here: with the gate gradients of every step stored, each is
// one matmul summed over all steps (see src/models/gru.ts and lstm.ts).

import { checkLength, checkSizes } from '../backend.js';

export interface GateKernels {
  /** The GRU's recurrence over all T steps, PyTorch's nn.GRU with gates r, z, n:
   *    r_t = σ(gi_r + gh_r),  z_t = σ(gi_z + gh_z),  n_t = tanh(gi_n + r_t ⊙ gh_n),
   *    h_t = n_t + z_t ⊙ (h_{t−1} − n_t),  gh = h_{t−1}·W_hhᵀ + b_hh,  h_{−1} = 0.
   *  h (T,B,H) =; ghn (T,B,H) = gh_n of every step (backward needs it);
   *  gates (T,B,3H) holds gi = x·W_ihᵀ + b_ih on entry and r, z, n on return (in place).
   *  Whh (3H,H) and bhh (3H) in PyTorch's layout. */
  gruForward(h: Float32Array, ghn: Float32Array, gates: Float32Array, Whh: Float32Array, bhh: Float32Array,
    B: number, T: number, H: number): void;

  /** Backpropagation through the GRU's recurrence, for t = T−1 down to 0:
   *    dn = dh_t ⊙ (1 − z) ⊙ (1 − n²),  dz = dh_t ⊙ (h_{t−1} − n) ⊙ z(1 − z),
   *    dr = dn ⊙ ghn ⊙ r(1 − r);
   *    dgi_t = [dr, dz, dn],  dgh_t = [dr, dz, dn ⊙ r];
   *    dh_{t−1} += z ⊙ dh_t + dgh_t·W_hh.
   *  dgi, dgh (T,B,3H) = the gradients of gi and gh; dh (T,B,H) holds the gradient reaching h
   *  from outside on entry (e.g. dy·W_fc) and the whole ∂loss/∂h_t on return (in place).
   *  gates (T,B,3H) r, z, n, ghn (T,B,H) and h (T,B,H) as gruForward left them. */
  gruBackward(dgi: Float32Array, dgh: Float32Array, dh: Float32Array, gates: Float32Array, ghn: Float32Array,
    h: Float32Array, Whh: Float32Array, B: number, T: number, H: number): void;

  /** The LSTM's recurrence over all T steps, PyTorch's nn.LSTM with gates i, f, g, o:
   *    [i f g o] = act(pre_t + h_{t−1}·W_hhᵀ), act = σ, σ, tanh, σ,
   *    c_t = f ⊙ c_{t−1} + i ⊙ g,  h_t = o ⊙ tanh(c_t),  h_{−1} = c_{−1} = 0.
   *  h, c, tanhC (T,B,H) = h_t, c_t, tanh(c_t); gates (T,B,4H) holds
   *  pre = x·W_ihᵀ + b_ih + b_hh on entry and i, f, g, o on return (in place). Whh (4H,H). */
  lstmForward(h: Float32Array, c: Float32Array, tanhC: Float32Array, gates: Float32Array, Whh: Float32Array,
    B: number, T: number, H: number): void;

  /** Backpropagation through the LSTM's recurrence, for t = T−1 down to 0:
   *    dh_t += dgates_{t+1}·W_hh  (t < T−1),
   *    dc = dc_{t+1} ⊙ f_{t+1} + dh_t ⊙ o ⊙ (1 − tanh²c_t)   (dc_T = 0),
   *    dgates_t = [dc ⊙ g ⊙ i(1−i), dc ⊙ c_{t−1} ⊙ f(1−f), dc ⊙ i ⊙ (1−g²), dh_t ⊙ tanh c_t ⊙ o(1−o)].
   *  dgates (T,B,4H) = ∂loss/∂pre; dh (T,B,H) holds the gradient from outside on entry and the
   *  whole ∂loss/∂h_t on return (in place). gates, c, tanhC as lstmForward left them. */
  lstmBackward(dgates: Float32Array, dh: Float32Array, gates: Float32Array, c: Float32Array, tanhC: Float32Array,
    Whh: Float32Array, B: number, T: number, H: number): void;
}

export type GateKernel = keyof GateKernels;

/** Shared argument checks: every (T,B,H) array holds B·T·H values, every (T,B,G) one B·T·G
 *  (G = gates·H), W_hh gates·H·H, and b_hh (where given) gates·H. */
export function checkGates(kernel: GateKernel, gates: number, perH: Record<string, Float32Array>,
  perG: Record<string, Float32Array>, Whh: Float32Array, B: number, T: number, H: number, bhh?: Float32Array): void {
  checkSizes(kernel, { B, T, H });
  for (const [name, a] of Object.entries(perH)) checkLength(kernel, name, a, B * T * H);
  for (const [name, a] of Object.entries(perG)) checkLength(kernel, name, a, B * T * gates * H);
  checkLength(kernel, 'Whh', Whh, gates * H * H);
  if (bhh !== undefined) checkLength(kernel, 'bhh', bhh, gates * H);
}
