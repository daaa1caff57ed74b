"""Grading for the harness: one strategy run's Solutions -> graded ``BenchRecord``s.

Subsampled strategies (``self_consistency``, ``best_of_n``) are run once at the
largest N; the record at N=k re-selects over the first k candidates with the
same selection rule the strategy uses (``search.context.select_all``), and its
cost is the run's cost scaled by k/N (``cost_estimated``). Every other strategy
is recorded at the N it ran with.
"""

from __future__ import annotations

from hrmsearch.benchmarks.plan import Unit
from hrmsearch.benchmarks.store import BenchRecord, RecordKey
from hrmsearch.records import Cost, Problem, Solution, Trajectory
from hrmsearch.search.context import SELECTORS
from hrmsearch.search.strategies import STRATEGIES
from hrmsearch.search.voting import argmax
from hrmsearch.tasks.grading import grade_many


def scaled_cost(cost: Cost, fraction: float) -> Cost:
    """The share ``fraction`` of a run's cost (policy calls stay: the rounds are the same)."""
    return Cost(
        generated_tokens=round(cost.generated_tokens * fraction),
        policy_calls=cost.policy_calls,
        reward_windows_scored=round(cost.reward_windows_scored * fraction),
        reward_context_cuts=round(cost.reward_context_cuts * fraction),
        wall_seconds=cost.wall_seconds * fraction,
    )


def pick_first_k(candidates: list[Trajectory], rule: str, k: int) -> Trajectory | None:
    """What ``rule`` selects among the first ``k`` candidates (argmax when it finds no answer)."""
    pool = candidates[:k]
    return SELECTORS[rule](pool) or argmax(pool)


def unit_seconds(solutions: list[Solution]) -> float:
    """A unit's elapsed time: its problems start together, so it ends with its slowest problem."""
    return max((solution.cost.wall_seconds for solution in solutions), default=0.0)


def _record(
    unit: Unit, solution: Solution, n: int, selection: str, chosen: Trajectory | None, seconds: float
) -> dict:
    fraction = n / unit.run_n
    return {
        "problem_id": solution.problem_id,
        "strategy": unit.strategy,
        "n": n,
        "run_n": unit.run_n,
        "selection": selection,
        "answer": chosen.answer if chosen else None,
        "score": chosen.score if chosen else None,
        "num_steps": len(chosen.steps) if chosen else 0,
        "cost": solution.cost if n == unit.run_n else scaled_cost(solution.cost, fraction),
        "cost_estimated": n != unit.run_n,
        "error": solution.error,
        "chunk": unit.chunk,
        "unit_seconds": seconds * fraction,
    }


def _whole(solution: Solution) -> Trajectory:
    return Trajectory(steps=solution.steps, answer=solution.answer, score=solution.score, finished=True)


def raw_records(unit: Unit, solution: Solution, select: str, seconds: float) -> list[dict]:
    """Ungraded record fields for every N this unit is recorded at (``seconds``: the unit's elapsed time)."""
    spec = STRATEGIES[unit.strategy]
    if not spec.subsampled:
        return [_record(unit, solution, n, unit.strategy, _whole(solution), seconds) for n in unit.record_ns]
    rule = spec.selection_rule or select
    rows = []
    for n in unit.record_ns:
        chosen = _whole(solution) if n == unit.run_n else pick_first_k(solution.candidates, rule, n)
        rows.append(_record(unit, solution, n, f"{rule}@{n}", chosen, seconds))
    return rows


def graded_records(
    unit: Unit,
    solutions: list[Solution],
    problems: dict[str, Problem],
    grader: str,
    select: str,
    skip: set[RecordKey] | frozenset = frozenset(),
) -> list[BenchRecord]:
    """The unit's records not in ``skip``, graded against each problem's gold answer."""
    seconds = unit_seconds(solutions)  # over all its problems, also those whose records are skipped
    rows = [row for solution in solutions for row in raw_records(unit, solution, select, seconds)]
    rows = [row for row in rows if (row["problem_id"], row["strategy"], row["n"]) not in skip]
    golds = [problems[row["problem_id"]].answer for row in rows]
    results = grade_many([(row["answer"], gold or "") for row, gold in zip(rows, golds, strict=True)], grader)
    return [
        BenchRecord(**row, gold=gold, verdict=result.verdict, correct=result.correct and gold is not None)
        for row, gold, result in zip(rows, golds, results, strict=True)
    ]
