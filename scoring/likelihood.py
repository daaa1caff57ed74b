"""The second reward-model kind: a step-likelihood reward model (a causal LM with a tiny head).

A sequence-classification PRM reads one hidden state at the window's last token
and must *learn* to check the step; a tiny one started from the tiny policy did
not within a CPU budget (held-out sibling ranking 0.53). The policy itself
already knows a lot about a step: the log-probabilities it gives the step's own
tokens separate the better of two sibling steps 73% of the time on held-out arith
trees. This kind keeps that knowledge on the path to the score:

    score(window) = sigmoid(w_mean * mean(logp) + w_min * min(logp) + b)

where ``logp`` are the fine-tuned LM's log-probabilities of the current text's
tokens (one step for a fine window, two merged steps for a coarse window, the
whole solution for an outcome window) given the question and the previous steps,
in the policy's own prompt format (``Question: ...\\nSolution:\\n\\n`` + steps
joined by ``"\\n\\n"``), so every step of a path is scored by one forward pass
over it. Training (``hrmsearch train --head likelihood``) fine-tunes the LM and
the head together on the same samples and losses as the classifier kind.

On disk: a ``LlamaForCausalLM`` (any causal LM) folder plus ``reward_head.json``
(``{"kind": "step_likelihood", "weights": [w_mean, w_min], "bias": b}``).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from pydantic import BaseModel
from torch import nn
from transformers import AutoModelForCausalLM

from hrmsearch.scoring.windows import Window
from hrmsearch.torch_utils import pad_batch

HEAD_FILE = "reward_head.json"
HEAD_KIND = "step_likelihood"
HEADER = "Question: {question}\nSolution:\n\n"
DELIMITER = "\n\n"
INITIAL_WEIGHTS = (1.0, 0.25)
INITIAL_BIAS = 1.0


class HeadConfig(BaseModel):
    """The head's parameters as saved in ``reward_head.json``."""

    kind: str = HEAD_KIND
    weights: tuple[float, float] = INITIAL_WEIGHTS
    bias: float = INITIAL_BIAS


class EncodedWindow(BaseModel):
    """Token ids of (context + current text) and where the current text starts."""

    ids: list[int]
    start: int

    def __len__(self) -> int:
        return len(self.ids)


def is_likelihood_folder(path: str | Path) -> bool:
    return (Path(path) / HEAD_FILE).exists()


def context_text(window: Window) -> str:
    return HEADER.format(question=window.question) + "".join(step + DELIMITER for step in window.previous)


def encode_likelihood_window(window: Window, tokenizer, max_length: int) -> EncodedWindow:
    """The policy-format tokens of ``window``; over-long context is cut from the left, the current text never."""
    context = tokenizer(context_text(window)).input_ids
    current = tokenizer(window.current, add_special_tokens=False).input_ids or [tokenizer.eos_token_id]
    keep = max(1, max_length - len(current))
    if len(context) > keep:
        context = context[:1] + context[len(context) - keep + 1 :] if keep > 1 else context[-1:]
    return EncodedWindow(ids=context + current, start=len(context))


def span_features(token_logp: torch.Tensor, carriers: list[int], spans: list[tuple[int, int]]) -> torch.Tensor:
    """``(windows, 2)`` mean and min log-probability of tokens ``start..end-1`` of each window's carrier row
    (a row whose tokens begin with the window's; causal attention makes its log-probs the window's own)."""
    rows = token_logp[torch.tensor(carriers, device=token_logp.device)]
    positions = torch.arange(token_logp.shape[1], device=token_logp.device)[None, :] + 1
    starts = torch.tensor([start for start, _ in spans], device=token_logp.device)[:, None]
    ends = torch.tensor([end for _, end in spans], device=token_logp.device)[:, None]
    mask = (positions >= starts) & (positions < ends)
    mean = (rows * mask).sum(1) / mask.sum(1).clamp(min=1)
    minimum = rows.masked_fill(~mask, 0.0).min(1).values
    return torch.stack([mean, minimum], dim=1)


def prefix_carriers(rows: list[list[int]]) -> list[int]:
    """For each row, the index of a row it is a prefix of and that is a prefix of no other row (itself if none).

    A trajectory's fine windows (and its coarse windows, whose text is the same as
    the fine window of their later step) are all prefixes of its last window, so
    one forward pass over the carrier scores every step of the path.
    """
    order = sorted(range(len(rows)), key=lambda index: rows[index])
    carriers = list(range(len(rows)))
    for position in range(len(order) - 2, -1, -1):
        index, following = order[position], order[position + 1]
        if rows[following][: len(rows[index])] == rows[index]:
            carriers[index] = carriers[following]
    return carriers


class StepLikelihoodModel(nn.Module):
    """A causal LM and the two-feature logistic head on its log-probabilities of the current text."""

    def __init__(self, lm: nn.Module, head: HeadConfig | None = None):
        super().__init__()
        head = head or HeadConfig()
        self.lm = lm
        self.head = nn.Linear(2, 1)
        with torch.no_grad():
            self.head.weight.copy_(torch.tensor([list(head.weights)], dtype=torch.float32))
            self.head.bias.fill_(head.bias)

    @property
    def config(self):
        return self.lm.config

    def token_logprobs(self, rows: list[list[int]], pad_id: int, device: str) -> torch.Tensor:
        """``(rows, width - 1)``: log p(token t | tokens before t) for t >= 1, right-padded rows."""
        input_ids, attention_mask = (tensor.to(device) for tensor in pad_batch(rows, pad_id, "right"))
        logits = self.lm(input_ids=input_ids, attention_mask=attention_mask).logits[:, :-1].float()
        return torch.gather(F.log_softmax(logits, dim=-1), 2, input_ids[:, 1:, None])[..., 0]

    def features(self, rows: list[EncodedWindow], pad_id: int, device: str) -> torch.Tensor:
        """``(rows, 2)``: mean and min log-probability of each row's current tokens."""
        token_logp = self.token_logprobs([row.ids for row in rows], pad_id, device)
        return span_features(token_logp, list(range(len(rows))), [(row.start, len(row.ids)) for row in rows])

    def logits(self, rows: list[EncodedWindow], pad_id: int, device: str) -> torch.Tensor:
        """``(rows,)`` head logits; ``sigmoid`` of them is the score."""
        return self.head(self.features(rows, pad_id, device))[:, 0]

    def head_config(self) -> HeadConfig:
        weights = self.head.weight.detach().cpu()[0].tolist()
        return HeadConfig(weights=(weights[0], weights[1]), bias=float(self.head.bias.detach().cpu()))

    def save_pretrained(self, out: str | Path, **kwargs) -> None:
        self.lm.save_pretrained(out, **kwargs)
        (Path(out) / HEAD_FILE).write_text(self.head_config().model_dump_json(indent=2))


def load_likelihood_model(path: str | Path, dtype: torch.dtype = torch.float32) -> StepLikelihoodModel:
    """The LM and head saved in ``path`` (a folder with ``reward_head.json``)."""
    head = HeadConfig.model_validate(json.loads((Path(path) / HEAD_FILE).read_text()))
    lm = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
    return StepLikelihoodModel(lm, head)


def base_likelihood_model(base: str | Path) -> StepLikelihoodModel:
    """A fresh head on the causal LM in ``base`` (the shipped policy, for the tiny models)."""
    return StepLikelihoodModel(AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32))
