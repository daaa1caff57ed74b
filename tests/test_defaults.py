"""The shipped defaults help: best-of-16 with every default beats majority vote on arith-dev.

One pool (100 `arith-dev` problems, 16 solutions each, the shipped policy on the
transformers backend) is sampled once and scored once by the default reward model
under the default ``RewardConfig``; every selection the run reports is graded.
The defaults were chosen on this split by ``scripts/defaults_sweep.py``
(docs/results/defaults_sweep.md).
"""

from __future__ import annotations

import pytest

from hrmsearch.api import solve_many
from hrmsearch.benchmarks.candidates import is_correct
from hrmsearch.search.strategies.best_of_n import BestOfNConfig
from hrmsearch.tasks import arith

PROBLEMS = 100
N = 16


@pytest.fixture(scope="module")
def graded():
    """Per selection rule (and ``answer``, the Solution's own): the number of problems it answers right."""
    problems = arith.split("dev")[:PROBLEMS]
    solutions = solve_many(problems, strategy="best_of_n", n=N, backend="transformers")
    rules = ("argmax", "weighted", "majority")
    counts = {rule: sum(is_correct(s.selections[rule], p.answer) for s, p in zip(solutions, problems)) for rule in rules}
    counts["answer"] = sum(is_correct(s.answer, p.answer) for s, p in zip(solutions, problems))
    counts["candidates"] = min(len(s.candidates) for s in solutions)
    return counts


def test_reward_selection_beats_majority_vote(graded):
    assert graded["candidates"] == N
    assert graded["argmax"] > graded["majority"], graded
    assert graded["weighted"] > graded["majority"], graded


def test_the_answer_comes_from_the_default_selection(graded):
    default = BestOfNConfig.model_fields["select"].default
    assert graded["answer"] == graded[default]
    assert graded[default] == max(graded[rule] for rule in ("argmax", "weighted", "majority"))

