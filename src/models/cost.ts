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
