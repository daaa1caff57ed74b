"""Grader agreement report: both graders on the hand-made pairs table, one JSON line.

``python -m hrmsearch.tasks.grading.report [--pairs FILE]`` grades every
(predicted, gold) row of the table (default: the repository's
``tests/data/grader_pairs.jsonl``) with the PRM800K grader in-process and with
math-verify in one worker pool, then prints how often each agrees with the
human verdict (``equivalent``), how often the PRM800K grader matches its
rule-adjusted verdict (``prm800k`` where the rules say otherwise), how often the
two graders agree with each other, and the table lines where each misses the human verdict.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from hrmsearch.tasks.datasets import read_rows
from hrmsearch.tasks.grading import grade_many

DEFAULT_PAIRS = Path(__file__).resolve().parents[2] / "tests" / "data" / "grader_pairs.jsonl"


class GraderPair(BaseModel):
    """One row of the table: a predicted and a gold answer and whether they are the same answer."""

    model_config = ConfigDict(extra="forbid")

    category: str
    predicted: str
    gold: str
    equivalent: bool
    prm800k: bool | None = None
    note: str | None = None

    @property
    def prm800k_expected(self) -> bool:
        """The verdict the PRM800K rules call for (differs from ``equivalent`` only with a note)."""
        return self.equivalent if self.prm800k is None else self.prm800k


def read_pairs(path: str | Path = DEFAULT_PAIRS) -> list[GraderPair]:
    return [row for _, row in read_rows(path, GraderPair)]


def _rate(hits: list[bool]) -> float:
    return round(sum(hits) / len(hits), 4) if hits else 0.0


def agreement(pairs: list[GraderPair]) -> dict:
    """Both graders on the table; rates are fractions of rows."""
    questions = [(pair.predicted, pair.gold) for pair in pairs]
    prm = [result.correct for result in grade_many(questions, "prm800k")]
    verify_results = grade_many(questions, "math-verify")
    verify = [result.correct for result in verify_results]
    return {
        "metric": "grader_agreement",
        "pairs": len(pairs),
        "prm800k_vs_expected": _rate([p == pair.equivalent for p, pair in zip(prm, pairs, strict=True)]),
        "prm800k_vs_rules": _rate([p == pair.prm800k_expected for p, pair in zip(prm, pairs, strict=True)]),
        "math_verify_vs_expected": _rate([v == pair.equivalent for v, pair in zip(verify, pairs, strict=True)]),
        "graders_agree": _rate([p == v for p, v in zip(prm, verify, strict=True)]),
        "math_verify_timeouts": sum(result.timed_out for result in verify_results),
        "prm800k_miss_lines": [i + 1 for i, pair in enumerate(pairs) if prm[i] != pair.equivalent],
        "math_verify_miss_lines": [i + 1 for i, pair in enumerate(pairs) if verify[i] != pair.equivalent],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS, help="grader pairs JSONL table")
    args = parser.parse_args(argv)
    print(json.dumps(agreement(read_pairs(args.pairs))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
