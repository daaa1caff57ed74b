"""Append-only JSONL of records (trees), flushed per record, resumable after a kill.

Opening a store for appending first checks the file: a last line cut short by a
killed run (no trailing newline, or not valid JSON) is truncated away with a
warning; any other bad line raises a one-line HrmError naming ``file:line`` and
the field. ``finished_ids()`` tells a rerun which records to skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel

from hrmsearch.jsonl import repair_tail
from hrmsearch.scoring.samples import read_records as read_numbered
from hrmsearch.search.trees.records import Tree

RecordT = TypeVar("RecordT", bound=BaseModel)


def read_records(path: str | Path, record_type: type[RecordT] = Tree) -> Iterator[RecordT]:
    """Every record of a JSONL file, in order; a bad line raises naming ``file:line`` and the field."""
    for _, record in read_numbered(path, record_type):
        yield record


class JsonlStore(Generic[RecordT]):
    """Append-only JSONL of ``record_type`` keyed by ``id_field``."""

    def __init__(self, path: str | Path, record_type: type[RecordT] = Tree, id_field: str = "problem_id"):
        self.path = Path(path)
        self.record_type = record_type
        self.id_field = id_field

    def finished_ids(self) -> set[str]:
        """Ids already written (after repairing a cut-off last line)."""
        repair_tail(self.path)
        if not self.path.exists():
            return set()
        return {getattr(record, self.id_field) for record in read_records(self.path, self.record_type)}

    def append(self, record: RecordT) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as handle:
            handle.write(record.model_dump_json() + "\n")
            handle.flush()


def write_atomic(path: str | Path, records: list[BaseModel]) -> Path:
    """Write all ``records`` as JSONL via a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w") as handle:
        for record in records:
            handle.write(record.model_dump_json() + "\n")
    os.replace(temporary, path)
    return path
