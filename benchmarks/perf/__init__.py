"""Performance benchmarks, one module each; every one prints a JSON line last.

    python -m hrmsearch.benchmarks.perf NAME [options]

Each ``NAME.py`` here exposes ``main(argv) -> dict`` returning the final JSON
record (``{"metric": ..., "value": ...}`` plus context), measured as a ratio
against a baseline in the same run.
"""
