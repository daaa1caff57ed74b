"""The README is a user's guide: its runnable shell blocks run, and it tells no history."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
RUNNABLE = re.compile(r"<!-- runnable -->\s*```bash\n(.*?)```", re.S)


def runnable_lines() -> list[str]:
    """Each command of the blocks marked ``<!-- runnable -->`` (backslash continuations joined)."""
    commands = []
    for block in RUNNABLE.findall(README):
        text = block.replace("\\\n", " ")
        commands += [line.split("  #")[0].strip() for line in text.splitlines() if line.strip()]
    return commands


def test_the_readme_marks_runnable_blocks():
    assert len(runnable_lines()) >= 3


@pytest.mark.parametrize("command", runnable_lines())
def test_a_runnable_readme_command_runs(command, tmp_path):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "HRMSEARCH_DATA_DIR": str(ROOT.parent / "shared" / "data")}
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"{command}\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
    assert done.stdout.strip()


def test_the_readme_tells_no_history():
    assert not re.search(r"\bcommit\b|`[0-9a-f]{7,40}`", README)
    assert not re.search(r"\b(previous|earlier|used to|no longer|this session)\b", README, re.I)
