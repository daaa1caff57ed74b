"""hrmsearch.benchmarks: datasets, answer grading, the harness, reports and perf benchmarks."""
