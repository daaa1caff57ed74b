"""Append-only JSONL helpers shared by every room that writes resumable outputs."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

from hrmsearch.errors import HrmError


def repair_tail(path: Path) -> int:
    """Truncate a last line left incomplete by a killed writer; return the bytes removed."""
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


def read_jsonl(path: str | Path) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` for each non-blank line; bad JSON raises naming file and line."""
    path = Path(path)
    if not path.is_file():
        raise HrmError(f"{path}: no such file")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                raise HrmError(f"{path}:{number}: bad JSON: {error.msg} (column {error.colno})") from None
            if not isinstance(value, dict):
                raise HrmError(f"{path}:{number}: expected a JSON object, got {type(value).__name__}")
            yield number, value
