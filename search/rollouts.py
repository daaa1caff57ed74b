"""Rollouts: complete solutions sampled after partial ones, shared by MCTS search and MCTS training trees.

A rollout request asks the policy for ``m`` whole continuations (no stop at the
step delimiter) after each prefix, with ONE fixed token budget, so the requests
of many problems have the same sampling settings and the scheduler merges them
into one policy call. A continuation is cut into steps at the delimiter; the
steps stop at the first one that states a boxed answer, and a continuation is
finished when the model ended it (EOS) or it states one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hrmsearch.answers import has_boxed_answer
from hrmsearch.engine.base import StepSample
from hrmsearch.search.context import SearchContext
from hrmsearch.search.requests import Generate


@dataclass
class Continuation:
    """The steps a rollout added after its prefix, and whether it ended the solution."""

    steps: list[str]
    finished: bool


def rollout_request(
    ctx: SearchContext,
    prefixes: Sequence[Sequence[str]],
    m: int,
    max_tokens: int,
    temperature: float | None = None,
) -> Generate:
    """``m`` complete solutions after each prefix, ``max_tokens`` each (the same for every problem)."""
    params = ctx.step_params(m, temperature).model_copy(update={"stop": [], "max_tokens": max_tokens})
    return Generate([ctx.prompt(prefix) for prefix in prefixes], params)


def split_continuation(ctx: SearchContext, sample: StepSample) -> Continuation:
    """The steps of a sampled continuation, cut after the first boxed answer."""
    steps = []
    for piece in sample.text.split(ctx.delimiter):
        if piece.strip():
            steps.append(piece.strip())
            if has_boxed_answer(steps[-1]):
                return Continuation(steps, finished=True)
    return Continuation(steps, finished=sample.ended)
