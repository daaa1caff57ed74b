"""Perf benchmark for step-tag reward formats: one pass per trajectory vs one pass per prefix.

    python -m hrmsearch.benchmarks.perf scoring --format qwen-prm --workload paths [--trajectories 256]

Scores every step of ``--trajectories`` `arith` trajectories with a tiny random-weight
``Qwen2ForProcessRewardModel`` checkpoint (the shipped policy's size: 4 layers,
hidden 192; speed does not depend on the weights), twice in the same run:

- one pass per trajectory: the :class:`~hrmsearch.scoring.formats.steptag_scorer.StepTagScorer`
  reads all step scores of a trajectory off one forward pass at its ``<extra_0>`` tags
  (length-bucketed batches, empty cache);
- one pass per prefix: what the model card's code and RLHFlow's evaluator do, one
  forward pass (batch of one) per step over the trajectory's prefix up to that step,
  reading the last tag, on the same network.

Both include prompt encoding. Reports ``steptag_one_pass_speedup`` = per-prefix seconds /
one-pass seconds, and the largest score difference between the two.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import Qwen2Config

from hrmsearch.config import RewardConfig
from hrmsearch.engine.tiny.chat_tokenizer import build_chat_tokenizer
from hrmsearch.scoring.formats.qwen_prm import Qwen2ProcessRewardModel
from hrmsearch.scoring.loader import load_scorer
from hrmsearch.scoring.windows import fine_window
from hrmsearch.tasks import arith


def trajectories(count: int, seed: int) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    return [arith.training_trace(rng, 0.1) for _ in range(count)]


def make_qwen_prm_folder(folder: Path, seed: int, corpus: list[str]) -> Path:
    """A random tiny ``Qwen2ForProcessRewardModel`` checkpoint with the real weight names."""
    tokenizer = build_chat_tokenizer(corpus, vocab_size=512)
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=192, intermediate_size=512, num_hidden_layers=4,
        num_attention_heads=6, num_key_value_heads=6, head_dim=32, max_position_embeddings=4096,
        tie_word_embeddings=False, pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        architectures=["Qwen2ForProcessRewardModel"], num_labels=2,
    )
    torch.manual_seed(seed)
    config.save_pretrained(folder)
    weights = Qwen2ProcessRewardModel(config).state_dict()
    save_file({name: tensor.contiguous() for name, tensor in weights.items()}, str(folder / "model.safetensors"),
              metadata={"format": "pt"})
    tokenizer.save_pretrained(folder)
    return folder


def time_one_pass(scorer, paths: list[tuple[str, list[str]]]) -> tuple[float, list[float]]:
    scorer.clear_cache()
    started = time.perf_counter()
    windows = [fine_window(question, steps, index) for question, steps in paths for index in range(len(steps))]
    scores = scorer.score(windows)
    return time.perf_counter() - started, scores.tolist()


def time_per_prefix(scorer, paths: list[tuple[str, list[str]]]) -> tuple[float, list[float]]:
    started = time.perf_counter()
    scores = []
    for question, steps in paths:
        for index in range(len(steps)):
            encoded = scorer.format.encode(scorer.tokenizer, question, tuple(steps[: index + 1]))
            output = scorer.model.tag_outputs([encoded.ids], [encoded.positions[-1:]])[0]
            scores.append(float(scorer.format.read(output.astype("float64"))[0]))
    return time.perf_counter() - started, scores


def run(args) -> dict:
    """The one-pass vs per-prefix comparison for ``args`` (``scoring``'s parsed options)."""
    paths = trajectories(args.trajectories, args.seed)
    corpus = [question + "\n\n" + "\n\n".join(steps) for question, steps in trajectories(400, args.seed + 1)]
    with tempfile.TemporaryDirectory() as folder:
        checkpoint = make_qwen_prm_folder(Path(folder), args.seed, corpus)
        scorer = load_scorer(RewardConfig(model=str(checkpoint), format=args.format, device=args.device,
                                          dtype=args.dtype, batch_tokens=args.batch_tokens))
        time_one_pass(scorer, paths[:4])  # warm-up
        calls_before = scorer.stats.model_calls
        one_pass_seconds, one_pass_scores = time_one_pass(scorer, paths)
        one_pass_calls = scorer.stats.model_calls - calls_before
        prefix_seconds, prefix_scores = time_per_prefix(scorer, paths)
    steps = sum(len(steps) for _, steps in paths)
    return {
        "metric": "steptag_one_pass_speedup",
        "value": round(prefix_seconds / one_pass_seconds, 2),
        "format": args.format,
        "trajectories": len(paths),
        "steps": steps,
        "one_pass_seconds": round(one_pass_seconds, 3),
        "per_prefix_seconds": round(prefix_seconds, 3),
        "one_pass_forward_calls": one_pass_calls,
        "per_prefix_forward_calls": steps,
        "max_score_difference": max(abs(a - b) for a, b in zip(one_pass_scores, prefix_scores, strict=True)),
        "device": scorer.model.device,
        "torch_threads": torch.get_num_threads(),
    }


def main(argv: list[str] | None = None) -> dict:
    """``python -m hrmsearch.benchmarks.perf steptag`` = ``scoring --format qwen-prm --workload paths``."""
    from hrmsearch.benchmarks.perf.scoring import main as scoring_main

    return scoring_main(["--format", "qwen-prm", "--workload", "paths", *(argv or [])])
