// Kernels of the online units' per-step loops (eprop, esn-rls, linear).
// The contract (shapes, what is overwritten, what is accumulated) is written once here, on
// the interface; plain-online.ts is the TypeScript reference, wasm-online.ts wraps
// assembly/online.ts. Conventions: see the head of ../backend.ts.

export interface OnlineKernels {}
