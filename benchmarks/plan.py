"""What one ``hrmsearch bench`` run will compute, before any model loads.

A run sweeps strategies x budgets N over a dataset's problems. What N means, how a
budget becomes config values, and whether one run at the largest N also yields the
smaller N are declared by each strategy's ``SPEC``
(:class:`~hrmsearch.search.strategies.spec.StrategySpec`); ``bench --help`` lists them.

Work is cut into **units**: (strategy, run N, chunk of problems). A unit is solved by
one scheduler call with the run's seed, so it gives the same result wherever it runs
(in process or on any Ray worker) and is the unit of resume.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hrmsearch.config import RewardConfig
from hrmsearch.errors import HrmError
from hrmsearch.records import Problem
from hrmsearch.search.strategies import STRATEGIES


class Unit(BaseModel):
    """One scheduler call: a strategy at one run budget over a chunk of problems."""

    model_config = ConfigDict(frozen=True)

    strategy: str
    run_n: int = Field(ge=1, description="the n the strategy runs with")
    record_ns: tuple[int, ...] = Field(description="the N values this run is recorded at")
    chunk: int
    problem_ids: tuple[str, ...]


class RunSettings(BaseModel):
    """What makes records comparable: a resumed run must match these (run.json)."""

    model_config = ConfigDict(extra="forbid")

    dataset: str
    grader: str
    policy: str | None = None
    backend: str = "auto"
    reward: str | None = None
    combine: str = RewardConfig().combine
    aggregate: str = RewardConfig().aggregate
    seed: int = 0
    options: dict[str, Any] = Field(default_factory=dict)


def record_ns(strategy: str, ns: list[int]) -> tuple[int, ...]:
    """The N values a strategy is recorded at (a budget-free one: only 1)."""
    return (1,) if STRATEGIES[strategy].budget_free else tuple(sorted(set(ns)))


def runs_of(strategy: str, ns: list[int]) -> list[tuple[int, tuple[int, ...]]]:
    """(run n, recorded N values) pairs: one run at max N for subsampled strategies, else one per N."""
    spec = STRATEGIES[strategy]
    wanted = record_ns(strategy, ns)
    if spec.subsampled or spec.budget_free:
        return [(max(wanted), wanted)]
    return [(n, (n,)) for n in wanted]


def chunks(problems: list[Problem], size: int) -> list[tuple[str, ...]]:
    return [tuple(p.id for p in problems[start : start + size]) for start in range(0, len(problems), size)]


def make_units(strategies: list[str], ns: list[int], problems: list[Problem], chunk_size: int) -> list[Unit]:
    """Every unit of the sweep, strategy by strategy, run by run, chunk by chunk."""
    problem_chunks = chunks(problems, chunk_size)
    return [
        Unit(strategy=strategy, run_n=run_n, record_ns=recorded, chunk=index, problem_ids=ids)
        for strategy in strategies
        for run_n, recorded in runs_of(strategy, ns)
        for index, ids in enumerate(problem_chunks)
    ]


def check_strategies(strategies: list[str], has_reward: bool) -> None:
    """Unknown strategy names, and reward-guided strategies without a reward model, are user errors."""
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise HrmError(f"unknown strategy {unknown[0]!r}; choose from {', '.join(STRATEGIES)}")
    guided = [s for s in strategies if STRATEGIES[s].needs_reward]
    if guided and not has_reward:
        unguided = ", ".join(name for name, spec in STRATEGIES.items() if not spec.needs_reward)
        raise HrmError(
            f"strategy {guided[0]!r} needs a reward model but --reward none was given; "
            f"drop it or pass --reward (strategies without one: {unguided})"
        )


def parse_ns(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise HrmError(f"--n must be comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise HrmError(f"--n values must be >= 1, got {text!r}")
    return sorted(set(values))


def describe_plan(
    problems: list[Problem], strategies: list[str], ns: list[int], max_steps: int, settings: RunSettings
) -> str:
    """The dry-run text: problems, each strategy's runs and recorded N, estimated generations."""
    lines = [
        f"dataset {settings.dataset}: {len(problems)} problems, grader {settings.grader}, seed {settings.seed}",
        f"policy {settings.policy or 'shipped tiny policy'} ({settings.backend}), reward {settings.reward or 'shipped hrm_hnc'}",
        "",
        "| strategy | N recorded | runs (n) | est. step generations / problem | total (upper bound) |",
        "|---|---|---|---|---|",
    ]
    grand_total = 0
    for strategy in strategies:
        runs = runs_of(strategy, ns)
        per_problem = sum(STRATEGIES[strategy].step_generations(run_n, max_steps) for run_n, _ in runs)
        total = per_problem * len(problems)
        grand_total += total
        recorded = ",".join(str(n) for n in record_ns(strategy, ns))
        run_list = ",".join(str(run_n) for run_n, _ in runs)
        lines.append(f"| {strategy} | {recorded} | {run_list} | <= {per_problem} | <= {total} |")
    records = len(problems) * sum(len(record_ns(s, ns)) for s in strategies)
    lines += ["", f"{records} records; at most {grand_total} sampled steps in all (steps of <= max_steps={max_steps})"]
    return "\n".join(lines)
