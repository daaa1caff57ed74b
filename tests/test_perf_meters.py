"""The perf meters: calls and seconds inside the policy and the reward model, and the engine overhead share."""

from __future__ import annotations

import numpy as np
import pytest

from hrmsearch.benchmarks.perf import meters
from hrmsearch.benchmarks.perf.meters import MeteredPolicy, MeteredScorer, timed_run


class Clock:
    """A fake ``perf_counter`` that moves only when a caller says so."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class SlowPolicy:
    prompts = "the prompt builder"

    def __init__(self, clock: Clock, seconds: float):
        self.clock, self.cost = clock, seconds

    def generate(self, prompts, params):
        self.clock.now += self.cost
        return [[prompt.upper()] for prompt in prompts]


class SlowScorer:
    name = "slow"

    def __init__(self, clock: Clock, seconds: float):
        self.clock, self.cost = clock, seconds

    def score(self, windows):
        self.clock.now += self.cost
        return np.zeros(len(windows))


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(meters.time, "perf_counter", fake)
    return fake


def test_the_overhead_is_the_wall_time_outside_policy_and_reward_calls(clock):
    policy, scorer = MeteredPolicy(SlowPolicy(clock, 3.0)), MeteredScorer(SlowScorer(clock, 1.0))

    def search():  # two rounds, each a policy call, a reward call and 0.5 s of its own work
        for _ in range(2):
            policy.generate(["a", "b"], None)
            scorer.score([1, 2, 3])
            clock.now += 0.5
        return "answer"

    result, timing = timed_run(search, policy, scorer)
    assert result == "answer"
    assert timing == {"seconds": 9.0, "policy_calls": 2, "policy_seconds": 6.0, "reward_calls": 2,
                      "reward_seconds": 2.0, "overhead_share": round(1.0 / 9.0, 4),
                      "policy_idle_share": round(3.0 / 9.0, 4)}  # idle while scoring and in its own work
    assert policy.prompts == "the prompt builder" and scorer.name == "slow"  # the rest passes through


def test_each_timed_run_starts_from_fresh_meters(clock):
    policy, scorer = MeteredPolicy(SlowPolicy(clock, 2.0)), MeteredScorer(SlowScorer(clock, 1.0))
    timed_run(lambda: policy.generate(["a"], None), policy, scorer)
    _, timing = timed_run(lambda: scorer.score([1]), policy, scorer)
    assert timing["policy_calls"] == 0 and timing["policy_seconds"] == 0.0
    assert timing["reward_calls"] == 1 and timing["overhead_share"] == 0.0


def test_a_failing_call_still_counts_its_time(clock):
    class Broken(SlowPolicy):
        def generate(self, prompts, params):
            super().generate(prompts, params)
            raise RuntimeError("backend down")

    policy = MeteredPolicy(Broken(clock, 4.0))
    with pytest.raises(RuntimeError):
        policy.generate(["a"], None)
    assert policy.calls == 1 and policy.seconds == 4.0


class StreamingPolicy:
    """Takes requests (``submit``) and hands back the oldest one per engine step (``collect``, 1 s each)."""

    prompts = "the prompt builder"

    def __init__(self, clock: Clock):
        self.clock, self.queue, self.count = clock, [], 0

    def submit(self, prompts, params):
        ids = [f"r{self.count + i}" for i in range(len(prompts))]
        self.count += len(prompts)
        self.queue += ids
        return ids

    def collect(self):
        self.clock.now += 1.0
        return [(self.queue.pop(0), ["sample"])] if self.queue else []


def test_a_streaming_policy_is_busy_from_a_submission_until_its_last_request_is_collected(clock):
    policy, scorer = MeteredPolicy(StreamingPolicy(clock)), MeteredScorer(SlowScorer(clock, 2.0))

    def search():
        policy.submit(["a", "b"], None)
        policy.collect()  # 1 s: "a" back, "b" outstanding
        scorer.score([1])  # 2 s with "b" outstanding: busy
        policy.collect()  # 1 s: "b" back, nothing outstanding
        scorer.score([1])  # 2 s idle
        clock.now += 1.0  # 1 s idle
        policy.submit(["c"], None)
        policy.collect()  # 1 s busy

    _, timing = timed_run(search, policy, scorer)
    assert timing["seconds"] == 8.0 and timing["policy_calls"] == 2 and timing["policy_seconds"] == 3.0
    assert timing["policy_idle_share"] == round(3.0 / 8.0, 4)
    assert timing["overhead_share"] == round(1.0 / 8.0, 4)
