"""Reward models behind vLLM pooling servers: the ``/pooling`` client, and the classifier scored over it.

A vLLM server started with ``--runner pooling`` answers ``POST /pooling`` with the raw
head outputs of token-id inputs (``use_activation: false``): one row of logits for
``task: classify`` (a sequence classifier), one row per step tag for
``task: token_classify`` with STEP pooling (Qwen2.5-Math-PRM). Inputs are token ids
built here with the checkpoint's own tokenizer, exactly as the local backends build
them, and the scoring rule stays here too, so a served model scores what the local
one scores. One request per input, all of a batch at once over the replicas
(:mod:`hrmsearch.engine.replicas`: least outstanding work, retries elsewhere, one
line when every server is down).

``RewardConfig.model`` still names the folder or Hub id (its format and tokenizer are
read here); ``RewardConfig.urls`` are the servers.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from transformers import AutoConfig

from hrmsearch.config import RewardConfig
from hrmsearch.engine.replicas import ReplicaSet, RequestRejected, probe_servers, served_model
from hrmsearch.errors import HrmError
from hrmsearch.scoring.cached import CachedScorer, head_kind, logits_to_scores
from hrmsearch.scoring.hf_scorer import load_reward_tokenizer

MODEL_FLAG = "--reward-server-model"


class PoolingClient:
    """``/pooling`` on one or more servers of the same reward model."""

    def __init__(self, config: RewardConfig):
        self.replicas = ReplicaSet(config, "reward")
        card = served_model(probe_servers(self.replicas, min(config.timeout_s, 10.0)), config, MODEL_FLAG)
        self.model = card["id"]
        self.max_model_len: int | None = card.get("max_model_len")  # the servers' context, when they say
        workers = config.max_in_flight * len(self.replicas.replicas)
        self._pool = ThreadPoolExecutor(max_workers=min(workers, 256), thread_name_prefix="reward-http")

    def pool(self, rows: list[list[int]], task: str) -> list[list]:
        """The ``data`` of each row's answer (raw head outputs), rows sent concurrently."""
        return list(self._pool.map(lambda ids: self._one(ids, task), rows))

    def _one(self, ids: list[int], task: str) -> list:
        payload = {"model": self.model, "input": list(ids), "task": task, "use_activation": False}
        try:
            answer = self.replicas.post("/pooling", payload, work=len(ids))
        except RequestRejected as error:
            raise HrmError(f"reward server refused a {len(ids)}-token input: {error}") from None
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list) or len(data) != 1 or "data" not in data[0]:
            raise HrmError(f"reward server answered /pooling without one row of data: {str(answer)[:200]}")
        return data[0]["data"]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class ServerScorer(CachedScorer):
    """A :class:`~hrmsearch.scoring.base.Scorer` for a sequence classifier (format ``classifier``) on servers."""

    def __init__(self, path: str, config: RewardConfig):
        super().__init__(path, config.max_length, config.batch_tokens)
        model_config = AutoConfig.from_pretrained(path)
        self.head = head_kind(model_config.num_labels, getattr(model_config, "problem_type", None))
        self.tokenizer = load_reward_tokenizer(path)
        self.client = PoolingClient(config)
        self.max_length = min(self.max_length, self.client.max_model_len or self.max_length)

    def score_token_ids(self, token_ids: list[list[int]]) -> np.ndarray:
        self.stats.model_calls += 1
        logits = np.array(self.client.pool(token_ids, "classify"), dtype=np.float64)
        if logits.ndim != 2:
            raise HrmError(f"reward server sent {logits.shape} logits for {len(token_ids)} windows: is it a "
                           f"sequence classifier started with --runner pooling?")
        return logits_to_scores(logits, self.head)

    def close(self) -> None:
        self.client.close()
