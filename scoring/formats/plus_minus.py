"""The ``+``/``-`` LM-logit head shared by ``math-shepherd`` and ``rlhflow``: a causal LM read at two vocabulary rows.

Both checkpoints are plain ``*ForCausalLM`` models (Mistral, Llama) trained so that,
at a format-specific position per step, the next-token logits of ``+`` (good) and
``-`` (bad) give the step's score: softmax over those two logits, take ``+``.

:class:`PlusMinusFormat` is the common part of the two formats: ``read`` (that
softmax) and ``load_model``. On transformers the network is transformers' decoder
(``AutoModel`` from the config: ``MistralModel``, ``LlamaModel``) plus the checkpoint's
``lm_head.weight``, loaded by their real names (a missing or unexpected weight is a
one-line error); after loading only the two LM-head rows of ``+`` and ``-`` are kept,
so a pass returns ``(B, T, 2)`` logits. On vLLM see :mod:`.vllm_plus_minus`. A
subclass says where it reads (``encode``) and which token ids are ``+`` and ``-``
(``plus_minus_ids``, the way its model card finds them).
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np
import torch
from transformers import AutoConfig, AutoModel, AutoTokenizer

from hrmsearch.scoring.formats.base import FormatEvidence, StepTagFormat
from hrmsearch.scoring.formats.torch_tags import TorchTagModel
from hrmsearch.scoring.formats.weights import load_named_weights, local_checkpoint
from hrmsearch.torch_utils import pick_device, pick_dtype


class PlusMinusLM(torch.nn.Module):
    """A causal LM's decoder and LM head; ``forward`` gives the logits of the kept rows ``(B, T, rows)``."""

    def __init__(self, config):
        super().__init__()
        self.model = AutoModel.from_config(config)
        self.lm_head = torch.nn.Linear(config.hidden_size, config.vocab_size, bias=False)

    def keep_rows(self, token_ids: tuple[int, ...]) -> None:
        """Drop every LM-head row but ``token_ids`` (in that order), after the weights are loaded."""
        rows = self.lm_head.weight.detach()[list(token_ids)].clone()
        self.lm_head = torch.nn.Linear(rows.shape[1], rows.shape[0], bias=False).to(rows.dtype)
        self.lm_head.weight = torch.nn.Parameter(rows, requires_grad=False)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        hidden = self.model(input_ids=input_ids).last_hidden_state
        return self.lm_head(hidden)


def causal_lm_config(evidence: FormatEvidence) -> bool:
    """True when the config (if on disk) names a ``*ForCausalLM`` architecture."""
    return evidence.config is None or any(name.endswith("ForCausalLM") for name in evidence.architectures)


class PlusMinusFormat(StepTagFormat):
    """A step-tag format scored by softmax over the ``+``/``-`` next-token logits (``+`` first)."""

    backends = ("transformers", "vllm")

    @abstractmethod
    def plus_minus_ids(self, tokenizer) -> tuple[int, int]:
        """The token ids of ``+`` and ``-``, found as the model card finds them."""

    def read(self, outputs: np.ndarray) -> np.ndarray:
        shifted = outputs - outputs.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        return exp[:, 0] / exp.sum(axis=1)

    def load_model(self, path: str, config):
        folder = local_checkpoint(path)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        token_ids = self.plus_minus_ids(tokenizer)
        if config.backend == "vllm":
            from hrmsearch.scoring.formats.vllm_plus_minus import VLLMPlusMinusModel

            return VLLMPlusMinusModel(folder, config, tokenizer.convert_ids_to_tokens(list(token_ids)),
                                      max_model_len=self.context_limit)
        device = pick_device(config.device)
        module = PlusMinusLM(AutoConfig.from_pretrained(folder)).to(pick_dtype(config.dtype, device))
        load_named_weights(module, folder)
        module.keep_rows(token_ids)
        return TorchTagModel(module, tokenizer, device)

    def load_scorer(self, path: str, config):
        scorer = super().load_scorer(path, config)
        positions = getattr(AutoConfig.from_pretrained(local_checkpoint(path)), "max_position_embeddings", None)
        if positions:
            scorer.max_length = min(scorer.max_length, positions)
        return scorer

