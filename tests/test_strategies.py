"""Strategies best_of_n, step_greedy, beam and dvts: exact bookkeeping with a scripted policy and scorer.

``TreePolicy`` answers the k-th request for a prefix with the k-th child listed
for it (cycling), whether the requests come as ``n`` samples of one prompt or as
repeated prompts, so each test spells out the search tree it runs on.
"""

from __future__ import annotations

from collections import Counter

import pytest
from fakes import ScriptedPolicy, ScriptedScorer

from hrmsearch.config import RewardConfig
from hrmsearch.records import Problem
from hrmsearch.search.run import run_strategy, strategy_config
from hrmsearch.search.strategies import STRATEGIES
from hrmsearch.search.strategies.best_of_n import powers_of_two


def boxed(answer: str) -> str:
    return f"The answer is \\boxed{{{answer}}}."


class TreePolicy(ScriptedPolicy):
    """The k-th request for a prefix gets ``tree[prefix][k % len]``; unknown prefixes raise."""

    def __init__(self, tree: dict[tuple[str, ...], list[str]]):
        self.tree = tree
        self.requests: Counter = Counter()
        super().__init__(self.next_step)

    def next_step(self, question: str, steps: list[str], index: int) -> str:
        key = tuple(steps)
        children = self.tree[key]
        count = self.requests[(question, key)]
        self.requests[(question, key)] += 1
        return children[count % len(children)]


def table_scorer(fine: dict[str, float], coarse: dict[str, float] | None = None) -> ScriptedScorer:
    """Scores a fine window by its step text, a coarse one by ``"prev|step"``."""
    coarse = coarse or {}

    def score(window) -> float:
        if window.kind == "coarse":
            return coarse[window.current.replace("\n\n", "|")]
        return fine[window.current]

    return ScriptedScorer(score)


def solve(strategy: str, policy, scorer, reward: RewardConfig | None = None, count: int = 1, **options):
    """Run ``strategy`` on ``count`` problems; with a scorer, every problem must solve without error."""
    problems = [Problem(id=f"p{i}", question=f"q {i}") for i in range(count)]
    solutions = run_strategy(problems, strategy_config(strategy, **options), policy, scorer, reward)
    assert scorer is None or all(s.error is None for s in solutions), [s.error for s in solutions]
    return solutions


LAST = RewardConfig(aggregate="last")  # a path scores as its last step: the rule the tables below spell out

# ---------------------------------------------------------------- best_of_n


def full_solutions(solutions: list[list[str]]):
    """A policy whose sample i is the i-th listed solution."""
    return ScriptedPolicy(lambda question, steps, index: solutions[index][len(steps)])


def test_best_of_n_reports_all_selections_and_subsampled_ones():
    answers = ["C", "C", "C", "B", "B", "A"]  # argmax A, weighted B (0.9 > 0.8 > 0.3), majority C
    last_scores = [0.1, 0.1, 0.1, 0.45, 0.45, 0.8]
    solutions = [[f"path {i}", boxed(a)] for i, a in enumerate(answers)]
    fine = {f"path {i}": 0.5 for i in range(6)}
    scorer = ScriptedScorer(lambda w: fine.get(w.current) or last_scores[int(w.previous[-1].split()[-1])])
    policy = full_solutions(solutions)
    (solution,) = solve("best_of_n", policy, scorer, LAST, n=6, select="weighted")
    assert [c.answer for c in solution.candidates] == answers
    assert [c.score for c in solution.candidates] == last_scores
    assert solution.answer == "B" and solution.score == 0.45
    assert solution.selections == {
        "argmax": "A", "weighted": "B", "majority": "C",
        "argmax@1": "C", "weighted@1": "C", "majority@1": "C",
        "argmax@2": "C", "weighted@2": "C", "majority@2": "C",
        "argmax@4": "B", "weighted@4": "B", "majority@4": "C",
    }
    assert solution.cost.policy_calls == 1 and len(scorer.calls) == 1
    assert solution.cost.reward_windows_scored == 12  # two fine windows per candidate
    assert solution.cost.generated_tokens == sum(len("\n\n".join(s).split()) + 1 for s in solutions)
    assert policy.calls[0][1].n == 6 and policy.calls[0][1].stop == []


@pytest.mark.parametrize(("select", "answer"), [("argmax", "A"), ("weighted", "B"), ("majority", "C")])
def test_best_of_n_config_chooses_the_answering_selection(select, answer):
    answers = ["C", "C", "C", "B", "B", "A"]
    last_scores = {"C": 0.1, "B": 0.45, "A": 0.8}
    policy = full_solutions([[boxed(a)] for a in answers])
    scorer = ScriptedScorer(lambda w: last_scores[w.current[-3]])
    (solution,) = solve("best_of_n", policy, scorer, n=6, select=select)
    assert solution.answer == answer


