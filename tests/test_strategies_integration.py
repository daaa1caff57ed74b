"""Every strategy end to end with the shipped tiny policy, and with the shipped reward model.

The policy is the real one (transformers backend, CPU). The first test's reward
model is ``EquationChecker``, a simple scorer that checks a step's ``a op b = c``
equations, so it exercises real sampling, step splitting, batching and
bookkeeping independently of the reward-model training; the second runs all
seven strategies with the shipped ``hrm_hnc``. Kept small: 2 problems, n <= 8.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from hrmsearch.assets import asset_path
from hrmsearch.config import RewardConfig
from hrmsearch.search.run import run_strategy, strategy_config
from hrmsearch.tasks import arith

pytestmark = pytest.mark.skipif(
    not (asset_path("policy") / "config.json").exists(), reason="the shipped tiny policy is not built yet"
)

EQUATION = re.compile(r"(\d+) ([-+*/]) (\d+) = (\d+)")
OPERATIONS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a // b}


class EquationChecker:
    """Scores 1 when every equation in the window's step holds, 0 when one fails, 0.5 without any."""

    name = "equation_checker"

    def score(self, windows) -> np.ndarray:
        return np.array([self.check(window.current) for window in windows], dtype=np.float64)

    @staticmethod
    def check(text: str) -> float:
        equations = EQUATION.findall(text)
        if not equations:
            return 0.5
        ok = all(OPERATIONS[op](int(a), int(b)) == int(c) for a, op, b, c in equations)
        return 1.0 if ok else 0.0


CASES = {
    "best_of_n": {"n": 4},
    "step_greedy": {"n": 4},
    "beam": {"n": 4, "width": 2},
    "dvts": {"n": 4, "expansion": 2},
}


@pytest.mark.parametrize("strategy", sorted(CASES))
def test_strategy_runs_end_to_end_on_arith(hf_policy, strategy):
    problems = arith.split("test", 2)
    config = strategy_config(strategy, max_steps=8, max_step_tokens=48, seed=1, **CASES[strategy])
    reward = RewardConfig(combine="mean", aggregate="min")
    solutions = run_strategy(problems, config, hf_policy, EquationChecker(), reward)
    assert [s.problem_id for s in solutions] == [p.id for p in problems]
    for solution in solutions:
        assert solution.error is None, solution.error
        assert solution.strategy == strategy and solution.steps and solution.candidates
        assert solution.cost.policy_calls >= 1 and solution.cost.generated_tokens > 0
        assert solution.cost.reward_windows_scored >= len(solution.steps)
        assert solution.score is not None and 0.0 <= solution.score <= 1.0
        assert all(len(c.step_scores) == len(c.steps) for c in solution.candidates)
    if strategy != "step_greedy":
        assert all({"argmax", "weighted", "majority"} <= set(s.selections) for s in solutions)
    assert max(s.cost.policy_calls for s in solutions) <= (1 if strategy == "best_of_n" else 8)


SHIPPED_CASES = {
    "greedy": {},
    "self_consistency": {"n": 4},
    "best_of_n": {"n": 4},
    "step_greedy": {"n": 4},
    "beam": {"n": 4, "width": 2},
    "dvts": {"n": 4, "expansion": 2},
    "mcts": {"n": 8, "k": 2, "rollouts": 1},
}


@pytest.fixture(scope="module")
def shipped_scorer():
    from hrmsearch.scoring.loader import load_scorer

    return load_scorer(RewardConfig(device="cpu"))  # the default: the shipped hrm_hnc


@pytest.mark.parametrize("strategy", sorted(SHIPPED_CASES))
def test_every_strategy_runs_with_the_shipped_policy_and_reward_model(hf_policy, shipped_scorer, strategy):
    problems = arith.split("test", 2)
    config = strategy_config(strategy, max_steps=8, max_step_tokens=48, seed=2, **SHIPPED_CASES[strategy])
    before = shipped_scorer.stats.windows_requested
    solutions = run_strategy(problems, config, hf_policy, shipped_scorer, RewardConfig(combine="mean"))
    for solution in solutions:
        assert solution.error is None, solution.error
        assert solution.steps and solution.cost.generated_tokens > 0
    if strategy in ("greedy", "self_consistency"):
        assert shipped_scorer.stats.windows_requested == before  # no reward model in the loop
    else:
        assert shipped_scorer.stats.windows_requested > before
        assert all(s.score is not None and 0.0 < s.score < 1.0 for s in solutions)


def decode_step_by_step(policy, problems, max_steps: int, max_step_tokens: int):
    """Reference greedy: one temperature-0 step per call, each prompt re-rendered from the steps so far."""
    from hrmsearch.answers import has_boxed_answer
    from hrmsearch.engine.base import SamplingParams

    steps, tokens, live = [[] for _ in problems], [0] * len(problems), list(range(len(problems)))
    params = SamplingParams(n=1, temperature=0.0, max_tokens=max_step_tokens, stop=[policy.delimiter])
    for _ in range(max_steps):
        rows = policy.generate([policy.prompts.build(problems[i].question, steps[i]) for i in live], params) if live else []
        still = []
        for index, (sample,) in zip(live, rows, strict=True):
            text, tokens[index] = sample.text.strip(), tokens[index] + sample.num_tokens
            steps[index] += [text] if text else []
            if text and not sample.ended and not has_boxed_answer(text):
                still.append(index)
        live = still
    return steps, tokens


def test_greedy_in_one_decode_gives_the_steps_and_tokens_of_decoding_step_by_step(hf_policy):
    problems = arith.split("test", 12)
    expected_steps, expected_tokens = decode_step_by_step(hf_policy, problems, max_steps=8, max_step_tokens=96)
    solutions = run_strategy(problems, strategy_config("greedy", max_steps=8, max_step_tokens=96), hf_policy)
    assert [s.steps for s in solutions] == expected_steps
    assert [s.cost.generated_tokens for s in solutions] == expected_tokens
    assert all(s.cost.policy_calls == 1 for s in solutions)
