"""CPU threads: how many compute threads torch and OpenMP use, and how long idle ones spin.

Set as environment variables when ``hrmsearch`` is imported, before torch is (OpenMP
reads them once, at its start), with ``setdefault``: a user's own value wins.

- ``OMP_NUM_THREADS``: the CPUs this process may use (its CPU affinity, capped by a
  container's CPU quota), not the machine's core count, so a job pinned to 2 of 64
  cores runs 2 threads. ``HRMSEARCH_THREADS=K`` sets it to K.
- ``GOMP_SPINCOUNT=1000``: how long a thread with no work spins before it sleeps
  (torch's CPU wheels use GNU OpenMP, whose default spins 300 times longer). Spinning
  threads of two jobs on the same cores stall each other: two solves at once on 2
  cores took 5.4-11x as long as one alone with GNU OpenMP's default, 1.0-2.1x with
  1,000 spins, and one alone took about as long either way; sleeping at once
  (``OMP_WAIT_POLICY=PASSIVE``) made one solve alone almost twice as slow
  (``python -m hrmsearch.benchmarks.perf concurrent``; docs/results/performance.md).

vLLM's engine processes inherit the same environment. A process that starts with GNU
OpenMP in ``LD_PRELOAD`` (vLLM on CPU sets that for the processes it starts) reads these
variables before Python runs, so there the values its parent had apply.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from pathlib import Path

SPIN_COUNT = 1000  # GNU OpenMP's spins before an idle thread sleeps (its default: 300,000)
CPU_QUOTA = Path("/sys/fs/cgroup/cpu.max")  # cgroup v2: "<quota> <period>" or "max <period>"


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity, capped by the cgroup's CPU quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    try:
        quota, period = CPU_QUOTA.read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cpus)


def requested_threads() -> int | None:
    """``HRMSEARCH_THREADS`` as a positive integer; None when unset (a bad value is warned about and ignored)."""
    value = os.environ.get("HRMSEARCH_THREADS", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        warnings.warn(f"HRMSEARCH_THREADS must be a positive integer, got {value!r}; ignored", stacklevel=2)
        return None
    return int(value)


def configure_threads() -> None:
    """Thread count and spin for torch and OpenMP; a user's own values win."""
    requested = requested_threads()
    if "torch" in sys.modules:  # OpenMP read its environment already: only the count can still change
        if requested:
            sys.modules["torch"].set_num_threads(requested)
        return
    if requested:
        os.environ["OMP_NUM_THREADS"] = str(requested)
    os.environ.setdefault("OMP_NUM_THREADS", str(usable_cpus()))
    os.environ.setdefault("GOMP_SPINCOUNT", str(SPIN_COUNT))