def test_best_of_n_with_one_sample():
    policy = full_solutions([["one", boxed("4")]])
    scorer = table_scorer({"one": 0.3, boxed("4"): 0.6})
    (solution,) = solve("best_of_n", policy, scorer, LAST, n=1)
    assert solution.answer == "4" and solution.score == 0.6
    assert solution.selections == {
        "argmax": "4", "weighted": "4", "majority": "4", "argmax@1": "4", "weighted@1": "4", "majority@1": "4",
    }
    assert solution.cost.reward_windows_scored == 2


def two_candidates():
    """Candidate 0 ends well after a weak first step; candidate 1 is steady."""
    policy = full_solutions([["weak", boxed("1")], ["steady", boxed("2")]])
    fine = {"weak": 0.2, "steady": 0.5}
    scorer = ScriptedScorer(lambda w: fine[w.current] if w.current in fine else (0.6 if "1" in w.current else 0.5))
    return policy, scorer


@pytest.mark.parametrize(("aggregate", "answer"), [("last", "1"), ("min", "2"), ("prod", "2"), ("mean", "2")])
def test_best_of_n_aggregate_rule_decides(aggregate, answer):
    policy, scorer = two_candidates()
    (solution,) = solve("best_of_n", policy, scorer, RewardConfig(aggregate=aggregate), n=2, select="argmax")
    assert solution.answer == answer


@pytest.mark.parametrize(("combine", "answer", "windows"), [("fine", "1", 4), ("coarse", "2", 6), ("mean", "2", 6)])
def test_best_of_n_combine_rule_decides(combine, answer, windows):
    policy = full_solutions([["a", boxed("1")], ["b", boxed("2")]])
    fine = {"a": 0.5, "b": 0.5, boxed("1"): 0.9, boxed("2"): 0.5}
    coarse = {f"a|{boxed('1')}": 0.1, f"b|{boxed('2')}": 0.8}
    scorer = table_scorer(fine, coarse)
    (solution,) = solve("best_of_n", policy, scorer, RewardConfig(combine=combine, aggregate="last"), n=2,
                        select="argmax")
    assert solution.answer == answer
    assert solution.cost.reward_windows_scored == windows  # a coarse window for every step after the first


def test_best_of_n_outcome_reward_scores_one_window_per_solution():
    policy = full_solutions([["a", boxed("1")], ["b", boxed("2")]])
    scorer = ScriptedScorer(lambda w: 0.9 if w.current.startswith("b") else 0.1)
    (solution,) = solve("best_of_n", policy, scorer, RewardConfig(outcome=True), n=2, select="argmax")
    assert solution.answer == "2" and solution.cost.reward_windows_scored == 2
    assert {w.kind for w in scorer.calls[0]} == {"outcome"}


def test_powers_of_two():
    assert powers_of_two(1) == [1]
    assert powers_of_two(6) == [1, 2, 4]
    assert powers_of_two(16) == [1, 2, 4, 8, 16]


# ---------------------------------------------------------------- step_greedy

GREEDY_TREE = {
    (): ["x1", "x2", "x3"],
    ("x1",): [boxed("1")],
    ("x2",): ["y1", boxed("2"), "y3"],
    ("x2", "y1"): [boxed("9")],
    ("x2", "y3"): [boxed("3")],
}
GREEDY_FINE = {"x1": 0.2, boxed("1"): 0.3, "x2": 0.7, "x3": 0.4, "y1": 0.5, boxed("2"): 0.6, "y3": 0.9, boxed("3"): 0.8}


def test_step_greedy_keeps_the_best_scored_step_each_round():
    policy, scorer = TreePolicy(GREEDY_TREE), table_scorer(GREEDY_FINE)
    (solution,) = solve("step_greedy", policy, scorer, LAST, n=3)
    assert solution.steps == ["x2", "y3", boxed("3")]
    assert solution.answer == "3"
    assert solution.candidates[0].step_scores == [0.7, 0.9, 0.8]
    assert solution.score == 0.8  # aggregate "last"
    assert solution.cost.policy_calls == 3 and len(scorer.calls) == 3
    assert solution.cost.reward_windows_scored == 9  # three candidates per round, fine only
    assert [(len(prompts), params.n) for prompts, params in policy.calls] == [(1, 3)] * 3


