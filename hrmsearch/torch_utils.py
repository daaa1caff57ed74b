"""Torch helpers shared by the policy backend, the reward models and the trainers: device, dtype, padding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch


def pick_device(device: str) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def pick_dtype(dtype: str, device: str) -> torch.dtype:
    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]


def pad_batch(
    rows: Sequence[Sequence[int]], pad_id: int, side: Literal["left", "right"]
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(input_ids, attention_mask)`` of ``rows`` padded on ``side`` to the longest (the policy pads
    prompts on the left, the reward models pad windows on the right)."""
    width = max(len(ids) for ids in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(rows), width), dtype=torch.long)
    for index, ids in enumerate(rows):
        span = slice(width - len(ids), width) if side == "left" else slice(0, len(ids))
        input_ids[index, span] = torch.tensor(ids, dtype=torch.long)
        attention[index, span] = 1
    return input_ids, attention
