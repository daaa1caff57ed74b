"""PRM800K records -> PRM / HRM reward samples, by the paper's rules (DESIGN.md "Training data").

For each record (``bad_problem`` / ``give_up`` records dropped), walk the steps with
the prefix followed so far (the chosen completion of each step, or the human
completion when none was chosen; the walk stops at the first step with neither):

- every completion of step i rated +1 or -1 gives a **fine** sample (prefix, candidate),
  label 1.0 or 0.0; ratings 0 and null are dropped;
- HRM only: for i >= 1 (0-based, i.e. the second step on), the same candidate also
  gives a **coarse** sample: previous = prefix[:i-1], current = chosen step i-1 +
  ``"\\n\\n"`` + candidate, with the candidate's label.

Human completions continue the prefix but are not samples themselves (they have no
rating), as in the paper's code.

    python -m hrmsearch.training.prm800k IN.jsonl OUT.jsonl --kind hrm
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from hrmsearch.errors import HrmError
from hrmsearch.jsonl import read_numbered
from hrmsearch.scoring.prompt import STEP_JOIN
from hrmsearch.training.samples import RewardSample, write_samples

RATING_LABELS = {1: 1.0, -1: 0.0}
DROPPED_REASONS = ("bad_problem", "give_up")


class PRMCompletion(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str
    rating: int | None


class HumanCompletion(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str


class PRMStep(BaseModel):
    model_config = ConfigDict(extra="ignore")
    completions: list[PRMCompletion] | None
    human_completion: HumanCompletion | None = None
    chosen_completion: int | None

    def followed_text(self) -> str | None:
        """The text the labeller continued with, or None where labelling stopped."""
        if self.chosen_completion is not None and self.completions:
            return self.completions[self.chosen_completion].text
        if self.human_completion is not None:
            return self.human_completion.text
        return None


class PRMLabel(BaseModel):
    model_config = ConfigDict(extra="ignore")
    steps: list[PRMStep]
    finish_reason: Literal["solution", "found_error", "bad_problem", "give_up"]


class PRMQuestion(BaseModel):
    model_config = ConfigDict(extra="ignore")
    problem: str


class PRM800KRecord(BaseModel):
    """The fields of one PRM800K line that the builder reads (see shared/data/README.md)."""

    model_config = ConfigDict(extra="ignore")
    question: PRMQuestion
    label: PRMLabel


def record_samples(record: PRM800KRecord, hrm: bool, source: str = "") -> list[RewardSample]:
    """The PRM (``hrm=False``) or HRM samples of one record; [] for dropped records."""
    if record.label.finish_reason in DROPPED_REASONS:
        return []
    question = record.question.problem
    prefix: list[str] = []
    samples: list[RewardSample] = []
    for index, step in enumerate(record.label.steps):
        for number, completion in enumerate(step.completions or []):
            if completion.rating not in RATING_LABELS:
                continue
            common = {"label": RATING_LABELS[completion.rating], "source": source, "step": index, "completion": number}
            samples.append(RewardSample(question=question, previous=list(prefix), current=completion.text,
                                        kind="fine", **common))
            if hrm and index >= 1:
                merged = prefix[-1] + STEP_JOIN + completion.text
                samples.append(RewardSample(question=question, previous=prefix[:-1], current=merged,
                                            kind="coarse", **common))
        followed = step.followed_text()
        if followed is None:
            break
        prefix.append(followed)
    return samples


def iter_file_samples(path: str | Path, hrm: bool) -> Iterator[RewardSample]:
    """Samples of every record in a PRM800K JSONL file, in order (bad lines, or no records, raise as reached)."""
    name = Path(path).name
    for number, record in read_numbered(path, PRM800KRecord, required=True):
        yield from record_samples(record, hrm, source=f"{name}:{number}")


def build_samples(in_path: str | Path, out_path: str | Path, kind: Literal["prm", "hrm"] = "hrm") -> int:
    """Write the PRM or HRM samples of ``in_path`` to ``out_path``; returns the count."""
    return write_samples(out_path, iter_file_samples(in_path, hrm=kind == "hrm"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="PRM800K JSONL -> PRM/HRM reward samples JSONL")
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--kind", choices=["prm", "hrm"], default="hrm")
    args = parser.parse_args(argv)
    try:
        count = build_samples(args.input, args.output, args.kind)
    except HrmError as error:
        print(f"error: {error}")
        return 2
    print(f"{count} samples -> {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
