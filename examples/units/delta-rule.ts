/**
 * A worked example of an online predictor unit for audiopred (see docs/units.md).
 *
 * A layer of F linear output neurons, one per MFCC coefficient, reads the
 * current frame plus leaky traces of past frames at a few time constants (a
 * fading memory, like synaptic or dendritic filtering), and learns by the
 * normalised delta rule (NLMS): each weight changes in proportion to its own
 * neuron's prediction error times its own input — a local rule, no
 * backpropagation.
 *
 *   u_k(t) = (1 − 1/τ_k) u_k(t−1) + (1/τ_k) x_t          (one trace per τ_k)
 *   φ(t)   = [x_t; u_1(t); …; u_K(t); 1]
 *   y(t)   = W φ(t)                                      (prediction of x_{t+horizon})
 *   W     ← W − η · error(t) φ(t)ᵀ / (‖φ(t)‖² + ε)       (learn)
 *
 * The target of step t's prediction arrives horizon − 1 steps later, when the
 * traces have moved on, so each step keeps its φ(t) in a ring of the last
 * `horizon` steps and learn() reads the one of the step it is told (signal.t).
 *
 * Run it:  npx audiopred train --model examples/units/delta-rule.ts --epochs 5
 *          npx audiopred train --model examples/units/delta-rule.ts --opt rate=0.05
 */
import { layoutParams, readOptions, type LearnSignal, type OnlineUnit, type SearchSpace, type UnitContext } from 'audiopred';

/** Time constants of the traces, in frames (10 ms each). */
const TAUS = [2, 4, 8, 16];

/** What `audiopred tune` varies: the one option this unit reads (it has no --lr or --hidden). */
export const search: SearchSpace = { options: { rate: { log: [1e-3, 1] } } };

export default function createDeltaRule(context: UnitContext): OnlineUnit {
  const F = context.features;
  const { rate } = readOptions('delta-rule', context.options, {
    rate: { default: 0.01, above: 0, max: 2, help: 'NLMS step size η (stable for 0 < η < 2)' },
  });
  const D = F * (1 + TAUS.length) + 1; // inputs per output neuron: frame, traces, bias
  const layout = layoutParams([{ name: 'weight', shape: [F, D] }]);
  const W = new Float32Array(layout.size); // starts at zero: predicts 0 until it has learnt
  const phi = new Float32Array(D);
  const H = context.horizon;
  const kept = Array.from({ length: H }, () => new Float32Array(D)); // φ of the last H steps, step t's at t mod H
  let steps = 0; // steps since reset
  const prediction = new Float32Array(F);
  let frames = 0; // frames since the last cost() call

  return {
    kind: 'online',
    name: 'delta-rule',
    features: F,
    layout,
    params: W,
    stateSize: D,

    reset() {
      phi.fill(0);
      phi[D - 1] = 1; // the bias input
      steps = 0;
    },

    step(x) {
      // Traces first (they read the previous frame's values), then the frame itself.
      for (let k = 0; k < TAUS.length; k++) {
        const a = 1 / TAUS[k];
        const u = F * (1 + k);
        for (let f = 0; f < F; f++) phi[u + f] += a * (x[f] - phi[u + f]);
      }
      phi.set(x, 0);
      for (let o = 0; o < F; o++) {
        let s = 0;
        const row = o * D;
        for (let i = 0; i < D; i++) s += W[row + i] * phi[i];
        prediction[o] = s;
      }
      kept[steps++ % H].set(phi);
      frames++;
      return prediction;
    },

    learn(signal: LearnSignal) {
      const { error } = signal;
      const phiT = kept[signal.t % H]; // φ(t) of the step that made the prediction
      let norm = 1e-6;
      for (let i = 0; i < D; i++) norm += phiT[i] * phiT[i];
      for (let o = 0; o < F; o++) {
        const g = (rate * error[o]) / norm;
        const row = o * D;
        for (let i = 0; i < D; i++) W[row + i] -= g * phiT[i];
      }
    },

    // Checkpoints: audiopred saves `params` (W) itself, and the traces in phi (and the
    // kept φ's) are per-segment state that reset() clears, so there is nothing more to save. The two
    // empty methods say so; without them --resume refuses the run (docs/units.md).
    saveState: () => ({}),
    loadState() {},

    cost() {
      frames = 0;
      // Traces: 2 MACs per trace value; readout: F·D. Dense inputs, so effective = dense.
      const macs = 2 * F * TAUS.length + F * D;
      return { macsPerFrame: macs, effectiveMacsPerFrame: macs, activationSparsity: 0 };
    },
  };
}
