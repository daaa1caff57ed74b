"""Shared candidate pools for best-of-N: sample once, rescore by any reward model, select on the first k.

Used by ``benchmarks/rerank.py`` (one pool, printed table) and ``benchmarks/paper_mini``
(resumable pools per seed). A pool is one ``self_consistency`` Solution per problem
whose ``candidates`` are the sampled solutions; rescoring fills every candidate's
``score`` with a reward model's trajectory score, so every selection rule compares
reward models on the same candidates (a paired comparison).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hrmsearch.config import RewardConfig, SearchConfig
from hrmsearch.engine.prompts import PromptBuilder
from hrmsearch.records import Problem, Solution, Trajectory
from hrmsearch.search.context import SearchContext
from hrmsearch.search.run import run_strategy, strategy_config
from hrmsearch.search.scheduler import Scheduler
from hrmsearch.tasks.grading import grade

Pick = Callable[[Sequence[Trajectory]], Trajectory | None]


def candidate_pool(
    problems: list[Problem], policy: Any, n: int, seed: int, temperature: float, progress: bool = True
) -> list[Solution]:
    """``n`` sampled solutions per problem (the self-consistency strategy with ``seed``)."""
    config = strategy_config("self_consistency", n=n, seed=seed, temperature=temperature)
    return run_strategy(problems, config, policy, progress=progress)


def rescore(
    pool: list[Solution], problems: list[Problem], prompts: PromptBuilder, scorer: Any, reward: RewardConfig
) -> list[Solution]:
    """Every candidate of ``pool`` with its trajectory score under ``scorer`` and ``reward``.

    Scoring needs no policy: ``prompts`` only gives the step delimiter of coarse windows.
    """
    by_id = {solution.problem_id: solution for solution in pool}

    def make(problem: Problem):
        ctx = SearchContext(problem, prompts, SearchConfig(strategy="rerank"), reward)
        scored = yield from ctx.score_trajectories(by_id[problem.id].candidates)
        return ctx.solution(None, candidates=scored)

    return Scheduler(None, scorer).run(problems, "rerank", make)


def is_correct(answer: str | None, gold: str | None) -> bool:
    """Exact numeric comparison (the `numeric` grader), as for every `arith` answer."""
    return gold is not None and grade(answer, gold, "numeric")


def selection_hits(solutions: list[Solution], problems: list[Problem], pick: Pick, k: int) -> list[bool]:
    """Per problem: is the candidate ``pick`` chooses among the first ``k`` correct?"""
    return [
        (chosen := pick(solution.candidates[:k])) is not None and is_correct(chosen.answer, problem.answer)
        for solution, problem in zip(solutions, problems, strict=True)
    ]


def pass_hits(solutions: list[Solution], problems: list[Problem], k: int) -> list[bool]:
    """Per problem: is any of the first ``k`` candidates correct (pass@k, the ceiling of selection)?"""
    return [
        any(is_correct(c.answer, problem.answer) for c in solution.candidates[:k])
        for solution, problem in zip(solutions, problems, strict=True)
    ]


def share(hits: Sequence[bool]) -> float:
    return round(sum(hits) / len(hits), 4) if hits else 0.0


def accuracy(solutions: list[Solution], problems: list[Problem], pick: Pick, k: int) -> float:
    return share(selection_hits(solutions, problems, pick, k))
