"""Every command that reads JSONL answers bad input with exit status 2 and one line naming file and line.

The bad files: a byte that is not UTF-8 on line 3 (after two blank lines), an empty
file, a file of blank lines, a line that is JSON but not an object, and a line that is
not JSON. Each command reads one in the place of each of its JSONL inputs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from trees_helpers import build_tree

from hrmsearch.cli import main
from hrmsearch.jsonl import read_jsonl, write_records_atomic

NOT_UTF8 = b"\n\n" + b'{"question": "caf\xe9"}\n'
BAD_FILES = {
    "not_utf8": (NOT_UTF8, rf":3: not UTF-8 text \(byte 0xe9 at byte offset {NOT_UTF8.index(0xE9)}\)"),
    "empty": (b"", r": empty file, no records"),
    "blank": (b"\n  \n", r": empty file, no records"),
    "list": (b"[1, 2]\n", r":1: expected a JSON object, got list"),
    "broken": (b'{"question": \n', r":1: bad JSON"),
}

def _bench(dataset: list[str], out: Path) -> list[str]:
    return ["bench", *dataset, "--limit", "1", "--out", str(out / "bench"), "--no-progress"]


# command -> (where the bad file goes, relative to the test folder; the command line reading it)
COMMANDS = {
    "bench --dataset FILE": ("bad.jsonl", lambda f, out: _bench(["--dataset", str(f)], out)),
    "bench --data FILE": ("bad.jsonl", lambda f, out: _bench(["--dataset", "gsm8k", "--data", str(f)], out)),
    "bench --data-dir": ("data/math500.jsonl",
                         lambda f, out: _bench(["--dataset", "math500", "--data-dir", str(f.parent)], out)),
    "trees --dataset FILE": ("bad.jsonl",
                             lambda f, out: ["trees", "--dataset", str(f), "--limit", "1", "--out", str(out / "t.jsonl")]),
    "trees --data-dir": ("data/gsm8k_test.jsonl",
                         lambda f, out: ["trees", "--dataset", "gsm8k", "--data-dir", str(f.parent), "--limit", "1",
                                         "--out", str(out / "t.jsonl")]),
    "samples": ("bad.jsonl", lambda f, out: ["samples", str(f), "--kind", "prm", "--out", str(out / "s.jsonl")]),
    "hnc": ("bad.jsonl", lambda f, out: ["hnc", str(f), "--out", str(out / "hnc.jsonl")]),
    "train": ("bad.jsonl", lambda f, out: ["train", "--kind", "prm", "--data", str(f), "--out", str(out / "model")]),
    "bench-rm --samples": ("bad.jsonl", lambda f, out: ["bench-rm", "--samples", str(f), "--reward", "prm"]),
    "bench-rm --data": ("bad.jsonl", lambda f, out: ["bench-rm", "--data", str(f), "--reward", "prm"]),
}


def one_error_line(argv: list[str], capsys) -> str:
    """Run the CLI; assert exit status 2 and a single `hrmsearch: error:` line on stderr, no traceback."""
    code = main(argv)
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (out, err)
    assert "Traceback" not in err
    assert len(lines) == 1 and lines[0].startswith("hrmsearch: error:"), err
    return lines[0]


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_input_file_is_one_line_naming_file_and_line(command, name, tmp_path, capsys):
    content, expected = BAD_FILES[name]
    where, argv = COMMANDS[command]
    path = tmp_path / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    line = one_error_line(argv(path, tmp_path / "out"), capsys)
    assert line.startswith(f"hrmsearch: error: {path}:"), line
    assert re.search(expected, line), line


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_hnc_file_beside_good_trees_names_the_hnc_file(name, tmp_path, capsys):
    trees = tmp_path / "trees.jsonl"
    write_records_atomic(trees, [build_tree([None, 0, 0], {1})])
    content, expected = BAD_FILES[name]
    hnc = tmp_path / "hnc.jsonl"
    hnc.write_bytes(content)
    line = one_error_line(["samples", str(trees), "--hnc", str(hnc), "--kind", "hrm",
                           "--out", str(tmp_path / "s.jsonl")], capsys)
    assert line.startswith(f"hrmsearch: error: {hnc}:"), line
    assert re.search(expected, line), line


def test_a_leading_byte_order_mark_is_read_as_text(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"question": "caf\xc3\xa9"}\n{"a": 1}\n')
    assert list(read_jsonl(path, required=True)) == [(1, {"question": "café"}), (2, {"a": 1})]
