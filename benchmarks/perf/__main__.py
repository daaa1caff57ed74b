"""Dispatch ``python -m hrmsearch.benchmarks.perf NAME`` to ``hrmsearch.benchmarks.perf.NAME``."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys

import hrmsearch.benchmarks.perf as perf_package


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(perf_package.__path__) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    names = available()
    if not argv or argv[0] not in names:
        print(f"usage: python -m hrmsearch.benchmarks.perf {{{','.join(names)}}} [options]", file=sys.stderr)
        return 2
    module = importlib.import_module(f"hrmsearch.benchmarks.perf.{argv[0]}")
    record = module.main(argv[1:])
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    if __package__ is None or __package__ == "":
        __package__ = "hrmsearch.benchmarks.perf"
    sys.exit(main(sys.argv[1:]))
