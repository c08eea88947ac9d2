// The fsbench harness.
