"""Every command that reads JSONL answers bad input with exit status 2 and one line naming file and line.

The bad files: a byte that is not UTF-8 on line 3 (after two blank lines), an empty
file, a line that is JSON but not an object, and a line that is not JSON.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hrmsearch.cli import main

BAD_FILES = {
    "not_utf8.jsonl": (b"\n\n" + b'{"question": "caf\xe9"}\n', r":3: not UTF-8 text \(byte 0xe9 at byte offset 19\)"),
    "empty.jsonl": (b"", r": empty"),
    "list.jsonl": (b"[1, 2]\n", r":1: expected a JSON object, got list"),
    "broken.jsonl": (b'{"question": \n', r":1: bad JSON"),
}


def commands(path: Path, out: Path) -> dict[str, list[str]]:
    """Each JSONL-reading command with ``path`` as its input (cheap options; the error comes first)."""
    return {
        "bench": ["bench", "--dataset", str(path), "--limit", "1", "--out", str(out / "bench"), "--no-progress"],
        "trees": ["trees", "--dataset", str(path), "--limit", "1", "--out", str(out / "trees.jsonl")],
        "samples": ["samples", str(path), "--kind", "prm", "--out", str(out / "samples.jsonl")],
        "hnc": ["hnc", str(path), "--out", str(out / "hnc.jsonl")],
        "train": ["train", "--kind", "prm", "--data", str(path), "--out", str(out / "model")],
        "bench-rm": ["bench-rm", "--samples", str(path), "--reward", "prm"],
    }


@pytest.mark.parametrize("command", ["bench", "trees", "samples", "hnc", "train", "bench-rm"])
@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_input_file_is_one_line_naming_file_and_line(command, name, tmp_path, capsys):
    content, expected = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(content)
    code = main(commands(path, tmp_path / "out")[command])
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (out, err)
    assert len(lines) == 1 and lines[0].startswith("hrmsearch: error:"), err
    assert "Traceback" not in err
    assert str(path) in lines[0]

    assert re.search(expected, lines[0]), lines[0]
