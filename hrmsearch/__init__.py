"""hrmsearch: search-time decoding for step-by-step math, guided by a Hierarchical Reward Model.

The Python API: :func:`solve`, :func:`solve_many`, the records and configs.
Imports are lazy so ``import hrmsearch`` does not load torch or vLLM; it only sends
vLLM's log to stderr (:mod:`hrmsearch.logs`), so stdout carries results alone, and
sets the CPU thread count and OpenMP spin (:mod:`hrmsearch.threads`).
"""

from __future__ import annotations

from hrmsearch.logs import route_logs_to_stderr
from hrmsearch.threads import configure_threads

route_logs_to_stderr()
configure_threads()

__version__ = "0.1.0"
__all__ = ["solve", "solve_many", "Problem", "Solution", "PolicyConfig", "SearchConfig", "RewardConfig"]


def __getattr__(name: str):
    if name in ("solve", "solve_many"):
        from hrmsearch import api

        return getattr(api, name)
    if name in ("Problem", "Solution", "Trajectory", "Cost"):
        from hrmsearch import records

        return getattr(records, name)
    if name in ("PolicyConfig", "SearchConfig", "RewardConfig"):
        from hrmsearch import config

        return getattr(config, name)
    raise AttributeError(f"module 'hrmsearch' has no attribute {name!r}")
