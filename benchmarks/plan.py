"""The benchmark plan room: what one ``hrmsearch bench`` run will compute, before any model loads.

A run sweeps strategies x budgets N over a dataset's problems. What N means is
fixed per strategy in ``BUDGETS`` (the table below is also in the ``bench`` help):

==================  ==========================================  ====================================
strategy            N is                                        how the runs are made
==================  ==========================================  ====================================
greedy              (no budget: one deterministic solution)     one run, recorded at N=1 only
self_consistency    full solutions sampled, majority vote       ONE run at max N; N=k votes on the
                                                                first k samples
best_of_n           full solutions sampled, reward-selected     ONE run at max N; N=k reads the
                                                                strategy's ``{select}@k`` selection
step_greedy         candidate next steps sampled per step       one run per N
beam                candidate steps per round = width x 4       one run per N, width = max(1, N//4)
dvts                candidate steps per round = subtrees x 4    one run per N, expansion = min(4, N)
mcts                simulations (leaves selected and scored)    one run per N
==================  ==========================================  ====================================

Work is cut into **units**: (strategy, run N, chunk of problems). A unit is solved by
one scheduler call with the run's seed, so it gives the same result wherever it runs
(in process or on any Ray worker) and is the unit of resume.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hrmsearch.errors import HrmError
from hrmsearch.records import Problem

SUBSAMPLED = {"self_consistency", "best_of_n"}
BUDGET_FREE = {"greedy"}
BEAM_EXPANSION = 4
BUDGETS: dict[str, str] = {
    "greedy": "no budget: one deterministic solution, recorded at N=1",
    "self_consistency": "full solutions sampled; one run at max N, majority of the first k for N=k",
    "best_of_n": "full solutions sampled and scored; one run at max N, selection '{select}@k' for N=k",
    "step_greedy": "candidate next steps per step; one run per N",
    "beam": f"candidate steps per round (width x {BEAM_EXPANSION}, width = max(1, N//{BEAM_EXPANSION})); one run per N",
    "dvts": f"candidate steps per round (subtrees x {BEAM_EXPANSION}); one run per N",
    "mcts": "simulations; one run per N",
}


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
    combine: str = "fine"
    aggregate: str = "last"
    seed: int = 0
    options: dict[str, Any] = Field(default_factory=dict)


def record_ns(strategy: str, ns: list[int]) -> tuple[int, ...]:
    """The N values a strategy is recorded at (greedy: only 1)."""
    return (1,) if strategy in BUDGET_FREE else tuple(sorted(set(ns)))


def runs_of(strategy: str, ns: list[int]) -> list[tuple[int, tuple[int, ...]]]:
    """(run n, recorded N values) pairs: one run at max N for subsampled strategies, else one per N."""
    wanted = record_ns(strategy, ns)
    if strategy in SUBSAMPLED or strategy in BUDGET_FREE:
        return [(max(wanted), wanted)]
    return [(n, (n,)) for n in wanted]


def budget_options(strategy: str, n: int) -> dict[str, Any]:
    """The strategy config values that spend budget ``n`` (see the module table)."""
    if strategy in BUDGET_FREE:
        return {}
    if strategy == "beam":
        return {"n": n, "width": max(1, n // BEAM_EXPANSION)}
    if strategy == "dvts":
        return {"n": n, "expansion": min(BEAM_EXPANSION, n)}
    return {"n": n}


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


def check_strategies(strategies: list[str], known: list[str], needs_reward: set[str], has_reward: bool) -> None:
    """Unknown strategy names, and reward-guided strategies without a reward model, are user errors."""
    unknown = [s for s in strategies if s not in known]
    if unknown:
        raise HrmError(f"unknown strategy {unknown[0]!r}; choose from {', '.join(known)}")
    guided = [s for s in strategies if s in needs_reward]
    if guided and not has_reward:
        raise HrmError(
            f"strategy {guided[0]!r} needs a reward model but --reward none was given; "
            f"drop it or pass --reward (strategies without one: {', '.join(s for s in known if s not in needs_reward)})"
        )


def parse_ns(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise HrmError(f"--n must be comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise HrmError(f"--n values must be >= 1, got {text!r}")
    return sorted(set(values))


def step_generations(strategy: str, n: int, max_steps: int, mcts_k: int = 4) -> int:
    """Upper bound of sampled steps per problem for one run (a full solution counts its steps)."""
    if strategy in BUDGET_FREE:
        return max_steps
    if strategy == "mcts":
        return n * mcts_k
    return n * max_steps


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
        per_problem = sum(step_generations(strategy, run_n, max_steps) for run_n, _ in runs)
        total = per_problem * len(problems)
        grand_total += total
        recorded = ",".join(str(n) for n in record_ns(strategy, ns))
        run_list = ",".join(str(run_n) for run_n, _ in runs)
        lines.append(f"| {strategy} | {recorded} | {run_list} | <= {per_problem} | <= {total} |")
    records = len(problems) * sum(len(record_ns(s, ns)) for s in strategies)
    lines += ["", f"{records} records; at most {grand_total} sampled steps in all (steps of <= max_steps={max_steps})"]
    return "\n".join(lines)
