"""``skywork``: Skywork-o1-Open-PRM-Qwen-2.5-1.5B / -7B (``Qwen2ForPrmModel``).

Input (SkyworkAI/skywork-o1-prm-inference ``model_utils/io_utils.prepare_input``): the ids
of ``bos + question + "\\n"``, then for each step the ids of the step followed by the
``"\\n"`` token; no chat template. Step i's score is the sigmoid of the value head at
the ``"\\n"`` token closing step i. Steps are the policy's ``"\\n\\n"``-split steps
(the reference splits on ``"\\n"``; a step's inner newlines are not read).

The network is built here, no remote code: transformers' ``Qwen2Model`` plus
``v_head.summary = Linear(h, 1)``, with the checkpoint's names (``model.*``,
``v_head.summary.*``, as the Skywork vLLM plugin loads them; ``lm_head.*`` is
ignored). Backend: transformers (vLLM serves it only through Skywork's plugin).
"""

from __future__ import annotations

import numpy as np
import torch
from transformers import AutoConfig, AutoTokenizer, Qwen2Model

from hrmsearch.scoring.formats.base import EncodedPath, FormatEvidence, StepTagFormat
from hrmsearch.scoring.formats.torch_tags import TorchTagModel
from hrmsearch.scoring.formats.weights import load_named_weights, local_checkpoint
from hrmsearch.torch_utils import pick_device, pick_dtype

ARCHITECTURE = "Qwen2ForPrmModel"
STEP_TOKEN = "\n"


class ValueHead(torch.nn.Module):
    """Skywork's ``ValueHead`` at inference (its dropout is off): ``summary = Linear(h, 1)``."""

    def __init__(self, hidden: int):
        super().__init__()
        self.summary = torch.nn.Linear(hidden, 1)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.summary(hidden_states.to(self.summary.weight.dtype))


class Qwen2PrmModel(torch.nn.Module):
    """``Qwen2ForPrmModel`` without remote code: per-token value-head logits ``(B, T, 1)``."""

    def __init__(self, config):
        super().__init__()
        self.model = Qwen2Model(config)
        self.v_head = ValueHead(config.hidden_size)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.v_head(self.model(input_ids=input_ids).last_hidden_state)


class SkyworkFormat(StepTagFormat):
    name = "skywork"
    backends = ("transformers",)
    reads = 'sigmoid of the value head at the "\\n" token closing each step'
    context_limit = 4096

    def detect(self, evidence: FormatEvidence) -> bool:
        return ARCHITECTURE in evidence.architectures

    def encode(self, tokenizer, question: str, steps: tuple[str, ...]) -> EncodedPath:
        ids = list(tokenizer.encode((tokenizer.bos_token or "") + question + "\n"))
        step_token_id = tokenizer.encode(STEP_TOKEN)[-1]
        positions = []
        for step in steps:
            ids.extend(tokenizer.encode(step) if step else [])
            ids.append(step_token_id)
            positions.append(len(ids) - 1)
        return EncodedPath(ids=tuple(ids), positions=tuple(positions))

    def read(self, outputs: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-outputs[:, 0]))

    def load_model(self, path: str, config):
        folder = local_checkpoint(path)
        device = pick_device(config.device)
        module = Qwen2PrmModel(AutoConfig.from_pretrained(folder)).to(pick_dtype(config.dtype, device))
        load_named_weights(module, folder, ignore_prefixes=("lm_head.",))
        return TorchTagModel(module, AutoTokenizer.from_pretrained(folder), device)


FORMAT = SkyworkFormat()
