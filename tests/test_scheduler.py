"""Scheduler: cross-problem batching, per-problem failures, cost blocks."""

from __future__ import annotations

import pytest
from fakes import ScriptedPolicy, ScriptedScorer

from hrmsearch.config import SearchConfig
from hrmsearch.errors import HrmError
from hrmsearch.records import Problem
from hrmsearch.search.run import run_strategy, strategy_config


def counting_steps(question, steps, index):
    if len(steps) == 2:
        return f"The answer is \\boxed{{{question.split()[-1]}}}."
    return f"step {len(steps)} of {question}"


def problems(count):
    return [Problem(id=f"p{i}", question=f"q {i}") for i in range(count)]


def test_a_step_level_strategy_batches_problems_into_one_call_per_round():
    policy = ScriptedPolicy(counting_steps)
    solutions = run_strategy(problems(5), strategy_config("step_greedy", n=1), policy, ScriptedScorer(lambda w: 0.5))
    assert len(policy.calls) == 3  # three rounds, each one call for all five problems
    assert all(len(prompts) == 5 for prompts, _ in policy.calls)
    assert [s.answer for s in solutions] == ["0", "1", "2", "3", "4"]
    assert all(s.cost.policy_calls == 3 for s in solutions)
    assert solutions[0].steps == ["step 0 of q 0", "step 1 of q 0", "The answer is \\boxed{0}."]


def test_greedy_decodes_each_solution_in_one_call_for_all_problems():
    policy = ScriptedPolicy(counting_steps)
    solutions = run_strategy(problems(5), strategy_config("greedy"), policy)
    (prompts, params), = policy.calls
    assert len(prompts) == 5 and params.stop == [] and params.temperature == 0.0
    assert [s.answer for s in solutions] == ["0", "1", "2", "3", "4"]
    assert solutions[0].steps == ["step 0 of q 0", "step 1 of q 0", "The answer is \\boxed{0}."]


def test_one_failing_problem_does_not_stop_the_others():
    def steps(question, prefix, index):
        if question == "q 2":
            raise RuntimeError("prompt too long for the model")
        return counting_steps(question, prefix, index)

    policy = ScriptedPolicy(steps)
    solutions = run_strategy(problems(4), strategy_config("greedy"), policy)
    assert solutions[2].error and "prompt too long" in solutions[2].error
    assert [s.answer for i, s in enumerate(solutions) if i != 2] == ["0", "1", "3"]


def test_a_reward_model_error_fails_the_round_and_a_gone_reward_model_stops_the_run():
    def failing(window):
        raise RuntimeError("bad window")

    def gone(window):
        raise HrmError("the reward server is down (last error: refused)")

    solutions = run_strategy(problems(2), strategy_config("best_of_n", n=2), ScriptedPolicy(counting_steps),
                             ScriptedScorer(failing))
    assert all("reward model call failed: bad window" in s.error for s in solutions)
    with pytest.raises(HrmError, match="reward server is down"):
        run_strategy(problems(2), strategy_config("best_of_n", n=2), ScriptedPolicy(counting_steps),
                     ScriptedScorer(gone))


def test_self_consistency_returns_majority_answer():
    answers = ["7", "5", "7", "9", "7", "5"]

    def steps(question, prefix, index):
        return f"The answer is \\boxed{{{answers[index]}}}."

    policy = ScriptedPolicy(steps)
    config = strategy_config("self_consistency", n=6)
    (solution,) = run_strategy(problems(1), config, policy)
    assert solution.answer == "7"
    assert [c.answer for c in solution.candidates] == answers
    assert solution.cost.policy_calls == 1


def test_strategy_config_rejects_bad_values_with_field_name():
    import pytest

    from hrmsearch.errors import HrmError

    with pytest.raises(HrmError, match="n: Input should be greater than or equal to 1"):
        strategy_config("self_consistency", n=0)
    with pytest.raises(HrmError, match="unknown strategy"):
        strategy_config("nope")
    assert isinstance(strategy_config("greedy"), SearchConfig)
