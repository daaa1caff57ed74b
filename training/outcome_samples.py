"""Outcome (ORM) training samples from sampled whole solutions.

For each problem, ``n`` complete solutions are sampled in one batched request (the
self-consistency strategy on the scheduler); each answered solution becomes an
outcome window (question, whole solution) labelled 1 when its answer grades correct.
Problems are split train/test by the same seeded shuffle as tree samples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hrmsearch.records import Problem
from hrmsearch.scoring.windows import outcome_window
from hrmsearch.search.run import run_strategy, strategy_config
from hrmsearch.training.samples import RewardSample
from hrmsearch.training.tree_samples import dedupe, held_out_ids, to_sample

Grade = Callable[[str | None, str | None], bool]


def outcome_samples(
    problems: list[Problem], policy: Any, grade: Grade, n: int = 8, seed: int = 0, temperature: float = 1.0,
    test_fraction: float = 0.2,
) -> dict[str, list[RewardSample]]:
    """``{"train": [...], "test": [...]}`` outcome samples from ``n`` sampled solutions per problem."""
    config = strategy_config("self_consistency", n=n, seed=seed, temperature=temperature)
    solutions = run_strategy(problems, config, policy, progress=True)
    held_out = held_out_ids([p.id for p in problems], test_fraction, seed)
    splits: dict[str, list[RewardSample]] = {"train": [], "test": []}
    for problem, solution in zip(problems, solutions):
        samples = [
            to_sample(
                outcome_window(problem.question, candidate.steps),
                float(grade(candidate.answer, problem.answer)),
                f"{problem.id}/sample/{index}",
                len(candidate.steps) - 1,
            )
            for index, candidate in enumerate(solution.candidates)
            if candidate.answer is not None and candidate.steps
        ]
        splits["test" if problem.id in held_out else "train"].extend(dedupe(samples))
    return splits
