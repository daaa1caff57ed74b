"""A regular (non-editable) install works: the wheel, installed into a scratch environment, runs
``hrmsearch solve`` and ``bench --dry-run`` from outside the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def run(command: list[str], cwd: Path, env: dict | None = None, timeout: int = 300) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A scratch venv holding the built wheel, borrowing this environment's dependencies."""
    scratch = tmp_path_factory.mktemp("wheel")
    build = scratch / "build"
    shutil.copytree(ROOT, build, ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "build", "__pycache__"))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(scratch), "."],
        cwd=build)
    (wheel,) = scratch.glob("hrmsearch-*.whl")
    venv = scratch / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=scratch)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    # the dependencies come from this environment; its editable hook (a .pth there) is not run
    (site / "borrowed.pth").write_text(sysconfig.get_path("purelib") + "\n")
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", str(wheel)], cwd=scratch)
    return venv


def outside_env() -> dict[str, str]:
    """This environment without PYTHONPATH (the Ray tests set it to this process's sys.path, checkout included)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    return {**env, "HRMSEARCH_DATA_DIR": str(SHARED_DATA)}


def test_the_wheel_runs_solve_and_a_bench_dry_run_outside_the_checkout(installed, tmp_path):
    env = outside_env()
    where = run([str(installed / "bin" / "python"), "-c", "import hrmsearch; print(hrmsearch.__file__)"],
                cwd=tmp_path, env=env)
    assert str(installed) in where and str(ROOT) not in where
    solution = json.loads(run([str(installed / "bin" / "hrmsearch"), "solve", "--backend", "transformers",
                               "--strategy", "greedy", "--json",
                               "Mia has 3 apples. She gets 4 more apples. How many apples does Mia have now?"],
                              cwd=tmp_path, env=env).strip().splitlines()[-1])
    assert solution["error"] is None and solution["steps"]
    plan = run([str(installed / "bin" / "hrmsearch"), "bench", "--dry-run", "--dataset", "gsm8k",
                "--strategies", "greedy,best_of_n", "--n", "1,4", "--limit", "3"], cwd=tmp_path, env=env)
    assert "| best_of_n |" in plan and "3 problems" in plan
