"""Meters for the perf commands: how long a run spent inside policy and reward-model calls.

:class:`MeteredPolicy` and :class:`MeteredScorer` wrap a loaded policy and scorer,
pass every call through, and count the calls and the seconds inside them.
:func:`timed_run` times one search call with both meters and reports the **engine
overhead**: the share of wall time spent outside the policy and the reward model
(the scheduler, the strategies, the tree, windows and answer extraction), and the
**policy idle share**: the share of wall time with no generation request outstanding
(a blocking ``generate`` is outstanding for the length of its call; a streaming
backend's requests from ``submit`` until ``collect`` hands them back, so a request
the engine finished while the reward model scored counts as outstanding until then).
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
    """A policy whose ``generate`` (or ``submit`` and ``collect``) calls are counted and timed, and whose
    busy time (some request outstanding) is summed; the rest passes through."""

    def __init__(self, policy: Any):
        super().__init__()
        self.policy = policy
        self.prompts = policy.prompts
        self.reset()

    def reset(self) -> None:
        super().reset()
        self.busy_seconds = 0.0
        self._outstanding = 0
        self._busy_since = 0.0

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.policy, name)
        if name == "submit":  # a streaming backend's calls: timed, submissions counted
            return self.metered(lambda prompts, params: self._opened(value(prompts, params)))
        if name == "collect":
            return self.metered(lambda: self._closed(value()), count=False)
        return value

    def generate(self, prompts: list[str], params: Any) -> list:
        return self.metered(lambda: self._closed_all(lambda: self.policy.generate(prompts, params), len(prompts)))()

    def _opened(self, request_ids: list) -> list:
        if request_ids and not self._outstanding:
            self._busy_since = time.perf_counter()
        self._outstanding += len(request_ids)
        return request_ids

    def _closed(self, finished: list) -> list:
        self._outstanding -= len(finished)
        if finished and not self._outstanding:
            self.busy_seconds += time.perf_counter() - self._busy_since
        return finished

    def _closed_all(self, generate: Callable[[], list], count: int) -> list:
        """A blocking call: outstanding from its start to its end (also when it fails)."""
        self._opened([None] * count)
        try:
            return generate()
        finally:
            self._closed([None] * count)


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
        "policy_idle_share": round(max(0.0, 1 - policy.busy_seconds / wall), 4) if wall > 0 else 0.0,
    }
