"""Where the harness runs its units: solve plan units in this process or on K Ray actors.

Each worker holds its own policy and reward model (loaded once, on first use) and
solves whole units, so a unit's result does not depend on where it ran. With
``--workers K`` the problems' units are spread over K Ray actors (one GPU each when
CUDA is present, else one CPU each); results stream back to the driver, which
grades them and writes the run folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hrmsearch.benchmarks.plan import RunSettings, Unit
from hrmsearch.config import RewardConfig
from hrmsearch.records import Problem, Solution


@dataclass
class ModelSpec:
    """How a worker gets its models: a name/path to load (None = shipped) or a ready object."""

    policy: Any = None
    backend: str = "auto"
    reward: Any = None
    reward_config: RewardConfig = field(default_factory=RewardConfig)
    use_reward: bool = True
    seed: int = 0


def unit_config(unit: Unit, settings: RunSettings):
    """The strategy config of a unit: user options it knows, the seed, and the budget knobs."""
    from hrmsearch.search.run import strategy_config
    from hrmsearch.search.strategies import STRATEGIES

    spec = STRATEGIES[unit.strategy]
    fields = spec.config.model_fields
    known = {key: value for key, value in settings.options.items() if key in fields}
    values = {**known, "seed": settings.seed, **spec.budget_options(unit.run_n)}
    return strategy_config(unit.strategy, **values)


class UnitSolver:
    """Loads the models lazily and solves units with the batching scheduler."""

    def __init__(self, spec: ModelSpec, settings: RunSettings):
        self.spec = spec
        self.settings = settings
        self._policy: Any = None
        self._scorer: Any = None

    def models(self) -> tuple[Any, Any]:
        from hrmsearch.api import get_policy, get_scorer

        if self._policy is None:
            self._policy = get_policy(self.spec.policy, self.spec.backend, self.spec.seed)
            if self.spec.use_reward:
                self._scorer = get_scorer(self.spec.reward, self.spec.reward_config)
        return self._policy, self._scorer

    def solve(self, unit: Unit, problems: list[Problem]) -> tuple[Unit, list[Solution]]:
        from hrmsearch.search.run import run_strategy

        policy, scorer = self.models()
        config = unit_config(unit, self.settings)
        return unit, run_strategy(problems, config, policy, scorer, self.spec.reward_config)


def solve_in_process(
    units: list[Unit], problems: dict[str, Problem], solver: UnitSolver
) -> Iterator[tuple[Unit, list[Solution]]]:
    for unit in units:
        yield solver.solve(unit, [problems[pid] for pid in unit.problem_ids])


def _cuda_available() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


def _start_ray(workers: int, gpus: bool) -> bool:
    """Start a local Ray cluster unless one is running; True when this call started it."""
    import ray

    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"include_dashboard": False, "logging_level": "ERROR", "log_to_driver": False}
    if not gpus:
        options["num_cpus"] = workers
    # a local cluster's processes inherit the environment they start in: let its workers import what the
    # driver can, and give this process its own PYTHONPATH back once the cluster is up
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    try:
        ray.init(**options)
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    return True


def solve_with_ray(
    units: list[Unit], problems: dict[str, Problem], spec: ModelSpec, settings: RunSettings, workers: int
) -> Iterator[tuple[Unit, list[Solution]]]:
    """Units solved by ``workers`` Ray actors, yielded as each finishes (any order)."""
    import ray
    from ray.util import ActorPool

    gpus = _cuda_available()
    started = _start_ray(workers, gpus)
    actor_class = ray.remote(num_gpus=1 if gpus else 0, num_cpus=0 if gpus else 1)(UnitSolver)
    actors = [actor_class.remote(spec, settings) for _ in range(workers)]
    pool = ActorPool(actors)
    try:
        yield from pool.map_unordered(
            lambda actor, unit: actor.solve.remote(unit, [problems[pid] for pid in unit.problem_ids]), units
        )
    finally:
        for actor in actors:
            ray.kill(actor)
        if started:
            ray.shutdown()
