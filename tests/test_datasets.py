"""Benchmark dataset loaders: the shared MATH500 / GSM8K / PRM800K files, arith, and bad-line errors."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from hrmsearch.errors import HrmError
from hrmsearch.tasks import arith
from hrmsearch.tasks.datasets import gsm8k_gold
from hrmsearch.tasks.registry import load_dataset, shared_data_path


@pytest.fixture(scope="module")
def math500():
    return load_dataset("math500", shared_data_path("math500"))


def test_math500_has_500_problems_with_golds(math500):
    assert len(math500) == 500
    assert len({problem.id for problem in math500}) == 500
    assert all(problem.answer and problem.answer.strip() for problem in math500)
    assert all(problem.solution and "\\boxed" in problem.solution for problem in math500)
    assert {problem.source for problem in math500} == {"math500"}


@pytest.mark.parametrize(
    "line, unique_id, answer",
    [
        (1, "test/precalculus/807.json", r"\left( 3, \frac{\pi}{2} \right)"),
        (8, "test/precalculus/927.json", r"90^\circ"),
        (258, "test/geometry/473.json", r"864 \mbox{ inches}^2"),
        (468, "test/prealgebra/1114.json", r"15\mbox{ cm}^2"),
    ],
)
def test_math500_spot_golds(math500, line, unique_id, answer):
    assert (math500[line - 1].id, math500[line - 1].answer) == (unique_id, answer)


def test_gsm8k_test_has_1319_numeric_golds_without_commas():
    problems = load_dataset("gsm8k", shared_data_path("gsm8k"))
    assert len(problems) == 1319
    assert all(problem.answer is not None and float(problem.answer) == float(problem.answer) for problem in problems)
    assert not any("," in problem.answer for problem in problems)
    assert problems[0].answer == "18" and problems[0].id == "gsm8k_test-0"
    assert problems[146].answer == "2125"  # the file says "#### 2,125"
    assert problems[0].question.startswith("Janet")


def test_gsm8k_gold_parsing():
    assert gsm8k_gold("so 1,000 + 5 = 1,005\n#### 1,005") == "1005"
    assert gsm8k_gold("#### -3.5\n") == "-3.5"
    assert gsm8k_gold("no final line") is None


def test_prm800k_problems_are_distinct_and_have_golds():
    problems = load_dataset("prm800k", shared_data_path("prm800k"))
    assert len(problems) == 10  # 16 records: 6 repeat a problem, 1 screening record has no gold
    assert len({problem.question for problem in problems}) == 10
    assert problems[0].answer == "29" and problems[-1].answer == "40_9"


def test_a_bare_path_picks_its_loader_by_keys():
    assert len(load_dataset(str(shared_data_path("math500")), limit=3)) == 3
    assert load_dataset(str(shared_data_path("gsm8k_train")), limit=2)[0].source == "gsm8k_train"
    assert load_dataset(str(shared_data_path("prm800k")), limit=1)[0].source == "prm800k"


def test_arith_comes_from_the_generator():
    assert load_dataset("arith", limit=5) == arith.split("test")[:5]
    assert len(load_dataset("arith:dev")) == 200


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines))
    return path


GOOD_MATH = json.dumps({"problem": "1+1?", "answer": "2", "unique_id": "a"})


@pytest.mark.parametrize(
    "name, lines, expected",
    [
        ("math500", [GOOD_MATH, "{not json"], r"bad\.jsonl:2: bad JSON"),
        ("math500", [GOOD_MATH, "", json.dumps({"problem": "1+1?"})], r"bad\.jsonl:3: field 'answer': Field required"),
        ("math500", [json.dumps({"problem": "  ", "answer": "2"})], r"bad\.jsonl:1: field 'problem': is empty"),
        ("gsm8k", [json.dumps({"question": "How many?", "answer": "It is 4."})], r"bad\.jsonl:1: field 'answer': no final"),
        ("gsm8k", [json.dumps({"question": "", "answer": "#### 4"})], r"bad\.jsonl:1: field 'question': is empty"),
        ("prm800k", [json.dumps({"question": {"ground_truth_answer": "4"}})], r"bad\.jsonl:1: field 'question\.problem'"),
    ],
)
def test_malformed_lines_name_file_line_and_field(tmp_path, name, lines, expected):
    path = _write(tmp_path, "bad.jsonl", lines)
    with pytest.raises(HrmError, match=expected):
        load_dataset(name, path)


def test_bad_names_and_missing_files_are_one_line_errors(tmp_path):
    with pytest.raises(HrmError, match="unknown dataset 'mmlu'"):
        load_dataset("mmlu")
    with pytest.raises(HrmError, match="no such file"):
        load_dataset("math500", tmp_path / "absent.jsonl")
    with pytest.raises(HrmError, match="unknown record format"):
        load_dataset(str(_write(tmp_path, "odd.jsonl", [json.dumps({"text": "hi"})])))
    with pytest.raises(HrmError, match="unknown arith split"):
        load_dataset("arith:nope")


@pytest.mark.skipif(importlib.util.find_spec("datasets") is not None, reason="would reach the hub")
def test_a_name_without_path_needs_the_hub_package():
    with pytest.raises(HrmError, match="needs a JSONL path"):
        load_dataset("math500")
