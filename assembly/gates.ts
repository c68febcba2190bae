// GRU and LSTM kernels: the whole recurrence and its backward through time.
