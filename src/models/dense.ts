/**
 * The Linear layer, y = x Wᵀ + b (PyTorch's nn.Linear, W in [out, in]
 * layout), on the kernel backend. Rows are frames: N = B·T of them.
 */
import type { Backend } from '../kernels/backend.js';

/** y (N, OUT) = x (N, IN) · Wᵀ + b, W (OUT, IN), b (OUT). */
export function linearForward(
  be: Backend,
  y: Float32Array,
  x: Float32Array,
  W: Float32Array,
  b: Float32Array,
  N: number,
  IN: number,
  OUT: number,
): void {
  be.matmulABt(y, x, W, N, OUT, IN, false);
  be.addBias(y, b, N, OUT);
}

/**
 * dW (OUT, IN) += dyᵀ · x and db (OUT) += Σ_n dy over all N rows at once;
 * dx (N, IN) = dy · W when the input's gradient is wanted (null otherwise).
 */
export function linearBackward(
  be: Backend,
  dx: Float32Array | null,
  dW: Float32Array,
  db: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  W: Float32Array,
  N: number,
  IN: number,
  OUT: number,
): void {
  be.matmulAtB(dW, dy, x, OUT, IN, N, true);
  be.sumRows(db, dy, N, OUT);
  if (dx) be.matmulAB(dx, dy, W, N, IN, OUT, false);
}
