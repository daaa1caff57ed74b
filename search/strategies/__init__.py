"""One search strategy per file; each has a pydantic ``*Config`` and a ``run(ctx)`` coroutine.

``STRATEGIES`` maps a strategy name to ``(config class, run function)``.
"""

from __future__ import annotations

from hrmsearch.search.strategies import beam, best_of_n, dvts, greedy, mcts, self_consistency, step_greedy

STRATEGIES = {
    "greedy": (greedy.GreedyConfig, greedy.run),
    "self_consistency": (self_consistency.SelfConsistencyConfig, self_consistency.run),
    "best_of_n": (best_of_n.BestOfNConfig, best_of_n.run),
    "step_greedy": (step_greedy.StepGreedyConfig, step_greedy.run),
    "beam": (beam.BeamConfig, beam.run),
    "dvts": (dvts.DVTSConfig, dvts.run),
    "mcts": (mcts.MCTSConfig, mcts.run),
}

NEEDS_REWARD = {"best_of_n", "step_greedy", "beam", "dvts", "mcts"}
