/**
 * Cost metrics of a predictor unit, in the spirit of NeuroBench (Yik et al.,
 * 2024): what it stores and what it computes per predicted frame.
 */
export interface UnitCost {
  /** Multiply-accumulates per predicted frame, counting every weight. */
  macsPerFrame: number;
  /** The same, skipping multiplications by an exact zero activation (measured). */
  effectiveMacsPerFrame?: number;
  /** Fraction of hidden activations that are exactly zero (measured), 0 … 1. */
  activationSparsity?: number;
}

/** Fraction of a[from, from+n) that is exactly zero. */
export function zeroFraction(a: Float32Array, n: number, from = 0): number {
  if (n === 0) return 0;
  let zeros = 0;
  for (let i = from; i < from + n; i++) if (a[i] === 0) zeros++;
  return zeros / n;
}

/**
 * Cost of a network whose input-side MACs always run and whose other MACs
 * read hidden activations, of which `sparsity` are exactly zero.
 */
export function hiddenCost(inputMacs: number, hiddenMacs: number, sparsity: number): UnitCost {
  return {
    macsPerFrame: inputMacs + hiddenMacs,
    effectiveMacsPerFrame: inputMacs + hiddenMacs * (1 - sparsity),
    activationSparsity: sparsity,
  };
}

/** What a unit stores and computes, for tables and summaries. */
export interface CostReport extends Partial<UnitCost> {
  /** Every stored number (weights, fixed or learnt). */
  params: number;
  /** The ones learning changes. */
  trainable: number;
  /** Bytes to run it on one stream: float32 parameters plus its per-sequence state. */
  memoryBytes: number;
  /** Fraction of its stored numbers that are exactly zero (NeuroBench's connection sparsity), 0 … 1. */
  connectionSparsity?: number;
}

/**
 * The cost as NeuroBench names its metrics (neurobench/metrics: static Footprint and
 * ConnectionSparsity, workload ActivationSparsity and SynapticOperations with Dense and
 * Effective_MACs), in our snake_case, per predicted frame, so a run can be read beside their
 * leaderboard. Footprint is our memory (float32 parameters and state; theirs counts parameters
 * and buffers at the model's dtype, float64 for their LSTM and ESN).
 */
export function neurobenchMetrics(cost: CostReport): Record<string, unknown> {
  return {
    footprint: cost.memoryBytes,
    connection_sparsity: cost.connectionSparsity ?? null,
    activation_sparsity: cost.activationSparsity ?? null,
    synaptic_operations: { dense: cost.macsPerFrame ?? null, effective_macs: cost.effectiveMacsPerFrame ?? cost.macsPerFrame ?? null },
  };
}