def test_step_greedy_combine_coarse_changes_the_kept_step():
    coarse = {"x2|y1": 0.95, f"x2|{boxed('2')}": 0.1, "x2|y3": 0.3, f"y1|{boxed('9')}": 0.5}
    policy, scorer = TreePolicy(GREEDY_TREE), table_scorer({**GREEDY_FINE, boxed("9"): 0.5}, coarse)
    (solution,) = solve("step_greedy", policy, scorer, RewardConfig(combine="coarse"), n=3)
    assert solution.steps == ["x2", "y1", boxed("9")]
    assert solution.cost.reward_windows_scored == 3 + 6 + 6  # a coarse window from the second step on


def test_step_greedy_with_one_candidate_follows_the_policy():
    policy, scorer = TreePolicy(GREEDY_TREE), table_scorer(GREEDY_FINE)
    (solution,) = solve("step_greedy", policy, scorer, n=1)
    assert solution.steps == ["x1", boxed("1")]
    assert solution.cost.reward_windows_scored == 2 and solution.cost.policy_calls == 2


def test_step_greedy_stops_at_max_steps_without_answer():
    policy = ScriptedPolicy(lambda question, steps, index: f"step {len(steps)}")
    scorer = ScriptedScorer(lambda w: 0.5)
    (solution,) = solve("step_greedy", policy, scorer, n=2, max_steps=3)
    assert solution.steps == ["step 0", "step 1", "step 2"]
    assert solution.answer is None and not solution.candidates[0].finished
    assert solution.cost.policy_calls == 3


def test_step_greedy_empty_step_ends_the_path():
    tree = {(): ["a"], ("a",): ["", "  "]}
    policy, scorer = TreePolicy(tree), table_scorer({"a": 0.4})
    (solution,) = solve("step_greedy", policy, scorer, n=2)
    assert solution.steps == ["a"] and solution.score == 0.4
    assert solution.cost.reward_windows_scored == 2  # round 1's two "a"; empty steps are not scored
    assert len(scorer.calls) == 1 and solution.cost.policy_calls == 2


# ---------------------------------------------------------------- beam

BEAM_TREE = {
    (): ["r0", "r1", "r2", "r3"],
    ("r1",): ["a", boxed("5")],
    ("r2",): ["c", "d"],
    ("r2", "c"): [boxed("7"), boxed("5")],
    ("r2", "d"): [boxed("5"), "z"],
}
BEAM_FINE = {
    "r0": 0.1, "r1": 0.9, "r2": 0.5, "r3": 0.3,
    "a": 0.2, boxed("5"): 0.7, "c": 0.8, "d": 0.6, boxed("7"): 0.9, "z": 0.1,
}


def beam_tree(overrides: dict | None = None) -> TreePolicy:
    tree = {**BEAM_TREE, ("r1", "a"): [boxed("8")], ("r2", "d", "z"): [boxed("6")], **(overrides or {})}
    return TreePolicy(tree)


def test_beam_keeps_width_best_and_sets_finished_aside():
    policy, scorer = beam_tree(), table_scorer({**BEAM_FINE, boxed("8"): 0.3, boxed("6"): 0.2})
    (solution,) = solve("beam", policy, scorer, LAST, n=4, width=2, select="weighted")
    # round 1: r1 (.9), r2 (.5) stay; round 2: [r1 r5 boxed 5] finishes, c (.8) and d (.6) stay over a (.2)
    # round 3: c -> boxed 7, boxed 5; d -> boxed 5, z; z is the only open beam; round 4: z -> boxed 6
    prompts_per_round = [prompts for prompts, _ in policy.calls]
    assert [len(p) for p in prompts_per_round] == [4, 4, 4, 4]
    assert all(params.n == 1 for _, params in policy.calls)
    assert policy.requests[("q 0", ("r1",))] == 2 and policy.requests[("q 0", ("r2",))] == 2
    assert policy.requests[("q 0", ("r2", "d", "z"))] == 4  # the last open beam fills all four slots
    assert [(c.steps[-1], c.answer, c.score) for c in solution.candidates] == [
        (boxed("7"), "7", 0.9), (boxed("5"), "5", 0.7), (boxed("5"), "5", 0.7), (boxed("5"), "5", 0.7),
    ]
    assert solution.answer == "5" and solution.selections["argmax"] == "7"
    assert solution.selections["majority"] == "5"
    assert solution.cost.policy_calls == 4 and len(scorer.calls) == 4
    assert solution.cost.reward_windows_scored == 16


