"""Greedy decoding, step by step: temperature 0, one step per round until an answer."""

from __future__ import annotations

from pydantic import Field

from hrmsearch.config import SearchConfig
from hrmsearch.search.context import SearchContext, is_final
from hrmsearch.search.strategies.spec import StrategySpec


class GreedyConfig(SearchConfig):
    strategy: str = "greedy"
    temperature: float = Field(0.0, ge=0.0, description="unused: greedy always decodes at 0")


def run(ctx: SearchContext):
    steps: list[str] = []
    for _ in range(ctx.config.max_steps):
        sample = (yield from ctx.next_steps([steps], n=1, temperature=0.0))[0][0]
        text = sample.text.strip()
        if text:
            steps.append(text)
        if is_final(sample, text) or not text:
            break
    return ctx.solution(ctx.trajectory(steps, finished=True))


SPEC = StrategySpec(
    name="greedy",
    config=GreedyConfig,
    run=run,
    needs_reward=False,
    budget="no budget: one deterministic solution, recorded at N=1",
    budget_free=True,
    budget_options=lambda n: {},
    step_generations=lambda n, max_steps: max_steps,
    marker="x",
)
