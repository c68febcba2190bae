/**
 * linear: a ridge-regression autoregression, the closed-form baseline
 * between persistence and the trained networks. The prediction of frame
 * t + horizon is a linear function of the last k frames:
 *
 *   ŷ = W z + b,   z = [x_t; x_{t−1}; …; x_{t−k+1}]  (k·F),   W (F, k·F), b (F)
 *
 * Frames before the segment's start are 0 (reset clears the history). learn
 * adds the row ([z; 1] → x_{t+horizon}) to the ridge statistics; it comes
 * when x_{t+horizon} arrives, horizon − 1 steps after step t, so the unit
 * keeps the z of its last `horizon` steps, one slot each. endPass
 * solves (ZᵀZ + λ·n·I) [W b]ᵀ = ZᵀY with the bias unpenalised (ridge.ts) and
 * clears them. That is the exact least-squares fit over every training row,
 * so one pass is all it needs (`passes: 1`). Before the first fit it
 * predicts 0.
 */
import { UsageError } from '../errors.js';
import type { UnitCost } from './cost.js';
import type { LearnSignal, OnlineUnit } from './online.js';
import { readOptions } from './options.js';
import { layoutParams, paramViews } from './params.js';
import { addRidgeRow, clearRidgeStats, createRidgeStats, SingularSystemError, solveRidge } from './ridge.js';
import { StepSlots } from './step-slots.js';
import type { UnitContext } from './unit.js';

// Defaults from a sweep on the bundled example (horizon 2): order 8 (80 ms of context) beat
// 1, 2 and 4, and 12, 16 or 24 were no better. Per-frame standardisation makes each frame's
// coefficients sum to 0, so the inputs are exactly dependent and λ = 0 is singular: λ must be
// positive; 1e-6 … 1e-3 give the same loss, and 1e-3 keeps the system well away from singular.
export const LINEAR_OPTIONS = {
  order: {
    default: 8,
    min: 1,
    integer: true,
    help: 'k: frames of history the prediction reads, x_t … x_{t−k+1}',
  },
  ridge: {
    default: 1e-3,
    min: 0,
    help: 'λ: ridge penalty per training row on the weights (the bias is not penalised)',
  },
} as const;

export function createLinearAr(context: UnitContext): OnlineUnit {
  const name = 'linear';
  const options = readOptions(name, context.options, LINEAR_OPTIONS);
  const F = context.features;
  const k = options.order;
  const K = k * F; // history values
  const D = K + 1; // ridge inputs: the history and a constant 1 for the bias

  const layout = layoutParams([
    { name: 'weight', shape: [F, K] },
    { name: 'bias', shape: [F] },
  ]);
  const params = context.backend.alloc(layout.size);
  const { weight: W, bias: b } = paramViews(layout, params);

  const slots = new StepSlots(name, context.horizon);
  const H = slots.horizon;
  // (H, k·F + 1) z = [x_t; x_{t−1}; …; x_{t−k+1}; 1] of the last H steps, step t's in slot t mod H
  const zs = new Float64Array(H * D);
  const zOf = Array.from({ length: H }, (_, i) => zs.subarray(i * D, (i + 1) * D)); // one view per slot, made once
  for (const z of zOf) z[K] = 1;
  const y = new Float32Array(F); // the prediction, reused by every step
  const stats = createRidgeStats(D, F);
  const fit = new Float64Array(F * D); // (F, D) [W b] as ridge solves it

  // Cost: nonzero weights per history value (column of W), recounted after a fit or a reset.
  const columnNonzeros = new Int32Array(K);
  let weightsChanged = true;
  let measuredSteps = 0;
  let measuredMacs = 0;

  function countNonzeros(): void {
    columnNonzeros.fill(0);
    for (let f = 0; f < F; f++) for (let j = 0; j < K; j++) if (W[f * K + j] !== 0) columnNonzeros[j]++;
    weightsChanged = false;
  }

  return {
    kind: 'online',
    name,
    features: F,
    layout,
    params,
    trainableCount: layout.size,
    stateSize: K,
    passes: 1,

    reset() {
      slots.reset();
      zOf[slots.previous()].fill(0, 0, K); // the history the first step ages: frames before the start are 0
      weightsChanged = true; // params may have been restored from a checkpoint: recount
    },

    step(x) {
      if (x.length < F) throw new RangeError(`${name}: step needs ${F} features, got ${x.length}`);
      const last = slots.previous();
      const now = slots.next();
      zs.copyWithin(now * D + F, last * D, last * D + K - F); // the last step's history, aged by one frame
      const z = zOf[now];
      for (let f = 0; f < F; f++) z[f] = x[f];
      for (let f = 0; f < F; f++) {
        let sum = b[f];
        const row = f * K;
        for (let j = 0; j < K; j++) sum += W[row + j] * z[j];
        y[f] = sum;
      }
      if (weightsChanged) countNonzeros();
      for (let j = 0; j < K; j++) if (z[j] !== 0) measuredMacs += columnNonzeros[j];
      measuredSteps++;
      return y;
    },

    learn(signal: LearnSignal) {
      addRidgeRow(stats, zOf[slots.of(signal.t)], signal.target);
    },

    endPass() {
      if (stats.rows === 0) throw new Error(`${name}: the pass ended with no training rows to fit`);
      try {
        solveRidge(fit, stats, options.ridge, K);
      } catch (e) {
        if (!(e instanceof SingularSystemError)) throw e;
        throw new UsageError(`unit ${name}: ${e.message}; set --opt ridge to a positive value (now ${options.ridge})`);
      }
      for (let f = 0; f < F; f++) {
        for (let j = 0; j < K; j++) W[f * K + j] = fit[f * D + j];
        b[f] = fit[f * D + K];
      }
      clearRidgeStats(stats);
      weightsChanged = true;
    },

    cost(): UnitCost {
      // No hidden layer, so no hidden activations to be sparse: activationSparsity is 0 by
      // definition. Effective MACs skip zero weights and zero history frames (before the
      // segment's k-th frame the history is padded with zeros).
      const cost: UnitCost = { macsPerFrame: F * K, activationSparsity: 0 };
      if (measuredSteps > 0) cost.effectiveMacsPerFrame = measuredMacs / measuredSteps;
      measuredSteps = 0;
      measuredMacs = 0;
      return cost;
    },
  };
}
