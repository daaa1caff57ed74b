"""JSONL files: a typed, numbered reader, an append-only store with torn-tail repair, atomic writes.

Every resumable output of the project (benchmark records, training trees, pools,
scores, timings) is a JSONL file of pydantic records. Reading validates every
line and raises a one-line :class:`~hrmsearch.errors.HrmError` naming
``file:line`` and the field. Opening a store for appending first truncates a last
line cut short by a killed writer (with a warning). Final reports are written
through a temporary file and a rename, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from hrmsearch.errors import HrmError

RecordT = TypeVar("RecordT", bound=BaseModel)


def repair_tail(path: Path) -> int:
    """Truncate a last line left incomplete by a killed writer; return the bytes removed."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return 0
    data = path.read_bytes()
    cut = data.rfind(b"\n", 0, len(data) - 1) + 1  # start of the last line
    last = data[cut:]
    if last.endswith(b"\n") and _is_json(last):
        return 0
    with path.open("r+b") as handle:
        handle.truncate(cut)
    line_number = data.count(b"\n", 0, cut) + 1
    warnings.warn(
        f"{path}:{line_number}: incomplete last record (killed run?) removed ({len(last)} bytes)",
        stacklevel=2,
    )
    return len(last)


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def read_jsonl(path: str | Path, required: bool = False) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` for each non-blank line; bad input raises naming file and line.

    Bad input: a line that is not UTF-8 (with its byte offset in the file), bad JSON,
    or JSON that is not an object; with ``required``, also a file with no records
    (empty or blank). A UTF-8 byte-order mark at the start is allowed.
    """
    path = Path(path)
    if not path.is_file():
        raise HrmError(f"{path}: no such file")
    empty = True
    with path.open("rb") as handle:
        offset = 0
        for number, raw in enumerate(handle, start=1):
            line = _decoded(raw, path, number, offset)
            offset += len(raw)
            if line.strip():
                empty = False
                yield number, _json_object(line, path, number)
    if required and empty:
        raise HrmError(f"{path}: empty file, no records")


def _decoded(raw: bytes, path: Path, number: int, offset: int) -> str:
    try:
        return raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as error:
        bad = raw[error.start]
        raise HrmError(f"{path}:{number}: not UTF-8 text (byte 0x{bad:02x} at byte offset {offset + error.start})"
                       ) from None


def _json_object(line: str, path: Path, number: int) -> dict:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise HrmError(f"{path}:{number}: bad JSON: {error.msg} (column {error.colno})") from None
    if not isinstance(value, dict):
        raise HrmError(f"{path}:{number}: expected a JSON object, got {type(value).__name__}")
    return value


def parse_record(model: type[RecordT], value: dict, path: str | Path, number: int) -> RecordT:
    """``model`` from ``value``; a validation error names ``file:line`` and the first bad field."""
    try:
        return model.model_validate(value)
    except ValidationError as error:
        item = error.errors()[0]
        field = ".".join(str(part) for part in item["loc"]) or model.__name__
        raise HrmError(f"{path}:{number}: field {field}: {item['msg']}") from None


def read_numbered(
    path: str | Path, model: type[RecordT], required: bool = False
) -> Iterator[tuple[int, RecordT]]:
    """``(line number, record)`` for every line of ``path``, validated as ``model``; with
    ``required``, a file with no records is an error."""
    for number, value in read_jsonl(path, required):
        yield number, parse_record(model, value, path, number)


def read_records(path: str | Path, model: type[RecordT]) -> Iterator[RecordT]:
    """Every record of ``path`` in order, validated as ``model``."""
    for _, record in read_numbered(path, model):
        yield record


def read_input(path: str | Path, model: type[RecordT]) -> list[RecordT]:
    """Every record of an input file a command needs; a file with none is a one-line error."""
    return [record for _, record in read_numbered(path, model, required=True)]


def write_record(handle: IO[str], record: BaseModel) -> None:
    """One record as one line, flushed, so a later error never loses it."""
    handle.write(record.model_dump_json() + "\n")
    handle.flush()


class JsonlStore(Generic[RecordT]):
    """Append-only JSONL of ``record_type`` keyed by ``id_field``; resumable after a kill."""

    def __init__(self, path: str | Path, record_type: type[RecordT], id_field: str = "problem_id"):
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
            write_record(handle, record)


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to a temporary file next to ``path`` and rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as tmp:
            tmp.write(data.encode() if isinstance(data, str) else data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def write_records_atomic(path: str | Path, records: Iterable[BaseModel]) -> Path:
    """Write all ``records`` as JSONL in one atomic replace of ``path``."""
    return write_atomic(path, "".join(record.model_dump_json() + "\n" for record in records))
