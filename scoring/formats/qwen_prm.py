"""``qwen-prm``: Qwen2.5-Math-PRM-7B / -72B and Qwen2.5-Math-7B-PRM800K (``Qwen2ForProcessRewardModel``).

Input (the model card's recipe): the Qwen chat template with system "Please reason
step by step, and put your final answer within \\boxed{}.", user = the question,
assistant = the steps joined by ``<extra_0>`` and ending with ``<extra_0>``. Step i's
score is the softmax of the 2-class head at the i-th ``<extra_0>``, index 1. A literal
``<extra_0>`` inside the question or a step (a policy could emit one) is removed.

The network is built here, no remote code: transformers' ``Qwen2Model`` plus
``score = Linear(h, h) -> ReLU -> Linear(h, 2)``, with the checkpoint's weight names
(``model.*``, ``score.0.*``, ``score.2.*``, as vLLM's ``qwen2_rm.py`` loads them; an
``lm_head.*`` is ignored). Backends: transformers, vLLM's native pooling runner
(``token_classify`` at the ``<extra_0>`` tags, see :mod:`.vllm_tags`), and vLLM pooling
servers of the checkpoint (``RewardConfig.urls``, see :mod:`.server_tags`).
"""

from __future__ import annotations

import numpy as np
import torch
from transformers import AutoConfig, AutoTokenizer, Qwen2Model

from hrmsearch.scoring.formats.base import EncodedPath, FormatEvidence, StepTagFormat
from hrmsearch.scoring.formats.torch_tags import TorchTagModel
from hrmsearch.scoring.formats.weights import load_named_weights, local_checkpoint
from hrmsearch.torch_utils import pick_device, pick_dtype

ARCHITECTURE = "Qwen2ForProcessRewardModel"
STEP_TAG = "<extra_0>"
SYSTEM_PROMPT = "Please reason step by step, and put your final answer within \\boxed{}."


class Qwen2ProcessRewardModel(torch.nn.Module):
    """``Qwen2ForProcessRewardModel`` without remote code: per-token 2-class logits."""

    def __init__(self, config):
        super().__init__()
        self.model = Qwen2Model(config)
        hidden = config.hidden_size
        self.score = torch.nn.Sequential(
            torch.nn.Linear(hidden, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 2)
        )

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        hidden = self.model(input_ids=input_ids).last_hidden_state
        return self.score(hidden)


def step_tag_id(tokenizer) -> int:
    return tokenizer.convert_tokens_to_ids(STEP_TAG)


class QwenPrmFormat(StepTagFormat):
    name = "qwen-prm"
    backends = ("transformers", "vllm", "server")
    reads = "softmax of the 2-class head at each <extra_0>, index 1"
    context_limit = 4096

    def detect(self, evidence: FormatEvidence) -> bool:
        return ARCHITECTURE in evidence.architectures

    def encode(self, tokenizer, question: str, steps: tuple[str, ...]) -> EncodedPath:
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": question.replace(STEP_TAG, "")},
            {"role": "assistant", "content": STEP_TAG.join(step.replace(STEP_TAG, "") for step in steps) + STEP_TAG},
        ]
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
        ids = tuple(tokenizer.encode(text, add_special_tokens=False))
        tag = step_tag_id(tokenizer)
        return EncodedPath(ids=ids, positions=tuple(i for i, token in enumerate(ids) if token == tag))

    def read(self, outputs: np.ndarray) -> np.ndarray:
        shifted = outputs - outputs.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        return exp[:, 1] / exp.sum(axis=1)

    def load_model(self, path: str, config):
        folder = local_checkpoint(path)
        if config.urls:
            from hrmsearch.scoring.formats.server_tags import ServerTagModel

            tokenizer = AutoTokenizer.from_pretrained(folder)
            return ServerTagModel(config, tokenizer, step_tag_id(tokenizer))
        if config.backend == "vllm":
            from hrmsearch.scoring.formats.vllm_tags import VLLMTagModel

            tokenizer = AutoTokenizer.from_pretrained(folder)
            return VLLMTagModel(folder, config, step_tag_id(tokenizer), max_model_len=self.context_limit)
        device = pick_device(config.device)
        module = Qwen2ProcessRewardModel(AutoConfig.from_pretrained(folder)).to(pick_dtype(config.dtype, device))
        load_named_weights(module, folder, ignore_prefixes=("lm_head.",))
        return TorchTagModel(module, AutoTokenizer.from_pretrained(folder), device)


FORMAT = QwenPrmFormat()
