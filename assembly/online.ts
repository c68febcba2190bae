// The online units' kernels: the per-step loops of eprop, esn-rls and linear.
