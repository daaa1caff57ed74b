"""The benchmark run folder: ``records.jsonl`` (append-only, resumable), ``run.json``, atomic writes.

One ``BenchRecord`` per (problem, strategy, N), appended and flushed as units
finish. Reopening a folder repairs a torn last line (a kill mid-write), skips the
keys already recorded, and refuses to mix records made with other settings.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from hrmsearch.benchmarks.plan import RunSettings
from hrmsearch.errors import HrmError
from hrmsearch.jsonl import read_records, repair_tail, write_atomic
from hrmsearch.records import Cost
from hrmsearch.tasks.grading.results import Verdict

RECORDS_FILE = "records.jsonl"
SETTINGS_FILE = "run.json"
RecordKey = tuple[str, str, int]


class BenchRecord(BaseModel):
    """The graded outcome of one problem under one strategy at budget N."""

    model_config = ConfigDict(extra="forbid")

    problem_id: str
    strategy: str
    n: int
    run_n: int
    selection: str
    answer: str | None = None
    gold: str | None = None
    verdict: Verdict
    correct: bool
    score: float | None = None
    num_steps: int = 0
    cost: Cost
    cost_estimated: bool = False
    error: str | None = None
    chunk: int | None = Field(None, description="the chunk of problems whose search call solved this one")
    unit_seconds: float | None = Field(
        None, description="elapsed seconds of that search call (the unit; its slowest problem's "
        "cost.wall_seconds), x N/run_n when subsampled; every record of a unit carries it",
    )

    @property
    def key(self) -> RecordKey:
        return (self.problem_id, self.strategy, self.n)


class RunFolder:
    """A benchmark run folder: settings, the records file, and its reports."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.records_path = self.folder / RECORDS_FILE

    def open(self, settings: RunSettings) -> dict[RecordKey, BenchRecord]:
        """Create or reopen the folder for ``settings``; returns the records already there."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._check_settings(settings)
        repair_tail(self.records_path)
        return self.load()

    def _check_settings(self, settings: RunSettings) -> None:
        path = self.folder / SETTINGS_FILE
        if path.exists():
            stored = RunSettings.model_validate_json(path.read_text())
            if stored != settings:
                changed = [k for k in RunSettings.model_fields if getattr(stored, k) != getattr(settings, k)]
                raise HrmError(
                    f"{self.folder} holds a run with other settings ({', '.join(changed)} differ); "
                    "use a new --out folder or the same settings to resume"
                )
            return
        write_atomic(path, settings.model_dump_json(indent=2) + "\n")

    def load(self) -> dict[RecordKey, BenchRecord]:
        """The records on disk by key (a later duplicate of a key replaces the earlier one)."""
        if not self.records_path.exists():
            return {}
        return {record.key: record for record in read_records(self.records_path, BenchRecord)}

    def append(self, records: list[BenchRecord]) -> None:
        """Append ``records`` as JSON lines, flushed and synced before returning."""
        if not records:
            return
        text = "".join(record.model_dump_json() + "\n" for record in records)
        with self.records_path.open("a", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
