"""Step-level beam search with search-and-learn semantics.

Every round generates ``n`` candidate steps (width x expansion): the open beams
are repeated round robin to fill the ``n`` slots, each slot samples one step
(ONE Generate for the problem), and every new step is scored (ONE Score). A
candidate whose step ends the solution (boxed answer, EOS or an empty step) is
kept aside as finished; of the rest (optionally deduplicated by their steps) the
``width`` best by aggregated path score stay open. Beams still open after
``max_steps`` rounds are cut off and kept aside unanswered. The answer is
selected over the ``n`` best finished beams.
"""

from __future__ import annotations

from pydantic import Field

from hrmsearch.config import SearchConfig
from hrmsearch.records import Trajectory
from hrmsearch.search.context import Branch, SearchContext, Selection
from hrmsearch.search.strategies.spec import StrategySpec


class BeamConfig(SearchConfig):
    strategy: str = "beam"
    n: int = Field(16, ge=1, description="candidate steps per round over all beams (width x expansion)")
    width: int = Field(4, ge=1, description="beams kept open after each round")
    dedup: bool = Field(False, description="drop open candidates whose steps repeat an earlier candidate's")
    select: Selection = Field("argmax", description="which selection over finished beams gives the answer")

    @property
    def expansion(self) -> int:
        """Candidate steps per beam while all ``width`` beams are open."""
        return max(1, self.n // self.width)


def spread(beams: list[Branch], slots: int) -> list[Branch]:
    """``slots`` generation slots over the open beams, round robin."""
    return [beams[index % len(beams)] for index in range(slots)]


def unique_steps(candidates: list[Branch]) -> list[Branch]:
    """The first candidate of each distinct list of steps, in order."""
    first: dict[tuple[str, ...], Branch] = {}
    for candidate in candidates:
        first.setdefault(tuple(candidate.steps), candidate)
    return list(first.values())


def keep_best(ctx: SearchContext, candidates: list[Branch], width: int, dedup: bool) -> list[Branch]:
    """The ``width`` best open candidates by aggregated path score (earlier first on ties)."""
    pool = unique_steps(candidates) if dedup else candidates
    return sorted(pool, key=lambda branch: ctx.path_score(branch.scores), reverse=True)[:width]


def best_finished(ctx: SearchContext, finished: list[Branch], count: int) -> list[Trajectory]:
    """The ``count`` best finished beams as scored trajectories, best first."""
    trajectories = [ctx.branch_trajectory(branch) for branch in finished]
    return sorted(trajectories, key=lambda t: t.score or 0.0, reverse=True)[:count]


def run(ctx: SearchContext):
    config: BeamConfig = ctx.config
    beams: list[Branch] = [Branch()]
    finished: list[Branch] = []
    for depth in range(config.max_steps):
        children = yield from ctx.expand(spread(beams, config.n), 1)
        candidates = [row[0] for row in children]
        cut_off = depth == config.max_steps - 1
        finished += [child for child in candidates if child.final or cut_off]
        beams = [] if cut_off else keep_best(ctx, [c for c in candidates if not c.final], config.width, config.dedup)
        if not beams:
            break
    return ctx.voted_solution(best_finished(ctx, finished, config.n), config.select)


EXPANSION = 4
"""Children per beam when a bench budget N is spent: width = max(1, N // EXPANSION)."""

SPEC = StrategySpec(
    name="beam",
    config=BeamConfig,
    run=run,
    needs_reward=True,
    budget=f"candidate steps per round (width x {EXPANSION}, width = max(1, N//{EXPANSION})); one run per N",
    budget_options=lambda n: {"n": n, "width": max(1, n // EXPANSION)},
    marker="^",
)
