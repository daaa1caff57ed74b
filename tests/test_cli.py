"""The CLI: --json gives a valid Solution; bad input gives one clear line, not a traceback."""

from __future__ import annotations

import json

import pytest

from hrmsearch.cli import main
from hrmsearch.records import Solution

QUESTION = "Mia has 14 marbles. She finds 9 more marbles. How many marbles does Mia have now?"


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_solve_json_validates_as_solution(capsys, hf_policy):
    code, out, err = run_cli(capsys, "solve", QUESTION, "--backend", "transformers", "--json")
    solution = Solution.model_validate(json.loads(out))
    assert code == 0 and solution.error is None
    assert solution.steps and solution.answer is not None
    assert solution.cost.policy_calls == len(solution.steps)
    assert solution.cost.generated_tokens > 0


def test_solve_prints_steps_answer_and_cost(capsys, hf_policy):
    code, out, _ = run_cli(capsys, "solve", QUESTION, "--backend", "transformers", "--strategy", "self_consistency", "--n", "4")
    assert code == 0
    assert "Step 1:" in out and "Answer:" in out and "Cost:" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["solve", "   "], "question is empty"),
        (["solve", QUESTION, "--policy", "/no/such/model"], "unknown model path '/no/such/model'"),
        (["solve", QUESTION, "--strategy", "self_consistency", "--n", "0", "--backend", "transformers"], "n: Input should be"),
        (["solve", QUESTION, "--temperature", "-1", "--backend", "transformers"], "temperature: Input should be"),
    ],
)
def test_bad_input_gives_one_line_error(capsys, args, message):
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("hrmsearch: error:") and message in lines[0]
    assert "Traceback" not in err
