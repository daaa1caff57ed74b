"""Train the shipped tiny policy on `arith` with a fixed seed (CPU, ~15 minutes).

    python -m hrmsearch.training.train_policy --out hrmsearch/assets/policy

A Llama of ~2M parameters (hidden 192, 4 layers, 6 heads: head_dim 32, which
vLLM's CPU attention supports) learns to continue the plain prompt with the
``"\\n\\n"``-separated solution steps; loss is on the solution tokens only.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from pathlib import Path

import torch
from tqdm import tqdm
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from hrmsearch.engine.prompts import PromptBuilder
from hrmsearch.engine.tiny.tokenizer import build_tokenizer
from hrmsearch.tasks import arith

IGNORE = -100


def tiny_llama_config(vocab_size: int, pad_id: int, bos_id: int, eos_id: int) -> LlamaConfig:
    return LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=192,
        intermediate_size=512,
        num_hidden_layers=4,
        num_attention_heads=6,
        num_key_value_heads=6,
        head_dim=32,
        max_position_embeddings=512,
        rms_norm_eps=1e-5,
        tie_word_embeddings=True,
        pad_token_id=pad_id,
        bos_token_id=bos_id,
        eos_token_id=eos_id,
    )


class TraceStream:
    """Endless seeded stream of tokenized (prompt, solution) training pairs."""

    def __init__(self, tokenizer: PreTrainedTokenizerFast, seed: int, correction_rate: float):
        self.tokenizer = tokenizer
        self.rng = random.Random(seed)
        self.correction_rate = correction_rate
        self.banned = arith.held_out_questions()
        self.prompts = PromptBuilder()

    def example(self) -> tuple[list[int], list[int]]:
        while True:
            question, steps = arith.training_trace(self.rng, self.correction_rate)
            if question not in self.banned:
                break
        prompt_ids = self.tokenizer.encode(self.prompts.build(question))
        target_ids = self.tokenizer.encode("\n\n".join(steps), add_special_tokens=False)
        return prompt_ids, target_ids + [self.tokenizer.eos_token_id]

    def batch(self, size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        pairs = [self.example() for _ in range(size)]
        width = max(len(p) + len(t) for p, t in pairs)
        pad = self.tokenizer.pad_token_id
        ids = torch.full((size, width), pad, dtype=torch.long)
        labels = torch.full((size, width), IGNORE, dtype=torch.long)
        mask = torch.zeros((size, width), dtype=torch.long)
        for row, (prompt, target) in enumerate(pairs):
            seq = prompt + target
            ids[row, : len(seq)] = torch.tensor(seq)
            labels[row, len(prompt) : len(seq)] = torch.tensor(target)
            mask[row, : len(seq)] = 1
        return ids, mask, labels


def tokenizer_corpus(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    prompts = PromptBuilder()
    corpus = []
    for _ in range(count):
        question, steps = arith.training_trace(rng, 0.1)
        corpus.append(prompts.build(question) + "\n\n".join(steps))
    return corpus


def learning_rate(step: int, horizon: int, peak: float, warmup: int = 200) -> float:
    """Linear warm-up, then cosine decay to 10% over a fixed ``horizon``.

    The schedule does not depend on ``--steps``, so ``--steps N`` reproduces the
    checkpoint that a longer run saved at step N exactly (same seed, same data).
    """
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, horizon - warmup))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def save(model: LlamaForCausalLM, tokenizer: PreTrainedTokenizerFast, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)


def train(out: Path, steps: int, batch_size: int, lr: float, seed: int, horizon: int, save_every: int) -> None:
    torch.manual_seed(seed)
    tokenizer = build_tokenizer(tokenizer_corpus(seed, 20_000))
    config = tiny_llama_config(
        len(tokenizer), tokenizer.pad_token_id, tokenizer.bos_token_id, tokenizer.eos_token_id
    )
    model = LlamaForCausalLM(config)
    print(f"parameters: {sum(p.numel() for p in model.parameters()):,}; vocab {len(tokenizer)}")
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01, betas=(0.9, 0.98))
    stream = TraceStream(tokenizer, seed + 1, correction_rate=0.1)
    model.train()
    started = time.time()
    bar = tqdm(range(steps), desc="train policy")
    for step in bar:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, horizon, lr)
        ids, mask, labels = stream.batch(batch_size)
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if save_every and (step + 1) % save_every == 0 and step + 1 < steps:
            save(model, tokenizer, out / "checkpoints" / f"step-{step + 1}")
    print(f"trained {steps} steps in {time.time() - started:.0f}s")
    save(model, tokenizer, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("hrmsearch/assets/policy"))
    parser.add_argument("--steps", type=int, default=1300)
    parser.add_argument("--horizon", type=int, default=2000, help="steps of the LR schedule")
    parser.add_argument("--save-every", type=int, default=0, help="also save checkpoints/step-N")
    parser.add_argument("--batch-size", type=int, default=48)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train(args.out, args.steps, args.batch_size, args.lr, args.seed, args.horizon, args.save_every)


if __name__ == "__main__":
    main()
