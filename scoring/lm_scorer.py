"""The scorer for step-likelihood reward models (transformers; see :mod:`.likelihood`).

Same cache, counters and length buckets as the classifier scorers; a window is
encoded in the policy's prompt format and its score is the head's sigmoid of the
LM's log-probabilities of the current text. A window whose tokens are a prefix of
another's in the same call is read off that one's forward pass (causal
attention), so the fine and coarse windows of a whole trajectory cost one pass
over the trajectory. bf16 on CUDA, float32 on CPU.
"""

from __future__ import annotations

import numpy as np
import torch

from hrmsearch.scoring.cached import CachedScorer, length_buckets
from hrmsearch.scoring.hf_scorer import capped_batch_tokens, load_reward_tokenizer
from hrmsearch.scoring.likelihood import (
    EncodedWindow,
    encode_likelihood_window,
    load_likelihood_model,
    prefix_carriers,
    span_features,
)
from hrmsearch.scoring.windows import Window
from hrmsearch.torch_utils import pick_device, pick_dtype


class LikelihoodScorer(CachedScorer):
    """A :class:`~hrmsearch.scoring.base.Scorer` for a folder with ``reward_head.json``."""

    head = "step_likelihood"

    def __init__(
        self, model_path: str, device: str = "auto", dtype: str = "auto", batch_tokens: int = 8192,
        max_length: int = 512,
    ):
        super().__init__(model_path, max_length, batch_tokens)
        self.device = pick_device(device)
        self.tokenizer = load_reward_tokenizer(model_path)
        self.model = load_likelihood_model(model_path, pick_dtype(dtype, self.device)).to(self.device)
        self.model.eval()

    @property
    def effective_batch_tokens(self) -> int:
        return capped_batch_tokens(self.batch_tokens, self.device)

    def encode(self, window: Window) -> EncodedWindow:
        return encode_likelihood_window(window, self.tokenizer, self.max_length)

    def score_token_ids(self, token_ids: list[EncodedWindow]) -> np.ndarray:
        carriers = prefix_carriers([row.ids for row in token_ids])
        carried: dict[int, list[int]] = {}
        for index, carrier in enumerate(carriers):
            carried.setdefault(carrier, []).append(index)
        roots = list(carried)
        scores = np.empty(len(token_ids), dtype=np.float64)
        for batch in length_buckets([len(token_ids[root].ids) for root in roots], self.effective_batch_tokens):
            batch_roots = [roots[position] for position in batch]
            windows = [index for root in batch_roots for index in carried[root]]
            scores[windows] = self.forward(token_ids, batch_roots, windows, carriers)
        return scores

    @torch.inference_mode()
    def forward(self, token_ids: list[EncodedWindow], roots: list[int], windows: list[int], carriers: list[int]):
        """Scores of ``windows`` from one forward pass over their carrier rows ``roots``."""
        self.stats.model_calls += 1
        token_logp = self.model.token_logprobs([token_ids[root].ids for root in roots], self.tokenizer.pad_token_id,
                                               self.device)
        row_of = {root: row for row, root in enumerate(roots)}
        spans = [(token_ids[index].start, len(token_ids[index].ids)) for index in windows]
        features = span_features(token_logp, [row_of[carriers[index]] for index in windows], spans)
        return torch.sigmoid(self.model.head(features)[:, 0]).float().cpu().numpy()