def test_beam_width_one_keeps_a_single_beam():
    policy, scorer = beam_tree(), table_scorer({**BEAM_FINE, boxed("8"): 0.3})
    (solution,) = solve("beam", policy, scorer, n=2, width=1, select="argmax")
    # round 1: r0 (.1) vs r1 (.9) -> r1; round 2: r1 -> a (open), boxed 5 (finished); round 3: a -> boxed 8 twice
    assert [len(prompts) for prompts, _ in policy.calls] == [2, 2, 2]
    assert [c.answer for c in solution.candidates] == ["5", "8"]
    assert solution.answer == "5"


def test_beam_n1_follows_single_path_until_cut():
    policy = ScriptedPolicy(lambda question, steps, index: f"s{len(steps)}")
    scorer = ScriptedScorer(lambda w: 0.5)
    (solution,) = solve("beam", policy, scorer, n=1, width=4, max_steps=3)
    assert [len(prompts) for prompts, _ in policy.calls] == [1, 1, 1]
    assert [c.steps for c in solution.candidates] == [["s0", "s1", "s2"]]
    assert solution.answer is None and solution.cost.reward_windows_scored == 3


def test_beam_dedup_drops_repeated_steps():
    tree = {(): ["same", "same", "other", "low"], ("same",): [boxed("1")], ("other",): [boxed("2")]}
    fine = {"same": 0.9, "other": 0.5, "low": 0.1, boxed("1"): 0.5, boxed("2"): 0.6}
    without = TreePolicy(tree)
    solve("beam", without, table_scorer(fine), n=4, width=2)
    with_dedup = TreePolicy(tree)
    solve("beam", with_dedup, table_scorer(fine), n=4, width=2, dedup=True)
    assert with_dedup.requests[("q 0", ("other",))] == 2 and with_dedup.requests[("q 0", ("same",))] == 2
    assert without.requests[("q 0", ("same",))] == 4 and ("q 0", ("other",)) not in without.requests


def test_beam_aggregate_rule_decides_which_beams_stay():
    tree = {(): ["A", "B", "C", "D"], ("A",): ["a1", "a2"], ("B",): ["b1", "b2"]}
    tree |= {("A", "a1"): [boxed("1")], ("A", "a2"): [boxed("1")], ("B", "b1"): [boxed("2")], ("B", "b2"): [boxed("2")]}
    fine = {"A": 0.9, "B": 0.2, "C": 0.1, "D": 0.1, "a1": 0.3, "a2": 0.35, "b1": 0.5, "b2": 0.45}
    fine |= {boxed("1"): 0.5, boxed("2"): 0.5}
    # round 2: "last" keeps B's children (.5, .45); "min" keeps A's (.3, .35 over B's .2)
    (by_last,) = solve("beam", TreePolicy(tree), table_scorer(fine), RewardConfig(aggregate="last"), n=4, width=2)
    (by_min,) = solve("beam", TreePolicy(tree), table_scorer(fine), RewardConfig(aggregate="min"), n=4, width=2)
    assert {c.answer for c in by_last.candidates} == {"2"} and by_last.answer == "2"
    assert {c.answer for c in by_min.candidates} == {"1"} and by_min.answer == "1"


def test_beam_stops_when_every_beam_finished():
    tree = {(): [boxed("3"), boxed("4")]}
    policy = TreePolicy(tree)
    (solution,) = solve("beam", policy, table_scorer({boxed("3"): 0.4, boxed("4"): 0.6}), n=4, width=2)
    assert solution.cost.policy_calls == 1
    assert [c.answer for c in solution.candidates] == ["4", "4", "3", "3"]
    assert solution.answer == "4" and solution.selections["majority"] == "4"


def test_beam_cut_off_beams_have_no_answer():
    policy = ScriptedPolicy(lambda question, steps, index: f"s{len(steps)}")
    (solution,) = solve("beam", policy, ScriptedScorer(lambda w: 0.5), n=4, width=2, max_steps=2)
    assert solution.cost.policy_calls == 2
    assert len(solution.candidates) == 4 and all(c.answer is None for c in solution.candidates)
    assert solution.answer is None and solution.steps == ["s0", "s1"]


# ---------------------------------------------------------------- dvts

DVTS_TREE = {
    (): ["a", "b", "c", "d"],
    ("a",): ["a1", boxed("1")],
    ("d",): ["d1", "d2"],
    ("d", "d2"): [boxed("2"), boxed("3")],
}
DVTS_FINE = {
    "a": 0.3, "b": 0.2, "c": 0.1, "d": 0.6, "a1": 0.1, boxed("1"): 0.8, "d1": 0.1, "d2": 0.15,
    boxed("2"): 0.5, boxed("3"): 0.9,
}


