// The transformer's kernels: attention, layer norm, GELU, the feed-forward.
