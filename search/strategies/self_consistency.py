"""Self-consistency: N sampled solutions, the most frequent answer wins (no reward model)."""

from __future__ import annotations

from pydantic import Field

from hrmsearch.config import SearchConfig
from hrmsearch.search.context import SearchContext
from hrmsearch.search.strategies.spec import StrategySpec
from hrmsearch.search.voting import majority


class SelfConsistencyConfig(SearchConfig):
    strategy: str = "self_consistency"
    n: int = Field(8, ge=1)


def run(ctx: SearchContext):
    candidates = yield from ctx.sample_solutions(ctx.config.n)
    chosen = majority(candidates) or (candidates[0] if candidates else None)
    return ctx.solution(chosen, candidates=candidates, selections={"majority": chosen.answer if chosen else None})


SPEC = StrategySpec(
    name="self_consistency",
    config=SelfConsistencyConfig,
    run=run,
    needs_reward=False,
    budget="full solutions sampled; one run at max N, majority of the first k for N=k",
    subsampled=True,
    selection_rule="majority",
)
