// Kernels of the transformer: attention, layer norm, GELU, the feed-forward.
// The contract (shapes, what is overwritten, what is accumulated) is written once here, on
// the interface; plain-transformer.ts is the TypeScript reference, wasm-transformer.ts wraps
// assembly/transformer.ts. Conventions: see the head of ../backend.ts.

export interface TransformerKernels {}
