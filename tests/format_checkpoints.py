"""Tiny random-weight checkpoints of the public reward-model architectures, for the format tests.

Each builder saves, in a tmp folder, a checkpoint with the real config fields
(``architectures``, ``model_type``), the real weight names and the real special
tokens / chat template, with a 2-layer Qwen2 (head_dim 32, as vLLM's CPU attention
needs) and a small Qwen2-style byte-level BPE (``<extra_0>``, the Qwen chat template).
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import Qwen2Config, Qwen2ForCausalLM, Qwen2Model

from hrmsearch.engine.tiny.chat_tokenizer import build_chat_tokenizer

CORPUS = [
    "Question: Ava has 5 boxes of 4 pencils. She gives away 3 pencils. How many pencils are left?",
    "5 * 4 = 20\n\n20 - 3 = 17\n\nThe answer is \\boxed{17}.",
    "Please reason step by step, and put your final answer within \\boxed{}.",
    "system user assistant the a of to is and step answer",
] * 40 + [f"{a} + {b} = {a + b}\n\n{a} * {b} = {a * b}" for a in range(20) for b in range(20)]


@functools.cache
def qwen_tokenizer():
    """The tiny Qwen2-style chat tokenizer (:mod:`hrmsearch.engine.tiny.chat_tokenizer`) on a small math corpus."""
    return build_chat_tokenizer(CORPUS)


def qwen2_config(architecture: str, hidden: int = 64, **extra) -> Qwen2Config:
    """A 2-layer Qwen2 config with the real checkpoint's architecture name."""
    tokenizer = qwen_tokenizer()
    return Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=2,
        num_attention_heads=hidden // 32, num_key_value_heads=hidden // 32, head_dim=32,
        max_position_embeddings=4096, rope_theta=10000.0, tie_word_embeddings=False,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        architectures=[architecture], **extra,
    )


def _save(folder: Path, config: Qwen2Config, weights: dict[str, torch.Tensor]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(folder)
    save_file({name: tensor.contiguous() for name, tensor in weights.items()}, str(folder / "model.safetensors"),
              metadata={"format": "pt"})
    qwen_tokenizer().save_pretrained(folder)
    return folder


def random_decoder(config: Qwen2Config, seed: int) -> dict[str, torch.Tensor]:
    """A random ``Qwen2Model``'s weights under the checkpoint prefix ``model.``."""
    torch.manual_seed(seed)
    decoder = Qwen2Model(config)
    return {f"model.{name}": tensor for name, tensor in decoder.state_dict().items()}


def save_qwen_prm(folder: Path, seed: int = 0, drop: tuple[str, ...] = ()) -> Path:
    """A ``Qwen2ForProcessRewardModel`` checkpoint: ``model.*`` + ``score.0.*`` (h x h) + ``score.2.*`` (2 x h)."""
    config = qwen2_config("Qwen2ForProcessRewardModel", num_labels=2)
    weights = random_decoder(config, seed)
    hidden = config.hidden_size
    weights |= {"score.0.weight": torch.randn(hidden, hidden) / hidden**0.5, "score.0.bias": torch.randn(hidden) * 0.1,
                "score.2.weight": torch.randn(2, hidden) * 0.5, "score.2.bias": torch.randn(2) * 0.1}
    return _save(folder, config, {name: tensor for name, tensor in weights.items() if name not in drop})


def save_skywork(folder: Path, seed: int = 0, drop: tuple[str, ...] = ()) -> Path:
    """A ``Qwen2ForPrmModel`` checkpoint: ``model.*`` + ``lm_head.weight`` + ``v_head.summary.*`` (1 x h)."""
    config = qwen2_config("Qwen2ForPrmModel")
    weights = random_decoder(config, seed)
    hidden = config.hidden_size
    weights |= {"lm_head.weight": torch.randn(config.vocab_size, hidden) * 0.02,
                "v_head.summary.weight": torch.randn(1, hidden) * 0.5, "v_head.summary.bias": torch.randn(1) * 0.1}
    folder = _save(folder, config, {name: tensor for name, tensor in weights.items() if name not in drop})
    tokenizer = qwen_tokenizer()
    tokenizer.bos_token = "<|endoftext|>"  # Skywork's recipe prepends the BOS text; Qwen's tokenizer names one
    tokenizer.save_pretrained(folder)
    return folder


def save_chat_policy(folder: Path, seed: int = 0) -> Path:
    """A tiny random Qwen2 causal LM with the Qwen chat template (a stand-in instruct policy)."""
    torch.manual_seed(seed)
    config = qwen2_config("Qwen2ForCausalLM")
    Qwen2ForCausalLM(config).save_pretrained(folder)
    qwen_tokenizer().save_pretrained(folder)
    return folder
