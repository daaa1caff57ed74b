"""Tiny random reward checkpoints for the scoring tests (built in tmp dirs, seconds on CPU).

The tokenizer is the shipped policy's when ``hrmsearch/assets/policy`` exists, else
one built by the tiny tokenizer code on a small `arith` corpus.
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM, LlamaForSequenceClassification

from hrmsearch.assets import default_policy_path


@functools.cache
def tiny_tokenizer():
    policy = Path(default_policy_path())
    if (policy / "tokenizer.json").exists():
        return AutoTokenizer.from_pretrained(policy)
    from hrmsearch.engine.tiny.tokenizer import build_tokenizer
    from hrmsearch.training.train_policy import tokenizer_corpus

    return build_tokenizer(tokenizer_corpus(0, 400) + ["Question: Let's break it down step by step! good bad"] * 30)


def small_config(num_labels: int = 2, problem_type: str | None = None, hidden: int = 64) -> LlamaConfig:
    """A 2-layer Llama; head_dim 32 as vLLM's CPU attention needs."""
    tokenizer = tiny_tokenizer()
    return LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=2,
        num_attention_heads=hidden // 32, num_key_value_heads=hidden // 32, head_dim=32,
        max_position_embeddings=512, tie_word_embeddings=False, pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        num_labels=num_labels, problem_type=problem_type,
    )


def save_classifier(folder: Path, num_labels: int = 2, problem_type: str | None = None, seed: int = 0) -> Path:
    """A random sequence-classification checkpoint in ``folder``."""
    torch.manual_seed(seed)
    model = LlamaForSequenceClassification(small_config(num_labels, problem_type))
    with torch.no_grad():
        model.score.weight.normal_(0, 1.0)  # spread the scores so comparisons mean something
    model.save_pretrained(folder)
    tiny_tokenizer().save_pretrained(folder)
    return folder


def save_causal_lm(folder: Path, seed: int = 0) -> Path:
    """A random causal-LM checkpoint (a stand-in for the policy) in ``folder``."""
    torch.manual_seed(seed)
    LlamaForCausalLM(small_config()).save_pretrained(folder)
    tiny_tokenizer().save_pretrained(folder)
    return folder
