"""One search strategy per file; each has a pydantic ``*Config`` and a ``run(ctx)`` coroutine.

``STRATEGIES`` maps a strategy name to ``(config class, run function)``.
"""

from __future__ import annotations

from hrmsearch.search.strategies import greedy, self_consistency

STRATEGIES = {
    "greedy": (greedy.GreedyConfig, greedy.run),
    "self_consistency": (self_consistency.SelfConsistencyConfig, self_consistency.run),
}

NEEDS_REWARD = {"best_of_n", "step_greedy", "beam", "dvts", "mcts"}
