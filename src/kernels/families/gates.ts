// Kernels of GRU and LSTM: the whole recurrence and its backward through time.
// The contract (shapes, what is overwritten, what is accumulated) is written once here, on
// the interface; plain-gates.ts is the TypeScript reference, wasm-gates.ts wraps
// assembly/gates.ts. Conventions: see the head of ../backend.ts.

export interface GateKernels {}
