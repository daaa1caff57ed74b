"""Diverse verifier tree search (DVTS): N/expansion independent subtrees, each grown greedily.

Every round, each open subtree samples ``expansion`` candidate next steps and
keeps the one the reward model scores highest (search-and-learn semantics); a
subtree closes when its kept step ends the solution or at ``max_steps``. All
subtrees of a problem share ONE Generate and ONE Score request per round, so the
scheduler can batch them with other problems. The subtrees' final paths are the
candidates for the answer selection. ``step_greedy`` is the one-subtree case.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from pydantic import Field

from hrmsearch.config import SearchConfig
from hrmsearch.search.context import Branch, SearchContext, Selection
from hrmsearch.search.requests import Generate, Score
from hrmsearch.search.strategies.spec import StrategySpec


class DVTSConfig(SearchConfig):
    strategy: str = "dvts"
    n: int = Field(16, ge=1, description="candidate steps per round over all subtrees")
    expansion: int = Field(4, ge=1, description="candidate steps per subtree per round")
    select: Selection = Field("argmax", description="which selection over the subtrees gives the answer")

    @property
    def per_subtree(self) -> int:
        """Candidates per subtree and round; never more than the whole budget ``n``."""
        return min(self.expansion, self.n)

    @property
    def subtrees(self) -> int:
        return self.n // self.per_subtree


def best_child(children: list[Branch]) -> Branch:
    """The child with the highest node score (first on ties); an empty step only if all are empty."""
    grown = [child for child in children if child.grew]
    if not grown:
        return children[0]
    return max(grown, key=lambda child: child.scores[-1])


def grow_greedily(
    ctx: SearchContext, subtrees: int, expansion: int
) -> Generator[Generate | Score, Any, list[Branch]]:
    """Grow ``subtrees`` paths from the root, each round keeping each path's best of ``expansion`` children."""
    branches = [Branch() for _ in range(subtrees)]
    for _ in range(ctx.config.max_steps):
        open_branches = [branch for branch in branches if not branch.final]
        if not open_branches:
            break
        children = yield from ctx.expand(open_branches, expansion)
        kept = iter([best_child(row) for row in children])
        branches = [branch if branch.final else next(kept) for branch in branches]
    return branches


def run(ctx: SearchContext):
    config: DVTSConfig = ctx.config
    branches = yield from grow_greedily(ctx, config.subtrees, config.per_subtree)
    candidates = [ctx.branch_trajectory(branch) for branch in branches]
    return ctx.voted_solution(candidates, config.select)


EXPANSION = 4
"""Candidate steps per subtree when a bench budget N is spent: expansion = min(EXPANSION, N)."""

SPEC = StrategySpec(
    name="dvts",
    config=DVTSConfig,
    run=run,
    needs_reward=True,
    budget=f"candidate steps per round (subtrees x {EXPANSION}); one run per N",
    budget_options=lambda n: {"n": n, "expansion": min(EXPANSION, n)},
    marker="v",
)
