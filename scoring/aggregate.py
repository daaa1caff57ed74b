"""Combining scores: a node's fine and coarse scores, then a trajectory's node scores.

``combine`` (hierarchical scoring at inference): ``fine`` (the paper), ``coarse``,
``mean``, ``min``, ``max``. A first step has no coarse window, so it keeps its fine
score. ``aggregate`` over a trajectory: ``last | min | prod | mean``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

COMBINE_RULES = ("fine", "coarse", "mean", "min", "max")
AGGREGATE_RULES = ("last", "min", "prod", "mean")


def combine(fine: float, coarse: float | None, rule: str = "fine") -> float:
    """One node's score from its fine score and the coarse score of (parent step, step)."""
    if rule not in COMBINE_RULES:
        raise ValueError(f"combine rule must be one of {COMBINE_RULES}, got {rule!r}")
    if coarse is None or rule == "fine":
        return fine
    if rule == "coarse":
        return coarse
    if rule == "mean":
        return (fine + coarse) / 2
    if rule == "min":
        return min(fine, coarse)
    return max(fine, coarse)


def aggregate(scores: Sequence[float], rule: str = "last") -> float:
    """A trajectory's score from its node scores."""
    if rule not in AGGREGATE_RULES:
        raise ValueError(f"aggregate rule must be one of {AGGREGATE_RULES}, got {rule!r}")
    if not scores:
        return 0.0
    if rule == "last":
        return float(scores[-1])
    if rule == "min":
        return float(min(scores))
    if rule == "prod":
        return float(math.prod(scores))
    return float(sum(scores) / len(scores))


def needs_coarse(rule: str) -> bool:
    return rule != "fine"
