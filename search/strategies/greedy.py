"""Greedy decoding: one temperature-0 solution, decoded in one request and cut into steps.

Greedy decoding is deterministic, so decoding the whole solution at once gives the
steps that decoding it step by step (one request per step, each step's prompt
re-rendered from the steps before) gives whenever the prompt renders the steps the
way the model wrote them (the shipped policy's does, exactly; see the captured
outputs test), in one policy call instead of one per step. The steps stop at the
first that states a boxed answer and at ``max_steps``.
"""

from __future__ import annotations

from pydantic import Field

from hrmsearch.config import SearchConfig
from hrmsearch.search.context import SearchContext
from hrmsearch.search.rollouts import rollout_request, split_continuation
from hrmsearch.search.strategies.spec import StrategySpec


class GreedyConfig(SearchConfig):
    strategy: str = "greedy"
    temperature: float = Field(0.0, ge=0.0, description="unused: greedy always decodes at 0")


def run(ctx: SearchContext):
    budget = ctx.config.max_step_tokens * ctx.config.max_steps
    (sample,) = (yield rollout_request(ctx, [[]], 1, budget, temperature=0.0))[0]
    steps = split_continuation(ctx, sample).steps[: ctx.config.max_steps]
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
