"""Step-level greedy search, the paper's inference: N candidate steps, keep the best-scored, repeat.

It is DVTS with a single subtree: each round samples ``n`` next steps of the
current path in one Generate, scores them in one Score, and keeps the highest
node score, until a step states an answer (or EOS) or ``max_steps``.
"""

from __future__ import annotations

from pydantic import Field

from hrmsearch.config import SearchConfig
from hrmsearch.search.context import SearchContext
from hrmsearch.search.strategies.dvts import grow_greedily
from hrmsearch.search.strategies.spec import StrategySpec


class StepGreedyConfig(SearchConfig):
    strategy: str = "step_greedy"
    n: int = Field(8, ge=1, description="candidate next steps sampled per step")


def run(ctx: SearchContext):
    (branch,) = yield from grow_greedily(ctx, 1, ctx.config.n)
    chosen = ctx.branch_trajectory(branch)
    return ctx.solution(chosen, candidates=[chosen])


SPEC = StrategySpec(
    name="step_greedy",
    config=StepGreedyConfig,
    run=run,
    needs_reward=True,
    budget="candidate next steps per step; one run per N",
    marker="s",
)
