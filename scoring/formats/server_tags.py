"""A step-tag format's network behind vLLM pooling servers: ``token_classify`` rows at the step tags.

The server runs the checkpoint with ``--runner pooling``. With STEP pooling on the
format's tag id (vLLM's default for ``Qwen2ForProcessRewardModel`` is tag 151651, the
real model's ``<extra_0>``; other tag ids need ``--pooler-config
'{"tok_pooling_type": "STEP", "step_tag_id": ID}'``) it answers one row per tag; with
ALL pooling one row per token. Either way the rows asked for are picked here
(:func:`~hrmsearch.scoring.formats.vllm_tags.tag_rows`) and the format's ``read``
applies the activation, as on the local backends.
"""

from __future__ import annotations

import numpy as np

from hrmsearch.config import RewardConfig
from hrmsearch.scoring.formats.vllm_tags import tag_rows
from hrmsearch.scoring.server_scorer import PoolingClient


class ServerTagModel:
    """A :class:`~hrmsearch.scoring.formats.base.TagModel` whose network runs on pooling servers."""

    def __init__(self, config: RewardConfig, tokenizer, tag_id: int):
        self.tokenizer = tokenizer
        self.tag_id = tag_id
        self.client = PoolingClient(config)
        self.max_length = self.client.max_model_len  # the servers' context (None: not given)

    def tag_outputs(self, rows: list[tuple[int, ...]], positions: list[tuple[int, ...]]) -> list[np.ndarray]:
        answers = self.client.pool([list(ids) for ids in rows], "token_classify")
        return [tag_rows(ids, where, data, self.tag_id, served=True)
                for ids, where, data in zip(rows, positions, answers, strict=True)]

    def close(self) -> None:
        self.client.close()
