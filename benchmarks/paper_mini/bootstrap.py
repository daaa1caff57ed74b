"""95% bootstrap intervals over problems, with several seeds averaged inside each resample.

A cell's outcomes are a ``(seeds, problems)`` array of 0/1 (or any per-problem value).
Each resample draws problems with replacement, the same problems for every seed
(the seeds are paired on problems), and averages over seeds and the drawn problems.
The interval is the percentile interval of those resample means; the point value
is the plain mean over seeds and problems. The generator is seeded, so a cell's
interval is the same on every run.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

DEFAULT_RESAMPLES = 2000


class Interval(BaseModel):
    """A mean with its bootstrap interval, and the mean of each seed on its own."""

    mean: float
    lo: float
    hi: float
    per_seed: list[float] = []

    def text(self, scale: float = 100.0, digits: int = 1) -> str:
        """``mean [lo, hi]``, in percent by default."""
        return f"{scale * self.mean:.{digits}f} [{scale * self.lo:.{digits}f}, {scale * self.hi:.{digits}f}]"


def _draws(count: int, resamples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, count, size=(resamples, count))


def _bounds(stats: np.ndarray, level: float) -> tuple[float, float]:
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(stats, [tail, 1.0 - tail])
    return float(lo), float(hi)


def bootstrap_interval(
    values, resamples: int = DEFAULT_RESAMPLES, seed: int = 0, level: float = 0.95
) -> Interval:
    """Mean and percentile interval of ``values`` (``(seeds, problems)``, or one seed's ``(problems,)``)."""
    table = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if table.size == 0:
        return Interval(mean=0.0, lo=0.0, hi=0.0, per_seed=[])
    per_problem = table.mean(axis=0)  # the seeds' average, problem by problem
    stats = per_problem[_draws(per_problem.size, resamples, seed)].mean(axis=1)
    lo, hi = _bounds(stats, level)
    return Interval(mean=float(per_problem.mean()), lo=lo, hi=hi, per_seed=table.mean(axis=1).tolist())


def bootstrap_ratio(
    numerators, denominators, resamples: int = DEFAULT_RESAMPLES, seed: int = 0, level: float = 0.95
) -> Interval:
    """``sum(numerators) / sum(denominators)`` with an interval from resampling the units (e.g. one
    problem's pairs); units with a zero denominator add nothing."""
    top = np.asarray(numerators, dtype=np.float64)
    bottom = np.asarray(denominators, dtype=np.float64)
    if bottom.sum() <= 0:
        return Interval(mean=0.0, lo=0.0, hi=0.0)
    draws = _draws(top.size, resamples, seed)
    totals = bottom[draws].sum(axis=1)
    stats = np.divide(top[draws].sum(axis=1), totals, out=np.full(resamples, np.nan), where=totals > 0)
    lo, hi = _bounds(stats[~np.isnan(stats)], level)
    return Interval(mean=float(top.sum() / bottom.sum()), lo=lo, hi=hi)
