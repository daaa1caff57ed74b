"""Run one strategy over many problems on one scheduler (the batch entry point of search)."""

from __future__ import annotations

from typing import Any

from hrmsearch.config import RewardConfig, SearchConfig
from hrmsearch.records import Problem, Solution
from hrmsearch.search.context import SearchContext
from hrmsearch.search.scheduler import Scheduler
from hrmsearch.search.strategies import get_strategy
from hrmsearch.search.streaming import StreamingScheduler, can_stream


def strategy_config(strategy: str, **values: Any) -> SearchConfig:
    """The strategy's own config class, built from ``values``; errors name the field."""
    from hrmsearch.config import parse_config

    return parse_config(get_strategy(strategy).config, **{k: v for k, v in values.items() if v is not None})


def run_strategy(
    problems: list[Problem],
    config: SearchConfig,
    policy: Any,
    scorer: Any = None,
    reward: RewardConfig | None = None,
    progress: bool = False,
) -> list[Solution]:
    """Solve ``problems`` with ``config.strategy``: one batched backend call per round, or, on a policy
    that takes requests while it runs (offline vLLM), each problem's next request as soon as it can go."""
    run = get_strategy(config.strategy).run
    reward = reward or RewardConfig()
    kind = StreamingScheduler if can_stream(policy) else Scheduler
    scheduler = kind(policy, scorer, seed=config.seed, progress=progress)

    def make(problem: Problem):
        return run(SearchContext(problem, policy.prompts, config, reward))

    return scheduler.run(problems, config.strategy, make)
