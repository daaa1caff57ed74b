"""What the rest of the project needs to know about a strategy, declared once in the strategy's module.

Each strategy module ends with ``SPEC = StrategySpec(...)``; the registry
(``hrmsearch.search.strategies.STRATEGIES``) collects them. The CLI choices, the
benchmark plan (what N means, how a budget becomes config values, how many runs a
sweep needs), the graded records (which selection a subsampled N reads) and the
reports (plot marker) all read the spec, never a list of names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hrmsearch.config import SearchConfig


def spend_n(n: int) -> dict[str, Any]:
    """The usual budget rule: N is the config's ``n``."""
    return {"n": n}


def full_solutions(n: int, max_steps: int) -> int:
    """Upper bound of sampled steps for N full solutions (or N candidates per step)."""
    return n * max_steps


@dataclass(frozen=True)
class StrategySpec:
    """A strategy's name, config and coroutine, and the facts the planner, harness and reports read."""

    name: str
    config: type[SearchConfig]
    run: Callable[..., Any]
    needs_reward: bool
    budget: str
    """What N means for this strategy (shown in ``bench --help`` and the reports)."""
    subsampled: bool = False
    """One run at the largest N also yields every smaller N (read off its first k candidates)."""
    budget_free: bool = False
    """N does not apply: one run, recorded at N=1 only."""
    budget_options: Callable[[int], dict[str, Any]] = spend_n
    """The config values that spend a budget N."""
    step_generations: Callable[[int, int], int] = full_solutions
    """Upper bound of sampled steps per problem for one run at N with ``max_steps``."""
    selection_rule: str | None = None
    """The rule a subsampled N=k record selects with; None = the run's ``select`` setting."""
    marker: str = "o"
    """Matplotlib marker of this strategy in accuracy-vs-tokens plots."""
