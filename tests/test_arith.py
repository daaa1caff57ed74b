"""The `arith` domain: deterministic for a seed, right answers, self-correction traces, splits."""

from __future__ import annotations

import json
import random
import re

from hrmsearch.answers import extract_answer
from hrmsearch.tasks import arith

EQUATION = re.compile(r"^(\d+) ([-+*/]) (\d+) = (\d+)$")


def evaluate(a: int, op: str, b: int) -> int:
    return {"+": a + b, "-": a - b, "*": a * b, "/": a // b}[op]


def test_generator_is_deterministic_for_a_seed():
    first = [arith.generate(random.Random(7)).question for _ in range(3)]
    again = [arith.generate(random.Random(7)).question for _ in range(3)]
    assert first == again
    assert arith.generate(random.Random(8)).question != first[0]


def test_every_step_is_right_and_the_answer_follows():
    rng = random.Random(3)
    for _ in range(300):
        example = arith.generate(rng)
        assert 2 <= example.n_ops <= 6
        values = []
        for step in example.steps[:-1]:
            a, op, b, c = EQUATION.match(step).groups()
            assert evaluate(int(a), op, int(b)) == int(c)
            if op == "/":
                assert int(a) % int(b) == 0
            values.append(int(c))
        assert values[-1] == example.answer
        assert extract_answer(example.steps[-1]) == str(example.answer)
        assert 0 <= example.answer <= arith.MAX_VALUE


def test_self_correction_trace_has_a_wrong_step_then_its_fix():
    rng = random.Random(11)
    example = arith.generate(rng)
    steps = arith.with_self_correction(rng, example)
    assert len(steps) == len(example.steps) + 1
    slip_index = next(i for i, s in enumerate(steps) if s.startswith("Wait, "))
    lhs, wrong = steps[slip_index - 1].split(" = ")
    a, op, b = lhs.split()
    assert evaluate(int(a), op, int(b)) != int(wrong)
    assert steps[slip_index] == f"Wait, {lhs} = {evaluate(int(a), op, int(b))}, not {wrong}."


def test_about_ten_percent_of_training_traces_self_correct():
    rng = random.Random(0)
    traces = [arith.training_trace(rng) for _ in range(2000)]
    share = sum(any(s.startswith("Wait,") for s in steps) for _, steps in traces) / len(traces)
    assert 0.07 < share < 0.13


def test_splits_are_fixed_and_disjoint():
    test = arith.split("test")
    assert len(test) == 500 and test[0].id == "arith-test-0"
    assert [p.question for p in arith.split("test")[:5]] == [p.question for p in test[:5]]
    train = {p.question for p in arith.split("train", size=2000)}
    assert not train & {p.question for p in test}


def test_export_uses_math500_field_names(tmp_path):
    path = arith.export_jsonl("test", tmp_path / "arith_test.jsonl", size=5)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == 5
    assert set(rows[0]) == {"problem", "solution", "answer", "unique_id"}
    assert rows[0]["solution"].endswith(f"\\boxed{{{rows[0]['answer']}}}.")
