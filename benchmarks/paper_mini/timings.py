"""Seconds per finished piece of work, appended to ``timings.jsonl`` as each piece ends.

A resumed run adds to the same file, so the summary can report what the whole
folder cost (every run that built it), not only the last call.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from hrmsearch.jsonl import JsonlStore, read_records


class Timing(BaseModel):
    """One finished piece: ``phase`` (pool, score, search), its seed, what it was, how many problems."""

    model_config = ConfigDict(extra="forbid")

    phase: str
    seed: int
    label: str
    problems: int
    seconds: float


class Timings:
    def __init__(self, path: Path):
        self.path = path
        self.store = JsonlStore(path, Timing, id_field="phase")

    def add(self, phase: str, seed: int, label: str, problems: int, seconds: float) -> None:
        self.store.append(Timing(phase=phase, seed=seed, label=label, problems=problems, seconds=round(seconds, 3)))

    def load(self) -> list[Timing]:
        self.store.finished_ids()  # repairs a torn last line
        return list(read_records(self.path, Timing)) if self.path.exists() else []

    def totals(self) -> dict[tuple[str, str], tuple[float, int]]:
        """(phase, label) -> (seconds, problems) summed over seeds and runs."""
        sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
        for timing in self.load():
            entry = sums[(timing.phase, timing.label)]
            entry[0] += timing.seconds
            entry[1] += timing.problems
        return {key: (seconds, int(count)) for key, (seconds, count) in sums.items()}
