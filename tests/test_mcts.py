"""MCTS bookkeeping with a scripted policy and scorer: budget, batching, visits, which answer wins."""

from __future__ import annotations

import subprocess
import sys

from fakes import ScriptedPolicy, ScriptedScorer

from hrmsearch.config import RewardConfig
from hrmsearch.records import Problem
from hrmsearch.search.context import SearchContext
from hrmsearch.search.run import run_strategy, strategy_config
from hrmsearch.search.scheduler import Scheduler
from hrmsearch.search.strategies import STRATEGIES, mcts

PROBLEM = Problem(id="p0", question="q")


def search_with_state(policy, scorer, **options):
    """Run MCTS on one problem through the scheduler; the Solution and the final search state."""
    config = strategy_config("mcts", **options)
    states = []

    def make(problem):
        ctx = SearchContext(problem, policy.prompts, config, RewardConfig())

        def coroutine():
            state = yield from mcts.search(ctx)
            states.append(state)
            return mcts.answer(ctx, state)

        return coroutine()

    (solution,) = Scheduler(policy, scorer).run([PROBLEM], "mcts", make)
    assert solution.error is None, solution.error
    return solution, states[0]


def open_steps(question, steps, index):
    return f"s{len(steps)}.{index}"


def scores_by_text(table, default=0.5):
    return ScriptedScorer(
        lambda window: next((v for key, v in table.items() if key in window.current), default)
    )


def three_starts(question, steps, index):
    """Start 0 leads to 9 (scored 0.9), starts 1 and 2 to 7 (scored 0.6)."""
    if not steps:
        return f"start {index}"
    return f"The answer is \\boxed{{{9 if steps[0] == 'start 0' else 7}}}."


THREE_START_SCORES = {"start 0": 0.875, "start": 0.5, "boxed{9}": 0.875, "boxed{7}": 0.625}


def test_importing_the_strategies_leaves_numba_unimported():
    # a script's __main__ that imports numba before vLLM spawns its engine breaks the engine's start
    code = "import sys, hrmsearch.search.run, hrmsearch.benchmarks.candidates; print('numba' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False"


def test_mcts_is_registered_and_needs_a_reward_model():
    spec = STRATEGIES["mcts"]
    assert (spec.config, spec.run) == (mcts.MCTSConfig, mcts.run)
    assert spec.needs_reward
    assert strategy_config("mcts", n=8).budget == 8
    assert strategy_config("mcts", n=8, n_simulations=3).budget == 3


def test_budget_counts_and_one_request_of_each_kind_per_round():
    policy, scorer = ScriptedPolicy(open_steps), scores_by_text({})
    solution, state = search_with_state(policy, scorer, n_simulations=5, k=2, leaves_per_round=2, max_steps=3)
    assert state.simulations == 5
    assert [len(prompts) for prompts, _ in policy.calls] == [1, 2, 2]  # root, then two leaves per round
    assert all(params.n == 2 for _, params in policy.calls)
    assert [len(windows) for windows in scorer.calls] == [2, 4, 4]
    assert solution.cost.policy_calls == 3 and solution.cost.reward_windows_scored == 10
    tree = state.tree
    assert tree.size == 11 and int(tree.visits[0]) == 10  # every new node evaluated once
    assert all(tree.depth[node] == 3 for node in state.finished)  # cut off at max_steps, unanswered
    assert not tree.virtual_loss[: tree.size].any()


def test_visits_sum_over_children_plus_own_evaluations():
    policy, scorer = ScriptedPolicy(three_starts), scores_by_text(THREE_START_SCORES)
    _, state = search_with_state(policy, scorer, n_simulations=5, k=3, leaves_per_round=3)
    tree = state.tree
    assert tree.size == 13 and int(tree.visits[0]) == 13  # 12 evaluated nodes + one terminal re-visit
    assert [int(tree.visits[node]) for node in tree.children(0)] == [5, 4, 4]
    for node in range(1, tree.size):
        below = sum(int(tree.visits[child]) for child in tree.children(node))
        revisits = int(tree.visits[node]) - 1 - below
        assert revisits == (1 if node == tree.children(1)[0] else 0)
    assert len(policy.calls) == 2 and len(scorer.calls) == 2  # the re-visit round costs no model call


def test_most_visited_path_and_weighted_vote_pick_different_answers():
    policy = ScriptedPolicy(three_starts)
    options = dict(n_simulations=5, k=3, leaves_per_round=3)
    (by_visits,) = run_strategy(
        [PROBLEM], strategy_config("mcts", **options), policy, scores_by_text(THREE_START_SCORES)
    )
    assert by_visits.answer == "9" and by_visits.steps == ["start 0", "The answer is \\boxed{9}."]
    assert by_visits.selections == {"visits": "9", "weighted": "7", "majority": "7", "argmax": "9"}
    assert len(by_visits.candidates) == 9
    config = strategy_config("mcts", select="weighted", **options)
    (by_vote,) = run_strategy([PROBLEM], config, policy, scores_by_text(THREE_START_SCORES))
    assert by_vote.answer == "7" and by_vote.score == 0.625


def test_one_simulation_expands_only_the_root():
    policy, scorer = ScriptedPolicy(open_steps), scores_by_text({})
    solution, state = search_with_state(policy, scorer, n_simulations=1, k=3)
    assert state.simulations == 1 and state.tree.size == 4
    assert len(policy.calls) == 1 and len(scorer.calls) == 1
    assert solution.answer is None and solution.steps == [
        "s0.0"
    ]  # no finished node: the path's end, unanswered


def test_one_simulation_with_answers_takes_the_first_of_equally_visited_children():
    def answers(question, steps, index):
        return f"The answer is \\boxed{{{index}}}."

    solution, state = search_with_state(ScriptedPolicy(answers), scores_by_text({"boxed{2}": 0.75}), n=1, k=3)
    assert solution.answer == "0" and solution.selections["argmax"] == "2"
    assert len(state.finished) == 3


def test_rollouts_give_values_and_join_the_vote():
    def rollout_steps(question, steps, index):
        if not steps:
            return f"start {index}"
        return f"The answer is \\boxed{{{7 if steps[0] == 'start 0' else 9}}}."

    policy = ScriptedPolicy(rollout_steps)
    scorer = scores_by_text({"boxed{7}": 0.25, "boxed{9}": 0.75})
    solution, state = search_with_state(policy, scorer, n_simulations=2, k=2, leaves_per_round=1, rollouts=2)
    assert [(len(prompts), params.stop) for prompts, params in policy.calls] == [
        (1, ["\n\n"]),  # expand the root
        (2, []),  # two rollouts after each of its two children, one request
        (1, ["\n\n"]),  # expand start 1, whose children are all answered: no rollouts
    ]
    assert [len(windows) for windows in scorer.calls] == [8, 4]
    assert state.tree.reward[1:3].tolist() == [0.25, 0.75]
    assert solution.answer == "9"
    assert [c.answer for c in solution.candidates] == ["9", "9", "7", "7", "9", "9"]
