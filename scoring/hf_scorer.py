"""The transformers backend of the classifier reward models: any ``AutoModelForSequenceClassification`` folder.

The score is read from the last non-pad token (Hugging Face's sequence-classification
pooling, which needs ``config.pad_token_id``: set from the tokenizer's pad token, or
its EOS token when it has none). Batches are right-padded and length-bucketed under
a token budget; bf16 on CUDA, float32 on CPU (``pick_dtype``). The head rule is in
:mod:`hrmsearch.scoring.cached`.

On CPU a batch holds at most ``CPU_BATCH_TOKENS`` tokens whatever the budget: a
batch's activations (``tokens x intermediate size`` floats) should stay in the
core's cache; with the tiny shipped models, 8192-token batches ran slower than one
window at a time and 1024-token ones about 1.5x faster (1 thread). Decoder-only
models (``CAUSAL_MODEL_TYPES``) get no attention mask: with right padding and
causal attention no real token sees a pad, so the mask changes nothing but the
attention kernel's path.
"""

from __future__ import annotations

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from hrmsearch.errors import HrmError
from hrmsearch.scoring.cached import CachedScorer, head_kind, length_buckets, logits_to_scores
from hrmsearch.scoring.likelihood import is_likelihood_folder
from hrmsearch.torch_utils import pad_batch, pick_device, pick_dtype

CPU_BATCH_TOKENS = 1024
CAUSAL_MODEL_TYPES = frozenset({"llama", "mistral", "qwen2", "qwen3"})


def load_reward_tokenizer(model_path: str):
    """The folder's tokenizer with a pad token (EOS when it has none), padding on the right."""
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    return tokenizer


class HFScorer(CachedScorer):
    """A :class:`~hrmsearch.scoring.base.Scorer` on transformers."""

    def __init__(
        self,
        model_path: str,
        device: str = "auto",
        dtype: str = "auto",
        batch_tokens: int = 8192,
        max_length: int = 512,
    ):
        super().__init__(model_path, max_length, batch_tokens)
        if is_likelihood_folder(model_path):
            raise HrmError(f"{model_path} holds a step-likelihood reward model: load it with load_scorer, "
                           "not as a sequence classifier")
        self.device = pick_device(device)
        self.tokenizer = load_reward_tokenizer(model_path)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            model_path, dtype=pick_dtype(dtype, self.device)
        ).to(self.device)
        self.model.config.pad_token_id = self.tokenizer.pad_token_id
        self.model.eval()
        self.head = head_kind(self.model.config.num_labels, self.model.config.problem_type)
        self.causal = self.model.config.model_type in CAUSAL_MODEL_TYPES

    @property
    def effective_batch_tokens(self) -> int:
        return capped_batch_tokens(self.batch_tokens, self.device)

    def score_token_ids(self, token_ids: list[list[int]]) -> np.ndarray:
        scores = np.empty(len(token_ids), dtype=np.float64)
        lengths = [len(ids) for ids in token_ids]
        for batch in length_buckets(lengths, self.effective_batch_tokens):
            logits = self.forward([token_ids[index] for index in batch])
            scores[batch] = logits_to_scores(logits, self.head)
        return scores

    @torch.inference_mode()
    def forward(self, rows: list[list[int]]) -> np.ndarray:
        """Head logits ``(rows, num_labels)`` in float32 for one right-padded batch."""
        self.stats.model_calls += 1
        input_ids, attention_mask = pad_batch(rows, self.tokenizer.pad_token_id, "right")
        mask = None if self.causal else attention_mask.to(self.device)
        output = self.model(input_ids=input_ids.to(self.device), attention_mask=mask)
        return output.logits.float().cpu().numpy()


def capped_batch_tokens(batch_tokens: int, device: str) -> int:
    """The token budget batches are cut to: ``batch_tokens``, at most ``CPU_BATCH_TOKENS`` on CPU."""
    return min(batch_tokens, CPU_BATCH_TOKENS) if device == "cpu" else batch_tokens

