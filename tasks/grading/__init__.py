"""Answer grading: one interface over three graders.

- ``prm800k``: the project's own implementation of the PRM800K grader's rules
  (MATH500, PRM800K; see ``prm800k.py``).
- ``math-verify``: Hugging Face math-verify, run in worker processes under a
  hard per-answer timeout (``math_verify_grader.py``).
- ``numeric``: exact numeric comparison (GSM8K, ``arith``).

``grade(predicted, gold)`` answers a bool; ``grade_result`` and ``grade_many``
answer ``GradeResult`` records, which keep a missing prediction (extraction
failure) as ``no_answer`` apart from ``wrong``. ``grade_many`` grades a whole
batch with one worker pool.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from hrmsearch.errors import HrmError
from hrmsearch.tasks.grading.numeric import grade_numeric
from hrmsearch.tasks.grading.prm800k import grade_answer as grade_prm800k
from hrmsearch.tasks.grading.results import NO_ANSWER, GradeCounts, GradeResult, Verdict, is_missing

GraderName = Literal["prm800k", "math-verify", "numeric"]
GRADERS: tuple[str, ...] = ("prm800k", "math-verify", "numeric")

__all__ = [
    "GRADERS", "GradeCounts", "GradeResult", "GraderName", "Verdict",
    "grade", "grade_many", "grade_result",
]


def _check_grader(grader: str) -> None:
    if grader not in GRADERS:
        raise HrmError(f"unknown grader {grader!r}; expected one of {', '.join(GRADERS)}")


def _grade_in_process(predicted: str, gold: str, grader: str) -> bool:
    if grader == "numeric":
        return grade_numeric(predicted, gold)
    return grade_prm800k(predicted, gold)


def grade_many(pairs: Iterable[tuple[str | None, str]], grader: GraderName = "prm800k") -> list[GradeResult]:
    """Grade (predicted, gold) pairs; math-verify pairs share one worker pool."""
    _check_grader(grader)
    pairs = list(pairs)
    if grader == "math-verify":
        from hrmsearch.tasks.grading.math_verify_grader import grade_many as math_verify_many

        return math_verify_many(pairs)
    return [
        NO_ANSWER if is_missing(predicted) else GradeResult.from_bool(_grade_in_process(predicted, gold, grader))
        for predicted, gold in pairs
    ]


def grade_result(predicted: str | None, gold: str, grader: GraderName = "prm800k") -> GradeResult:
    return grade_many([(predicted, gold)], grader)[0]


def grade(predicted: str | None, gold: str, grader: GraderName = "prm800k") -> bool:
    """True when ``predicted`` is the same final answer as ``gold`` under ``grader``."""
    return grade_result(predicted, gold, grader).correct
