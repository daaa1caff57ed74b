"""Answer grading: MATH500 golds against themselves, the hand-made pairs table, verdict kinds, the pool."""

from __future__ import annotations

import json
import os
import time

import pytest

from hrmsearch.answers import last_boxed
from hrmsearch.errors import HrmError
from hrmsearch.tasks.grading import GradeCounts, Verdict, grade, grade_many, grade_result
from hrmsearch.tasks.grading.pool import CRASHED, TIMED_OUT, HardTimeoutPool
from hrmsearch.tasks.grading.prm800k import grade_answer, math_normalize, strict_normalize
from hrmsearch.tasks.grading.report import DEFAULT_PAIRS, agreement, main, read_pairs
from hrmsearch.tasks.registry import load_dataset, shared_data_path

REQUIRED_CATEGORIES = {"fraction", "interval", "degrees", "units", "tuple", "integer", "sqrt", "pi"}


@pytest.fixture(scope="module")
def math500():
    return load_dataset("math500", shared_data_path("math500"))


@pytest.fixture(scope="module")
def pairs():
    return read_pairs()


@pytest.fixture(scope="module")
def table_report(pairs):
    """Both graders over the whole table, math-verify in one pool."""
    return agreement(pairs)


# ---------------------------------------------------------------- MATH500 golds


def test_every_math500_gold_grades_equal_to_itself_and_its_boxed_form(math500):
    self_failures = [p.id for p in math500 if not grade_answer(p.answer, p.answer)]
    boxed_failures = [p.id for p in math500 if not grade_answer(last_boxed(p.solution), p.answer)]
    assert self_failures == [] and boxed_failures == []


def test_math500_golds_of_different_problems_rarely_grade_equal(math500):
    golds = [p.answer for p in math500]
    equal = [(golds[i], golds[i + 1]) for i in range(len(golds) - 1) if grade_answer(golds[i + 1], golds[i])]
    assert [pair for pair in equal if pair[0] != pair[1]] == [("5", "x=5")]  # MATH drops a short "x ="


def test_a_mixed_number_boxed_first_in_line_452_is_graded_wrong_by_the_rules(math500):
    problem = math500[451]
    assert r"\boxed{15\frac{39}{40}}" in problem.solution and problem.answer == r"\frac{639}{40}"
    assert not grade_answer(r"15\frac{39}{40}", problem.answer)


# ---------------------------------------------------------------- the pairs table


def test_the_table_is_large_varied_and_documented(pairs):
    assert len(pairs) >= 40
    assert REQUIRED_CATEGORIES <= {pair.category for pair in pairs}
    assert {pair.equivalent for pair in pairs} == {True, False}
    assert all(pair.note for pair in pairs if pair.prm800k is not None)


def test_prm800k_grader_matches_the_table_except_where_its_rules_say_otherwise(pairs):
    misses = [(p.predicted, p.gold) for p in pairs if grade_answer(p.predicted, p.gold) != p.prm800k_expected]
    assert misses == []


def test_both_graders_agree_with_the_table(table_report, pairs):
    assert table_report["pairs"] == len(pairs)
    assert table_report["prm800k_vs_rules"] == 1.0
    assert table_report["math_verify_vs_expected"] >= 0.9
    assert table_report["math_verify_timeouts"] == 0
    print(json.dumps(table_report))


def test_report_command_prints_one_json_line(tmp_path, table_report, capsys):
    table = tmp_path / "pairs.jsonl"
    rows = [{"category": "fraction", "predicted": "0.5", "gold": r"\frac12", "equivalent": True},
            {"category": "integer", "predicted": "7", "gold": "8", "equivalent": False}]
    table.write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert main(["--pairs", str(table)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    record = json.loads(lines[-1])
    assert len(lines) == 1 and record["math_verify_vs_expected"] == 1.0 and record["graders_agree"] == 1.0
    assert DEFAULT_PAIRS.is_file()


# ---------------------------------------------------------------- normalizations


@pytest.mark.parametrize(
    "raw, normalized",
    [(r"\dfrac{1}{2}", r"\frac{1}{2}"), ("0.5", r"\frac{1}{2}"), (r"\sqrt3", r"\sqrt{3}"), ("3/4", r"\frac{3}{4}"),
     (r"\text{(B)}", "(B)"), (r"90^\circ", "90"), ("x = 7", "7"), (r"5\text{ cm}", "5"), (".5", r"\frac{1}{2}")],
)
def test_math_normalize(raw, normalized):
    assert math_normalize(raw) == normalized


@pytest.mark.parametrize(
    "raw, normalized",
    [("1,234,567", "1234567"), ("5.0", "5"), (r"\$ 3", "3"), ("2 or 3", "2,3"), ("7 3/4", "7+3/4"),
     (r"\sqrt{2}\pi", "sqrt(2)pi"), (r"\dfrac{1}{2}", "1/2"), ("12 inches^2", "12"), (r"\{1, 2\}", "1,2")],
)
def test_strict_normalize(raw, normalized):
    assert strict_normalize(raw) == normalized


# ---------------------------------------------------------------- verdicts and the interface


@pytest.mark.parametrize("grader", ["prm800k", "numeric", "math-verify"])
def test_a_missing_answer_is_no_answer_not_wrong(grader):
    assert grade_result(None, "5", grader).verdict is Verdict.no_answer
    assert grade_result("  ", "5", grader).verdict is Verdict.no_answer
    assert grade(None, "5", grader) is False


def test_counts_keep_no_answer_apart_from_wrong():
    results = grade_many([("5", "5"), ("6", "5"), (None, "5"), ("5.0", "5")], grader="numeric")
    counts = GradeCounts.of(results)
    assert (counts.correct, counts.wrong, counts.no_answer, counts.total) == (2, 1, 1, 4)
    assert counts.accuracy == 0.5


@pytest.mark.parametrize(
    "predicted, gold, verdict",
    [("1,000", "1000", True), ("5.0", "5", True), ("$18", "18", True), ("18.", "18", True), ("-3", "-3.00", True),
     ("18.5", "18", False), ("abc", "18", False)],
)
def test_numeric_grader(predicted, gold, verdict):
    assert grade(predicted, gold, "numeric") is verdict


def test_unknown_grader_is_a_one_line_error():
    with pytest.raises(HrmError, match="unknown grader 'exact'"):
        grade("1", "1", "exact")


def test_math_verify_single_grade_uses_the_shared_pool(table_report):
    assert grade(r"\frac{1}{2}", "0.5", "math-verify") is True
    assert grade("3", "4", "math-verify") is False


# ---------------------------------------------------------------- the hard-timeout pool


def test_a_hung_call_times_out_and_the_pool_is_replaced():
    with HardTimeoutPool(time.sleep, workers=1, timeout_s=1.0) as pool:
        started = time.monotonic()
        results = pool.run([(0.01,), (60,), (0.01,)])
        assert results == [None, TIMED_OUT, None]
        assert time.monotonic() - started < 20 and pool.pools_started == 2


def test_a_crashing_call_is_retried_once_then_reported():
    with HardTimeoutPool(os._exit, workers=1, timeout_s=10.0) as pool:
        assert pool.run([(3,)]) == [CRASHED]
