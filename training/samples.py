"""Reward-model training samples: one labelled window per JSONL line.

A :class:`RewardSample` is a window (question, previous steps, current text, kind)
with a label in [0, 1] and where it came from. Reading validates every line and
raises a one-line :class:`~hrmsearch.errors.HrmError` naming ``file:line`` and the
field; writing flushes after every record so an error later never loses earlier ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hrmsearch.jsonl import read_input, write_record
from hrmsearch.scoring.windows import Window

SampleKind = Literal["fine", "coarse", "outcome"]


class RewardSample(BaseModel):
    """One labelled reward window."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1)
    previous: list[str] = Field(default_factory=list)
    current: str
    label: float = Field(ge=0.0, le=1.0)
    kind: SampleKind = "fine"
    source: str = Field("", description="where it came from, e.g. 'prm800k_sample.jsonl:3'")
    step: int | None = Field(None, description="0-based index of the judged step in its trajectory")
    completion: int | None = Field(None, description="index of the judged candidate among the step's completions")

    def window(self) -> Window:
        return Window(question=self.question, previous=tuple(self.previous), current=self.current, kind=self.kind)


def read_samples(path: str | Path) -> list[RewardSample]:
    """Every sample of a reward-samples file (at least one)."""
    return read_input(path, RewardSample)


def write_samples(path: str | Path, samples: Iterable[RewardSample]) -> int:
    """Write ``samples`` (one flushed line each); returns how many were written."""
    count = 0
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with Path(path).open("w", encoding="utf-8") as handle:
        for sample in samples:
            write_record(handle, sample)
            count += 1
    return count
