"""Grading with Hugging Face ``math-verify``, run in worker processes under a hard timeout.

math-verify guards its own parse/verify calls with ``signal.alarm``, which raises
outside the main thread; this module calls it with that timeout disabled
(``parsing_timeout=None``, ``timeout_seconds=None``) inside a ``HardTimeoutPool``
that kills and replaces a worker whose answer takes too long (that answer counts
wrong). Both strings are bare final answers; each is wrapped as ``\\boxed{...}``
so math-verify's boxed extractor reads the whole string. ``verify`` is not
symmetric: the gold answer goes first, as math-verify expects.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Iterable

from hrmsearch.tasks.grading.pool import CRASHED, TIMED_OUT, HardTimeoutPool
from hrmsearch.tasks.grading.results import NO_ANSWER, GradeResult, is_missing

DEFAULT_TIMEOUT_S = 10.0
_shared_pool: HardTimeoutPool | None = None


def _parse(answer: str) -> list:
    from math_verify import parse

    return parse("\\boxed{" + answer + "}", parsing_timeout=None)


def verify_pair(predicted: str, gold: str) -> bool:
    """math-verify's verdict on one pair, no timeout (call it in a worker process)."""
    from math_verify import verify

    try:
        return bool(verify(_parse(gold), _parse(predicted), timeout_seconds=None))
    except Exception:
        return False


def warm_up() -> None:
    """Import math-verify and build its parsers once per worker, before the clock starts."""
    import logging

    logging.getLogger("math_verify").setLevel(logging.ERROR)
    verify_pair("1", "1")


def default_workers() -> int:
    return max(1, min(4, (os.cpu_count() or 2) // 2))


def new_pool(workers: int | None = None, timeout_s: float = DEFAULT_TIMEOUT_S) -> HardTimeoutPool:
    return HardTimeoutPool(verify_pair, workers=workers or default_workers(), timeout_s=timeout_s, warm_up=warm_up)


def shared_pool() -> HardTimeoutPool:
    """One lazily started pool per process for single ``grade()`` calls; closed at exit."""
    global _shared_pool
    if _shared_pool is None:
        _shared_pool = new_pool()
        atexit.register(_shared_pool.close)
    return _shared_pool


def _to_result(outcome: object) -> GradeResult:
    if outcome is TIMED_OUT or outcome is CRASHED:
        return GradeResult(verdict="wrong", timed_out=outcome is TIMED_OUT)
    return GradeResult.from_bool(bool(outcome))


def grade_many(
    pairs: Iterable[tuple[str | None, str]],
    pool: HardTimeoutPool | None = None,
) -> list[GradeResult]:
    """Grade (predicted, gold) pairs with one pool; missing predictions are ``no_answer``."""
    pairs = list(pairs)
    runner = pool or shared_pool()
    answered = [index for index, (predicted, _) in enumerate(pairs) if not is_missing(predicted)]
    outcomes = runner.run([(pairs[index][0], pairs[index][1]) for index in answered])
    results = [NO_ANSWER] * len(pairs)
    for index, outcome in zip(answered, outcomes, strict=True):
        results[index] = _to_result(outcome)
    return results
