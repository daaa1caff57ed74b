"""MCTS with full-rollout simulations, on a scripted policy and scorer: a hand-checked 2-round search
(visits, values, priors, every rule's answer), the budget in rollouts, batching across problems, and
an answer in every run."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from fakes import ScriptedPolicy, ScriptedScorer

from hrmsearch.config import RewardConfig
from hrmsearch.records import Problem
from hrmsearch.search.context import SearchContext
from hrmsearch.search.run import run_strategy, strategy_config
from hrmsearch.search.scheduler import Scheduler
from hrmsearch.search.strategies import STRATEGIES, mcts

PROBLEM = Problem(id="p0", question="q")


def search_with_state(policy, scorer, problems=(PROBLEM,), reward=None, **options):
    """Run MCTS through the scheduler; the Solutions and the final search states, in problem order.
    The hand-checked searches roll out one solution per simulation unless ``rollouts`` says otherwise."""
    config = strategy_config("mcts", **{"rollouts": 1, **options})
    states = {}

    def make(problem):
        ctx = SearchContext(problem, policy.prompts, config, reward or RewardConfig())

        def coroutine():
            states[problem.id] = yield from mcts.search(ctx)
            return (yield from mcts.answer(ctx, states[problem.id]))

        return coroutine()

    solutions = Scheduler(policy, scorer).run(list(problems), "mcts", make)
    assert all(solution.error is None for solution in solutions), solutions
    return solutions, [states[problem.id] for problem in problems]


def test_importing_the_strategies_leaves_numba_unimported():
    # a script's __main__ that imports numba before vLLM spawns its engine breaks the engine's start
    code = "import sys, hrmsearch.search.run, hrmsearch.benchmarks.candidates; print('numba' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False"


class LoggedPolicy(ScriptedPolicy):
    """A scripted policy whose one-step samples carry a log-probability per step text."""

    def __init__(self, step_fn, logprobs):
        super().__init__(step_fn)
        self.logprobs = logprobs

    def _sample(self, prompt, params, index):
        sample = super()._sample(prompt, params, index)
        return sample.model_copy(update={"logprob": self.logprobs.get(sample.text, 0.0)})


def two_round_steps(question, steps, index):
    """Root: 'a' then 'b'; after 'a': 'ax' / 'ay'; every path below 'a' answers 1, below 'b' answers 2."""
    if not steps:
        return ["a", "b"][index % 2]
    if steps == ["a"]:
        return ["ax", "ay"][index % 2]
    return f"The answer is \\boxed{{{1 if steps[0] == 'a' else 2}}}."


BOX = "The answer is \\boxed{%s}."
TWO_ROUND_SCORES = {"a": 0.7, "ax": 0.5, BOX % 1: 0.9, "b": 0.9, BOX % 2: 0.95}


def exact_scores(table):
    return ScriptedScorer(lambda window: table[window.current])


def test_two_round_search_by_hand():
    """n=3, k=2, two leaves per round, lambda=0.25, trajectory score = min of node scores.

    Round 1 selects the root: children a (prior 0.75 from log-probs 0 and ln 1/3) and b (0.25);
    the first sample, a, is rolled out: a -> ax -> boxed{1} (nodes 3, 4, held below a),
    outcome min(.7, .5, .9) = .5, value .75 * .5 + .25 * .7 = .55, backed up from node 4.
    Round 2: PUCT at the root gives a .55 + .75 * 1 / 2 = .925, b 0 + .25 = .25 -> a; under
    a's virtual loss a scores (.55 - 1) / 2 + .75 * sqrt(2) / 3 = .129, b .25 * sqrt(2) = .354
    -> b. Expanding a links its held ax (prior 1/2) next to the new ay (1/2); its first
    sample is ax, whose rollout repeats boxed{1}: node 4 is reached again and backed up with
    its value .55. Expanding b gives one distinct step, boxed{2} (node 6, prior 1), answered
    at once: outcome min(.9, .95) = .9, value .75 * .9 + .25 * .95 = .9125.
    Budget: 1 + 2 = 3 solutions; candidates 1, 2, 1 (reward-weighted vote: 1.0 for 1, .9 for 2).
    """
    policy = LoggedPolicy(two_round_steps, {"b": math.log(1 / 3)})
    options = dict(n=3, k=2, leaves_per_round=2, node_weight=0.25, c_puct=1.0, fpu=0.0)
    (solution,), (state,) = search_with_state(
        policy, exact_scores(TWO_ROUND_SCORES), reward=RewardConfig(aggregate="min"), select="visits", **options
    )
    tree = state.tree
    assert tree.texts == ["", "a", "b", "ax", BOX % 1, "ay", BOX % 2]
    assert tree.parent[: tree.size].tolist() == [-1, 0, 0, 1, 3, 1, 2]
    assert tree.children(0) == [1, 2] and tree.children(1) == [3, 5] and state.held == {3: [4]}
    assert tree.prior[1:7].tolist() == pytest.approx([0.75, 0.25, 0.5, 1.0, 0.5, 1.0])
    assert tree.visits[: tree.size].tolist() == [3, 2, 1, 2, 2, 0, 1]
    assert tree.value_sum[: tree.size].tolist() == pytest.approx([2.0125, 1.1, 0.9125, 1.1, 1.1, 0.0, 0.9125])
    assert state.values == pytest.approx({4: 0.55, 6: 0.9125})
    assert state.produced == [4, 6, 4]
    assert (state.solutions, state.selections) == (3, 3)
    assert [(len(prompts), params.n, params.stop) for prompts, params in policy.calls] == [
        (1, 2, ["\n\n"]), (1, 1, []),  # round 1: expand the root, roll out a
        (2, 2, ["\n\n"]), (1, 1, []),  # round 2: expand a and b, roll out ax (b's child answered)
    ]
    assert solution.answer == "1" and solution.steps == ["a", "ax", BOX % 1] and solution.score == 0.5
    assert solution.selections == {
        "visits": "1", "value": "2", "visit_vote": "1", "weighted": "1", "majority": "1", "argmax": "2",
    }
    assert [c.answer for c in solution.candidates] == ["1", "2", "1"]
    assert solution.cost.policy_calls == 4 and solution.cost.reward_windows_scored == 5
    config = strategy_config("mcts", select="value", **{"rollouts": 1, **options})
    (by_value,) = run_strategy(
        [PROBLEM], config, policy, exact_scores(TWO_ROUND_SCORES), RewardConfig(aggregate="min")
    )
    assert by_value.answer == "2" and by_value.steps == ["b", BOX % 2] and by_value.score == pytest.approx(0.9)


def test_uniform_prior_and_the_scorer_sees_each_node_once():
    policy = LoggedPolicy(two_round_steps, {"b": math.log(1 / 3)})
    scorer = exact_scores(TWO_ROUND_SCORES)
    _, (state,) = search_with_state(policy, scorer, n=3, k=2, leaves_per_round=2, prior="uniform")
    assert state.tree.prior[1:3].tolist() == [0.5, 0.5]
    windows = [(w.previous, w.current) for call in scorer.calls for w in call]
    assert len(windows) == len(set(windows)) == state.tree.size - 2  # every node but the root and ay


def counting_steps(question, steps, index):
    """Open steps for three levels, then an answer that depends on the first step."""
    if len(steps) < 3:
        return f"s{len(steps)}.{index}"
    return f"The answer is \\boxed{{{steps[0][-1]}}}."


def deep_steps(question, steps, index):
    """Open steps to depth 9, then an answer: expansions this shallow never answer at once."""
    return f"s{len(steps)}.{index}" if len(steps) < 9 else BOX % index


@pytest.mark.parametrize(("n", "rollouts", "leaves"), [(1, 1, 4), (6, 1, 4), (7, 2, 3), (16, 1, 4)])
def test_n_counts_complete_solutions(n, rollouts, leaves):
    policy = ScriptedPolicy(deep_steps)
    (solution,), (state,) = search_with_state(
        policy, ScriptedScorer(lambda w: 0.5), n=n, k=3, rollouts=rollouts, leaves_per_round=leaves
    )
    rollout_samples = sum(len(prompts) * params.n for prompts, params in policy.calls if not params.stop)
    assert state.solutions == rollout_samples  # every solution here is a rollout (no step answers early)
    assert n <= rollout_samples < n + rollouts
    assert int(state.tree.visits[0]) == rollout_samples
    assert solution.answer is not None and len(solution.candidates) == rollout_samples


def test_problems_share_one_request_of_each_kind_per_round():
    problems = [Problem(id=f"p{i}", question=f"q{i}") for i in range(3)]
    one = ScriptedPolicy(counting_steps)
    search_with_state(one, ScriptedScorer(lambda w: 0.5), n=8, k=2, fpu=0.0)
    many, scorer = ScriptedPolicy(counting_steps), ScriptedScorer(lambda w: 0.5)
    solutions, states = search_with_state(many, scorer, problems=problems, n=8, k=2, fpu=0.0)
    assert [len(prompts) for prompts, _ in many.calls] == [3 * len(prompts) for prompts, _ in one.calls]
    assert len({params.max_tokens for _, params in many.calls if not params.stop}) == 1
    assert len(scorer.calls) == len(many.calls) // 2  # one Score per round: two Generates per round here
    assert all(s.cost.policy_calls == len(one.calls) for s in solutions)


def late_answer(question, steps, index):
    """Answers only at the fifth step: beyond max_steps=3, so the search itself finds none."""
    return BOX % 4 if len(steps) >= 4 else f"s{len(steps)}.{index}"


def test_no_finished_trajectory_completes_the_most_visited_path_greedily():
    policy = ScriptedPolicy(late_answer)
    (solution,), (state,) = search_with_state(policy, ScriptedScorer(lambda w: 0.5), n=4, k=2, max_steps=3)
    assert not state.candidates()
    prompts, params = policy.calls[-1]
    assert params.temperature == 0.0 and params.stop == [] and params.n == 1
    assert solution.answer == "4" and solution.selections["greedy_completion"] == "4"
    assert solution.steps[:3] == state.paths[mcts.most_visited_end(state, finished_only=False)]


@pytest.mark.parametrize("script", [two_round_steps, counting_steps, late_answer])
@pytest.mark.parametrize("options", [dict(n=1), dict(n=4, k=1), dict(n=5, k=4, leaves_per_round=2, max_steps=2)])
def test_every_run_returns_an_answer(script, options):
    (solution,), _ = search_with_state(ScriptedPolicy(script), ScriptedScorer(lambda w: 0.5), **options)
    assert solution.answer is not None


def test_a_policy_that_never_answers_gives_no_answer_and_stops():
    (solution,), (state,) = search_with_state(
        ScriptedPolicy(lambda q, steps, i: 'step ' + 'x' * len(steps)), ScriptedScorer(lambda w: 0.5), n=4, k=2, max_steps=2
    )
    assert solution.answer is None and solution.selections["greedy_completion"] is None
    assert state.selections <= mcts.SELECTION_CAP * 4


def test_mcts_is_registered_and_its_budget_is_complete_solutions():
    spec = STRATEGIES["mcts"]
    assert (spec.config, spec.run) == (mcts.MCTSConfig, mcts.run)
    assert spec.needs_reward and "complete solutions" in spec.budget
    assert spec.budget_options(8) == {"n": 8}
    assert strategy_config("mcts", n=8).n == 8


def test_a_root_whose_samples_are_all_empty_ends_the_search_without_an_error():
    # every sampled first step empty, nothing held: the solution ends at the root (priors of no
    # steps once divided by zero)
    policy = ScriptedPolicy(lambda question, steps, index: "")
    solutions, (state,) = search_with_state(policy, ScriptedScorer(lambda window: 0.5), n=2)
    assert state.tree.size == 1 and 0 in state.final
    assert solutions[0].answer is None
