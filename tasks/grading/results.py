"""Grading outcomes: one answer's verdict and the running tally over many answers.

An extraction failure (no predicted answer) is ``no_answer``, never ``wrong``,
so a report can tell "the policy answered badly" from "it never answered". A
grader that had to be killed for taking too long marks its answer ``wrong``
with ``timed_out`` set.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Verdict(StrEnum):
    correct = "correct"
    wrong = "wrong"
    no_answer = "no_answer"


class GradeResult(BaseModel):
    """The verdict on one (predicted, gold) pair."""

    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    timed_out: bool = False

    @property
    def correct(self) -> bool:
        return self.verdict is Verdict.correct

    @classmethod
    def from_bool(cls, is_correct: bool) -> GradeResult:
        return cls(verdict=Verdict.correct if is_correct else Verdict.wrong)


NO_ANSWER = GradeResult(verdict=Verdict.no_answer)
TIMED_OUT = GradeResult(verdict=Verdict.wrong, timed_out=True)


def is_missing(predicted: str | None) -> bool:
    """An extraction failure: no answer string, or only whitespace."""
    return predicted is None or not predicted.strip()


class GradeCounts(BaseModel):
    """Tally of verdicts; ``accuracy`` is correct over all graded answers, no_answer included."""

    correct: int = 0
    wrong: int = 0
    no_answer: int = 0
    timed_out: int = 0

    def add(self, result: GradeResult) -> None:
        if result.verdict is Verdict.correct:
            self.correct += 1
        elif result.verdict is Verdict.no_answer:
            self.no_answer += 1
        else:
            self.wrong += 1
        self.timed_out += int(result.timed_out)

    @property
    def total(self) -> int:
        return self.correct + self.wrong + self.no_answer

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @classmethod
    def of(cls, results: list[GradeResult]) -> GradeCounts:
        counts = cls()
        for result in results:
            counts.add(result)
        return counts
