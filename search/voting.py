"""Answer selection over finished trajectories: majority, weighted majority, argmax.

Ties go to the answer seen first, so selection is deterministic. Voting weights are
the trajectory scores produced with the user's aggregator (search-and-learn always
uses ``last``; here it is whatever ``RewardConfig.aggregate`` says).
"""

from __future__ import annotations

from collections.abc import Sequence

from hrmsearch.answers import normalize_for_vote
from hrmsearch.records import Trajectory


def _voters(trajectories: Sequence[Trajectory]) -> list[tuple[str, Trajectory]]:
    return [(key, t) for t in trajectories if (key := normalize_for_vote(t.answer)) is not None]


def _tally(trajectories: Sequence[Trajectory], weighted: bool) -> Trajectory | None:
    totals: dict[str, float] = {}
    first: dict[str, Trajectory] = {}
    for key, traj in _voters(trajectories):
        weight = (traj.score or 0.0) if weighted else 1.0
        totals[key] = totals.get(key, 0.0) + weight
        first.setdefault(key, traj)
    if not totals:
        return None
    best = max(totals, key=lambda key: totals[key])  # max keeps the first of equal totals
    return _best_of_answer(trajectories, best) if weighted else first[best]


def _best_of_answer(trajectories: Sequence[Trajectory], key: str) -> Trajectory:
    same = [t for k, t in _voters(trajectories) if k == key]
    return max(same, key=lambda t: t.score or 0.0)


def majority(trajectories: Sequence[Trajectory]) -> Trajectory | None:
    """The first trajectory of the most frequent answer."""
    return _tally(trajectories, weighted=False)


def weighted_majority(trajectories: Sequence[Trajectory]) -> Trajectory | None:
    """The best-scored trajectory of the answer with the largest summed score."""
    return _tally(trajectories, weighted=True)


def argmax(trajectories: Sequence[Trajectory]) -> Trajectory | None:
    """The highest-scored trajectory (finished ones first; the first on ties)."""
    if not trajectories:
        return None
    pool = [t for t in trajectories if t.answer is not None] or list(trajectories)
    return max(pool, key=lambda t: t.score if t.score is not None else float("-inf"))