def test_dvts_grows_subtrees_greedily_in_one_request_per_round():
    policy, scorer = TreePolicy(DVTS_TREE), table_scorer(DVTS_FINE)
    (solution,) = solve("dvts", policy, scorer, LAST, n=4, expansion=2)
    # subtree 0: a (.3 > b .2) -> boxed 1 (.8); subtree 1: d (.6 > c) -> d2 (.15 > d1) -> boxed 3 (.9)
    assert [(len(prompts), params.n) for prompts, params in policy.calls] == [(2, 2), (2, 2), (1, 2)]
    assert [c.steps for c in solution.candidates] == [["a", boxed("1")], ["d", "d2", boxed("3")]]
    assert [c.answer for c in solution.candidates] == ["1", "3"]
    assert solution.answer == "3" and solution.score == 0.9
    assert solution.cost.policy_calls == 3 and len(scorer.calls) == 3
    assert solution.cost.reward_windows_scored == 4 + 4 + 2


def test_dvts_aggregate_rule_changes_the_selection():
    policy, scorer = TreePolicy(DVTS_TREE), table_scorer(DVTS_FINE)
    (solution,) = solve("dvts", policy, scorer, RewardConfig(aggregate="min"), n=4, expansion=2, select="argmax")
    assert [c.score for c in solution.candidates] == [0.3, 0.15]  # "last" would pick "3" (.9 > .8)
    assert solution.answer == "1"


def test_dvts_with_one_candidate_is_one_sampled_path():
    policy, scorer = TreePolicy(DVTS_TREE), table_scorer(DVTS_FINE)
    (solution,) = solve("dvts", policy, scorer, n=1, expansion=4, max_steps=2)
    assert [(len(prompts), params.n) for prompts, params in policy.calls] == [(1, 1), (1, 1)]
    assert solution.steps == ["a", "a1"] and solution.answer is None
    assert solution.cost.reward_windows_scored == 2


# ---------------------------------------------------------------- all four


@pytest.mark.parametrize("strategy", ["best_of_n", "step_greedy", "beam", "dvts"])
def test_problems_share_one_policy_and_one_scorer_call_per_round(strategy):
    def steps(question, prefix, index):
        return boxed(question[-1]) if len(prefix) == 2 else f"{question} step {len(prefix)} sample {index}"

    one_policy, one_scorer = ScriptedPolicy(steps), ScriptedScorer(lambda w: 0.5)
    (alone,) = solve(strategy, one_policy, one_scorer, n=4)
    policy, scorer = ScriptedPolicy(steps), ScriptedScorer(lambda w: 0.5)
    solutions = solve(strategy, policy, scorer, count=3, n=4)
    assert len(policy.calls) == len(one_policy.calls) and len(scorer.calls) == len(one_scorer.calls)
    assert [s.answer for s in solutions] == ["0", "1", "2"]
    assert all(s.cost.policy_calls == alone.cost.policy_calls for s in solutions)


@pytest.mark.parametrize(("strategy", "options", "asked"), [
    ("greedy", {}, {False}), ("step_greedy", {}, {False}), ("beam", {}, {False}), ("dvts", {}, {False}),
    ("best_of_n", {}, {True}), ("self_consistency", {}, {True}),  # a trajectory records its log-probability
    ("mcts", {"prior": "logprob"}, {True, False}),  # expansions feed the priors, rollouts do not
    ("mcts", {"prior": "uniform"}, {False}),
])
def test_only_requests_whose_log_probabilities_are_used_ask_for_them(strategy, options, asked):
    def steps(question, prefix, index):
        return boxed("7") if len(prefix) == 2 else f"step {len(prefix)} sample {index}"

    policy = ScriptedPolicy(steps)
    solve(strategy, policy, ScriptedScorer(lambda w: 0.5), n=4, **options)
    assert {params.logprobs for _, params in policy.calls} == asked
    if strategy == "mcts" and options["prior"] == "logprob":
        assert all(params.logprobs == bool(params.stop) for _, params in policy.calls)  # the step requests


def test_search_strategies_are_registered_and_need_a_reward_model():
    for name in ("best_of_n", "step_greedy", "beam", "dvts"):
        assert STRATEGIES[name].needs_reward
    (solution,) = solve("beam", ScriptedPolicy(lambda q, s, i: boxed("1")), None)
    assert solution.error and "needs a reward model" in solution.error


def test_beam_config_expansion_and_dvts_subtrees():
    assert strategy_config("beam", n=16, width=4).expansion == 4
    assert strategy_config("beam", n=2, width=4).expansion == 1
    assert strategy_config("dvts", n=16, expansion=4).subtrees == 4
    assert strategy_config("dvts", n=2, expansion=4).subtrees == 1
