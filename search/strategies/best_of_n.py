"""Best-of-N: N full solutions in one policy call, scored by the reward model, then selected.

Each candidate's score is its node scores aggregated per ``RewardConfig``
(``combine`` for fine/coarse node scores, ``aggregate`` over the steps); argmax,
weighted majority and plain majority all use that score. One run at N also
reports every selection on the first k candidates for each power of two k <= N
(``"argmax@4"``, ``"weighted@4"``, ``"majority@4"``), so one run gives the whole
accuracy-vs-N curve.
"""

from __future__ import annotations

from pydantic import Field

from hrmsearch.config import SearchConfig
from hrmsearch.records import Trajectory
from hrmsearch.search.context import SearchContext, Selection, select_all
from hrmsearch.search.strategies.spec import StrategySpec


class BestOfNConfig(SearchConfig):
    strategy: str = "best_of_n"
    n: int = Field(8, ge=1, description="full solutions sampled")
    select: Selection = Field("argmax", description="which selection gives the Solution's answer")


def powers_of_two(limit: int) -> list[int]:
    """1, 2, 4, ... up to ``limit`` inclusive."""
    return [1 << exponent for exponent in range(limit.bit_length()) if 1 << exponent <= limit]


def subsampled_selections(candidates: list[Trajectory]) -> dict[str, str | None]:
    """Every selection's answer on the first k candidates, for each power of two k."""
    answers: dict[str, str | None] = {}
    for k in powers_of_two(len(candidates)):
        picks = select_all(candidates[:k], suffix=f"@{k}")
        answers.update({key: pick.answer if pick else None for key, pick in picks.items()})
    return answers


def run(ctx: SearchContext):
    samples = yield from ctx.sample_solutions(ctx.config.n)
    candidates = yield from ctx.score_trajectories(samples)
    return ctx.voted_solution(candidates, ctx.config.select, subsampled_selections(candidates))


SPEC = StrategySpec(
    name="best_of_n",
    config=BestOfNConfig,
    run=run,
    needs_reward=True,
    budget=f"full solutions sampled and scored; one run at max N, selection "
    f"'{BestOfNConfig.model_fields['select'].default}@k' for N=k",
    subsampled=True,
)
