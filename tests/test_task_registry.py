"""The task registry: one place that says what a dataset name means, and where its file is."""

from __future__ import annotations

import json
import shutil

import pytest

from hrmsearch.errors import HrmError
from hrmsearch.tasks.registry import DATA_DIR_VARIABLE, TASKS, load_task, shared_data_path, task_of


def gsm8k_folder(tmp_path, questions: list[str]):
    folder = tmp_path / "data"
    folder.mkdir()
    rows = [{"question": q, "answer": f"work\n#### {i}"} for i, q in enumerate(questions)]
    (folder / TASKS["gsm8k"].shared_file).write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def test_named_tasks_read_the_data_dir_given_then_the_environment(tmp_path, monkeypatch):
    folder = gsm8k_folder(tmp_path, ["first?", "second?"])
    problems, grader = load_task("gsm8k", data_dir=folder)
    assert [p.question for p in problems] == ["first?", "second?"] and grader == "numeric"
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(folder))
    assert shared_data_path("gsm8k") == folder / "gsm8k_test.jsonl"
    assert load_task("gsm8k", limit=1)[0][0].answer == "0"


def test_a_missing_data_file_names_the_option_and_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path))
    with pytest.raises(HrmError, match=f"--data-dir DIR or set {DATA_DIR_VARIABLE}"):
        load_task("math500")


def test_arith_split_defaults_differ_per_command_and_files_take_their_format_grader(tmp_path):
    assert load_task("arith", limit=2)[0][0].id.startswith("arith-test")
    assert load_task("arith", limit=2, default_split="train")[0][0].id.startswith("arith-train")
    copy = tmp_path / "mine.jsonl"
    shutil.copy(shared_data_path("math500"), copy)
    assert task_of(str(copy)).grader == "prm800k"
    assert load_task(str(copy), limit=3)[1] == "prm800k"


def test_bench_and_trees_resolve_names_through_the_registry(tmp_path):
    from hrmsearch.benchmarks.harness import BenchOptions, bench_problems
    from hrmsearch.commands.trees import training_problems

    folder = gsm8k_folder(tmp_path, ["only?"])
    options = BenchOptions(dataset="gsm8k", data_dir=str(folder), out=tmp_path / "run", strategies=["greedy"], ns=[1])
    assert [p.question for p in bench_problems(options)] == ["only?"]
    assert training_problems("gsm8k", None, str(folder))[0][0].question == "only?"


def test_arith_train_holds_enough_problems_for_ten_times_the_training_trees_and_its_prefix_is_stable():
    from hrmsearch.tasks import arith

    many, _ = load_task("arith", limit=3000, default_split="train")
    assert len(many) == 3000 and len({p.question for p in many}) == 3000
    assert [p.question for p in many[:300]] == [p.question for p in arith.split("train", 300)]
    assert not {p.question for p in many} & arith.held_out_questions()
