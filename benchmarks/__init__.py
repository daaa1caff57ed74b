"""hrmsearch.benchmarks: the benchmark harness, its reports, the paper in miniature and perf commands."""
