"""The transformers side of a step-tag format: a torch module's outputs gathered at the read positions.

A format's ``load_model`` builds an ``nn.Module`` mapping ``input_ids (B, T)`` to raw
head outputs ``(B, T, k)`` (a 2-class head, a value head, or the LM logits of the
``+``/``-`` tokens) and wraps it in :class:`TorchTagModel`. Rows are right-padded;
with causal attention no real token sees a pad, so no attention mask is passed.
bf16 on CUDA, float32 on CPU (``pick_dtype``); outputs come back as float32.
"""

from __future__ import annotations

import numpy as np
import torch

from hrmsearch.torch_utils import pad_batch


class TorchTagModel:
    """A :class:`~hrmsearch.scoring.formats.base.TagModel` over a torch module on one device."""

    def __init__(self, module: torch.nn.Module, tokenizer, device: str):
        self.module = module.to(device).eval()
        self.tokenizer = tokenizer
        self.device = device
        pad_id = getattr(tokenizer, "pad_token_id", None)
        self.pad_id = pad_id if pad_id is not None else (getattr(tokenizer, "eos_token_id", None) or 0)

    @torch.inference_mode()
    def tag_outputs(self, rows: list[tuple[int, ...]], positions: list[tuple[int, ...]]) -> list[np.ndarray]:
        input_ids, _ = pad_batch(rows, self.pad_id, "right")
        outputs = self.module(input_ids.to(self.device))
        return [outputs[row, list(where)].float().cpu().numpy() for row, where in enumerate(positions)]

    def close(self) -> None:
        """Nothing to release: the module is freed with this object."""
