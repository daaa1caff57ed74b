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
    code, out, err = run_cli(capsys, "solve", QUESTION, "--backend", "transformers", "--strategy", "greedy", "--json")
    solution = Solution.model_validate(json.loads(out))
    assert code == 0 and solution.error is None
    assert solution.steps and solution.answer is not None
    assert solution.cost.policy_calls == 1  # one greedy decode, cut into steps
    assert solution.cost.generated_tokens > 0


def test_solve_prints_steps_answer_and_cost(capsys, hf_policy):
    code, out, _ = run_cli(capsys, "solve", QUESTION, "--backend", "transformers", "--strategy", "self_consistency", "--n", "4")
    assert code == 0
    assert "Step 1:" in out and "Answer:" in out and "Cost:" in out


def test_solve_by_default_is_hrm_guided_beam_with_each_steps_fine_and_coarse_score(capsys, hf_policy):
    from hrmsearch.api import get_scorer
    from hrmsearch.config import RewardConfig
    from hrmsearch.scoring.windows import Window

    code, out, _ = run_cli(capsys, "solve", QUESTION, "--backend", "transformers", "--json")
    solution = Solution.model_validate(json.loads(out))
    assert code == 0 and solution.strategy == "beam" and len(solution.candidates) > 1
    code, out, _ = run_cli(capsys, "solve", QUESTION, "--backend", "transformers")
    lines = out.splitlines()
    step_lines = [line for line in lines if line.startswith("Step ")]
    assert code == 0 and len(step_lines) == len(solution.steps)
    hrm = get_scorer(None, RewardConfig(model="hrm_hnc"))
    steps = solution.steps
    for index, (line, step) in enumerate(zip(step_lines, steps, strict=True)):
        fine = hrm.score([Window(question=QUESTION, previous=tuple(steps[:index]), current=step)])[0]
        assert line.startswith(f"Step {index + 1}: {step}") and f"fine {fine:.2f}" in line
        if index == 0:
            assert line.endswith("coarse   -")
            continue
        merged = Window(question=QUESTION, previous=tuple(steps[: index - 1]), kind="coarse",
                        current=steps[index - 1] + "\n\n" + step)
        assert line.endswith(f"coarse {hrm.score([merged])[0]:.2f}")
    assert f"Weighed {len(solution.candidates)} candidate solutions" in out
    assert f"Answer: {solution.answer}" in out and lines[-1].endswith("(beam)")


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
