"""How the server backend packs a batch into /v1/completions requests (a recording stand-in for the replicas)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from hrmsearch.engine.base import SamplingParams
from hrmsearch.engine.server_policy import PROMPTS_PER_REQUEST, ServerPolicy


class RecordingReplicas:
    """Answers every request with one choice per (prompt, sample): text ``"<prompt>#<sample>"``."""

    def __init__(self, count: int):
        self.replicas = [object()] * count
        self.payloads: list[dict] = []

    def post(self, path: str, payload: dict, work: int = 1) -> dict:
        self.payloads.append(payload)
        prompts = payload["prompt"] if isinstance(payload["prompt"], list) else [payload["prompt"]]
        choices = [{"index": i * payload["n"] + j, "text": f"{p}#{j}", "finish_reason": "stop", "stop_reason": "\n\n",
                    "token_ids": [1, 2], "logprobs": {"token_logprobs": [-0.5, -0.25]}}
                   for i, p in enumerate(prompts) for j in range(payload["n"])]
        return {"choices": list(reversed(choices))}  # the order of the list must not matter, only the indices


def server_policy(replicas: int, max_context: int = 100, seeds: bool = False) -> ServerPolicy:
    policy = ServerPolicy.__new__(ServerPolicy)
    policy.replicas = RecordingReplicas(replicas)
    policy.model, policy.seed, policy.seed_requests, policy._calls = "m", 0, seeds, 0
    policy._max_context = max_context
    policy.count_tokens = len  # one token per character
    policy._pool = ThreadPoolExecutor(4)
    return policy


def test_a_batch_goes_out_in_few_requests_split_over_the_replicas_and_comes_back_in_order():
    policy = server_policy(replicas=2)
    prompts = [f"p{i:02d}" for i in range(10)]
    samples = policy.generate(prompts, SamplingParams(n=3, temperature=0.8, max_tokens=20))
    assert [[s.text for s in row] for row in samples] == [[f"{p}#{j}" for j in range(3)] for p in prompts]
    assert all(s.num_tokens == 2 and s.logprob == -0.75 and s.finish_reason == "delimiter" for r in samples for s in r)
    assert sorted(len(p["prompt"]) for p in policy.replicas.payloads) == [5, 5]  # one request per replica
    assert all(p["n"] == 3 and p["max_tokens"] == 20 and "seed" not in p for p in policy.replicas.payloads)


def test_prompts_near_the_context_end_get_their_own_max_tokens():
    policy = server_policy(replicas=1, max_context=30)
    prompts = ["a" * 5, "b" * 25, "c" * 5, "d" * 40]  # 25 and 5 tokens of room; d is over the context
    policy.generate(prompts, SamplingParams(n=1, temperature=0.8, max_tokens=20))
    sent = {payload["max_tokens"]: payload["prompt"] for payload in policy.replicas.payloads}
    assert sent == {20: ["a" * 5, "c" * 5], 5: "b" * 25, 1: "d" * 40}  # the server refuses d: that problem's error


def test_requests_hold_at_most_prompts_per_request_and_seeded_ones_one_prompt():
    policy = server_policy(replicas=1)
    policy.generate([f"p{i}" for i in range(PROMPTS_PER_REQUEST + 1)], SamplingParams(n=2, max_tokens=8))
    assert [len(p["prompt"]) if isinstance(p["prompt"], list) else 1 for p in policy.replicas.payloads] == [
        PROMPTS_PER_REQUEST, 1]
    seeded = server_policy(replicas=1, seeds=True)
    seeded.generate(["x", "y"], SamplingParams(n=2, temperature=0.8, max_tokens=8, seed=7))
    assert sorted((p["prompt"], p["seed"]) for p in seeded.replicas.payloads) == [("x", 7), ("y", 8)]


@pytest.mark.parametrize("n", [1, 4])
def test_at_temperature_0_one_sample_is_asked_for_and_repeated(n):
    policy = server_policy(replicas=1)
    (row,) = policy.generate(["q"], SamplingParams(n=n, temperature=0.0, max_tokens=8))
    assert [s.text for s in row] == ["q#0"] * n and policy.replicas.payloads[0]["n"] == 1
    assert len({id(s) for s in row}) == n  # copies, not one object n times
