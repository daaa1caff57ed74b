"""``llama-prm``: the ``qwen-prm`` head on a Llama decoder (``LlamaForProcessRewardModel``, trained here).

What ``hrmsearch train --format qwen-prm`` saves when the policy it starts from is a
Llama (the shipped policy is one): the decoder's ``model.*`` weights plus
``score = Linear(h, h) -> ReLU -> Linear(h, 2)`` (``score.0.*``, ``score.2.*``), the
same head and weight names as ``Qwen2ForProcessRewardModel``, read the same way:
softmax of the 2-class head at each ``<extra_0>``, index 1. The config is the
decoder's own (``model_type`` picks ``LlamaModel`` or ``Qwen2Model``) with
``architectures = ["LlamaForProcessRewardModel"]`` and ``num_labels = 2``; the
tokenizer carries ``<extra_0>`` as a special token.

Input: with a chat template, the ``qwen-prm`` recipe (card system prompt, user =
question, assistant = steps joined by ``<extra_0>`` and ending with one). Without
one (the shipped policy), the policy's own plain prompt ``"Question: ...\\nSolution:\\n\\n"``
followed by the steps joined by ``<extra_0>`` and ending with one, encoded with the
tokenizer's special tokens (the BOS the policy was trained with). The context limit is
the config's ``max_position_embeddings``. Backend: transformers only (vLLM registers
no such architecture).
"""

from __future__ import annotations

import torch
from transformers import AutoConfig, AutoTokenizer, LlamaModel, Qwen2Model

from hrmsearch.engine.prompts import PLAIN_HEADER
from hrmsearch.errors import HrmError
from hrmsearch.scoring.formats.base import EncodedPath, FormatEvidence
from hrmsearch.scoring.formats.qwen_prm import STEP_TAG, QwenPrmFormat, step_tag_id
from hrmsearch.scoring.formats.torch_tags import TorchTagModel
from hrmsearch.scoring.formats.weights import load_named_weights, local_checkpoint
from hrmsearch.torch_utils import pick_device, pick_dtype

ARCHITECTURE = "LlamaForProcessRewardModel"
DECODERS = {"llama": LlamaModel, "qwen2": Qwen2Model}


class DecoderProcessRewardModel(torch.nn.Module):
    """A Llama or Qwen2 decoder (by ``config.model_type``) plus the 2-class ``score`` MLP: per-token logits."""

    def __init__(self, config):
        super().__init__()
        if config.model_type not in DECODERS:
            raise HrmError(f"step-tag reward model: decoder type {config.model_type!r} is not one of "
                           f"{', '.join(DECODERS)}")
        self.model = DECODERS[config.model_type](config)
        hidden = config.hidden_size
        self.score = torch.nn.Sequential(
            torch.nn.Linear(hidden, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 2)
        )

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        hidden = self.model(input_ids=input_ids).last_hidden_state
        return self.score(hidden)


class LlamaPrmFormat(QwenPrmFormat):
    name = "llama-prm"
    backends = ("transformers",)
    reads = "softmax of the 2-class head at each <extra_0>, index 1 (a Llama or Qwen2 decoder)"

    def detect(self, evidence: FormatEvidence) -> bool:
        return ARCHITECTURE in evidence.architectures

    def encode(self, tokenizer, question: str, steps: tuple[str, ...]) -> EncodedPath:
        if getattr(tokenizer, "chat_template", None):
            return super().encode(tokenizer, question, steps)
        text = PLAIN_HEADER.format(question=question.replace(STEP_TAG, ""))
        text += STEP_TAG.join(step.replace(STEP_TAG, "") for step in steps) + STEP_TAG
        ids = tuple(tokenizer.encode(text))
        tag = step_tag_id(tokenizer)
        return EncodedPath(ids=ids, positions=tuple(i for i, token in enumerate(ids) if token == tag))

    def load_model(self, path: str, config):
        if config.backend != "transformers":
            raise HrmError(f"reward format {self.name!r} runs on the transformers backend only")
        folder = local_checkpoint(path)
        device = pick_device(config.device)
        module = DecoderProcessRewardModel(AutoConfig.from_pretrained(folder)).to(pick_dtype(config.dtype, device))
        load_named_weights(module, folder, ignore_prefixes=("lm_head.",))
        return TorchTagModel(module, AutoTokenizer.from_pretrained(folder), device)

    def load_scorer(self, path: str, config):
        scorer = super().load_scorer(path, config)
        positions = getattr(AutoConfig.from_pretrained(local_checkpoint(path)), "max_position_embeddings", None)
        if positions:
            scorer.max_length = min(scorer.max_length, positions)
        return scorer


FORMAT = LlamaPrmFormat()
