// Shared SIMD helpers of the training kernels.
//
// The kernels are compiled twice from the same source (assembly/asconfig.json): once with
// plain 128-bit SIMD, and once with relaxed SIMD on as well, where `madd` becomes
// `f32x4.relaxed_madd`, which engines lower to a real fused multiply-add (one instruction,
// one rounding) on CPUs that have one. ASC_FEATURE_RELAXED_SIMD is a compile-time constant,
// so each build holds only its own branch. The loader (src/kernels/webassembly.ts) picks the
// relaxed build where the engine accepts it.

/** a·b + c in four lanes: fused where the build and the CPU allow, else a multiply and an add. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
