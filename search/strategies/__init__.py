"""The strategy registry: one module per strategy, each ending with its ``SPEC``.

``STRATEGIES`` maps a strategy name to its :class:`~hrmsearch.search.strategies.spec.StrategySpec`
(config class, ``run(ctx)`` coroutine, and what the planner and reports need). Adding a
strategy is one new module plus one entry in ``_MODULES`` (or :func:`register` at run time).
"""

from __future__ import annotations

from hrmsearch.errors import HrmError
from hrmsearch.search.strategies import beam, best_of_n, dvts, greedy, mcts, self_consistency, step_greedy
from hrmsearch.search.strategies.spec import StrategySpec

_MODULES = (greedy, self_consistency, best_of_n, step_greedy, beam, dvts, mcts)

STRATEGIES: dict[str, StrategySpec] = {}

DEFAULT_STRATEGY = "beam"  # what solve() and `hrmsearch solve` run when no strategy is given


def register(spec: StrategySpec) -> StrategySpec:
    """Add ``spec`` to the registry (its name must be new)."""
    if spec.name in STRATEGIES:
        raise HrmError(f"strategy {spec.name!r} is already registered")
    STRATEGIES[spec.name] = spec
    return spec


def get_strategy(name: str) -> StrategySpec:
    """The registered strategy ``name``; an unknown name is a one-line error listing the known ones."""
    if name not in STRATEGIES:
        raise HrmError(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}")
    return STRATEGIES[name]


def needs_reward(name: str) -> bool:
    return get_strategy(name).needs_reward


for _module in _MODULES:
    register(_module.SPEC)
