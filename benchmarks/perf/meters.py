"""Meters for the perf commands: how long a run spent inside policy and reward-model calls.

:class:`MeteredPolicy` and :class:`MeteredScorer` wrap a loaded policy and scorer,
pass every call through, and count the calls and the seconds inside them.
:func:`timed_run` times one search call with both meters and reports the **engine
overhead**: the share of wall time spent outside the policy and the reward model
(the scheduler, the strategies, the tree, windows and answer extraction).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class Meter:
    """Calls and seconds spent inside the wrapped object's metered methods."""

    def __init__(self):
        self.calls = 0
        self.seconds = 0.0

    def metered(self, call: Callable, count: bool = True) -> Callable:
        """``call``, timed into this meter (counted as a call when ``count``)."""

        def timed_call(*args: Any) -> Any:
            self.calls += count
            started = time.perf_counter()
            try:
                return call(*args)
            finally:
                self.seconds += time.perf_counter() - started

        return timed_call

    def reset(self) -> None:
        self.calls, self.seconds = 0, 0.0


class MeteredPolicy(Meter):
    """A policy whose ``generate`` (or ``submit`` and ``collect``) calls are counted and timed; the rest passes through."""

    def __init__(self, policy: Any):
        super().__init__()
        self.policy = policy
        self.prompts = policy.prompts

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.policy, name)
        if name in ("submit", "collect"):  # a streaming backend's calls: timed too, submissions counted
            return self.metered(value, count=name == "submit")
        return value

    def generate(self, prompts: list[str], params: Any) -> list:
        return self.metered(self.policy.generate)(prompts, params)


class MeteredScorer(Meter):
    """A reward model whose ``score`` calls are counted and timed; everything else passes through."""

    def __init__(self, scorer: Any):
        super().__init__()
        self.scorer = scorer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.scorer, name)

    def score(self, windows: list) -> Any:
        return self.metered(self.scorer.score)(windows)


def timed_run(work: Callable[[], Any], policy: MeteredPolicy, scorer: MeteredScorer) -> tuple[Any, dict]:
    """Run ``work`` with fresh meters; its result and where its wall time went."""
    policy.reset()
    scorer.reset()
    started = time.perf_counter()
    result = work()
    wall = time.perf_counter() - started
    outside = max(0.0, wall - policy.seconds - scorer.seconds)
    return result, {
        "seconds": round(wall, 3),
        "policy_calls": policy.calls,
        "policy_seconds": round(policy.seconds, 3),
        "reward_calls": scorer.calls,
        "reward_seconds": round(scorer.seconds, 3),
        "overhead_share": round(outside / wall, 4) if wall > 0 else 0.0,
    }
