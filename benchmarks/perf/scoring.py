"""Perf benchmark for the reward models: length-bucketed batches vs one window at a time.

    python -m hrmsearch.benchmarks.perf scoring [--windows 512] [--batch-tokens 8192]
    python -m hrmsearch.benchmarks.perf scoring --format qwen-prm --workload paths  (see .steptag)

Scores ``--windows`` `arith` windows of mixed length (1 to 6 earlier steps, fine and
coarse) with a tiny random-weight Llama classifier (the shipped policy's size and
tokenizer; speed does not depend on the weights), twice in the same run:
the transformers scorer's length-bucketed batches, and one window per forward pass
(what OpenR's reward worker does). Both start from an empty cache and include
prompt encoding. Reports ``scoring_batch_speedup`` = one-at-a-time seconds /
batched seconds, and the largest score difference between the two.

On CPU the tiny model is compute-bound even for one window (~150 tokens per
forward: its matrix products already run near the core's float32 peak), so batching
can only save the per-call overhead (about 1.6 ms of the ~8 ms a window costs
with 1 thread) and the ratio stays below 2 there; the scorer caps CPU batches at
``CPU_BATCH_TOKENS`` because bigger ones fall out of cache and run slower than one
window at a time. With more threads than free cores (a loaded machine) the
one-at-a-time side's many small parallel regions stall on each other and the ratio
measures that contention, not batching. On a GPU (``--device cuda``) one-window
calls are latency-bound and batching is what pays.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import torch
from transformers import AutoTokenizer, LlamaForCausalLM, LlamaForSequenceClassification

from hrmsearch.assets import default_policy_path
from hrmsearch.engine.tiny.tokenizer import build_tokenizer
from hrmsearch.scoring.hf_scorer import HFScorer
from hrmsearch.scoring.likelihood import StepLikelihoodModel
from hrmsearch.scoring.lm_scorer import LikelihoodScorer
from hrmsearch.scoring.windows import Window, coarse_window, fine_window
from hrmsearch.tasks import arith
from hrmsearch.training.train_policy import tiny_llama_config, tokenizer_corpus


def mixed_windows(count: int, seed: int) -> list[Window]:
    """``count`` distinct fine/coarse windows over arith traces, context of 0 to 6 steps."""
    rng = random.Random(seed)
    windows: dict[Window, None] = {}
    while len(windows) < count:
        question, steps = arith.training_trace(rng, 0.1)
        index = rng.randrange(len(steps))
        window = coarse_window(question, steps, index) if rng.random() < 0.5 else None
        windows[window or fine_window(question, steps, index)] = None
    return list(windows)[:count]


def path_windows(count: int, seed: int) -> list[Window]:
    """Every fine and coarse window of whole arith traces, trace after trace, until ``count``:
    what search asks a reward model to score for its candidates."""
    rng = random.Random(seed)
    windows: dict[Window, None] = {}
    while len(windows) < count:
        question, steps = arith.training_trace(rng, 0.1)
        for index in range(len(steps)):
            windows[fine_window(question, steps, index)] = None
            if index:
                windows[coarse_window(question, steps, index)] = None
    return list(windows)[:count]


def make_model_folder(folder: Path, seed: int, kind: str = "classifier") -> Path:
    """A random tiny Llama classifier (or step-likelihood model) with the shipped policy's tokenizer."""
    policy = Path(default_policy_path())
    if (policy / "tokenizer.json").exists():
        tokenizer = AutoTokenizer.from_pretrained(policy)
    else:
        tokenizer = build_tokenizer(tokenizer_corpus(seed, 2000))
    config = tiny_llama_config(len(tokenizer), tokenizer.pad_token_id, tokenizer.bos_token_id, tokenizer.eos_token_id)
    config.num_labels = 2
    torch.manual_seed(seed)
    if kind == "likelihood":
        StepLikelihoodModel(LlamaForCausalLM(config)).save_pretrained(folder)
    else:
        LlamaForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def time_batched(scorer: HFScorer, windows: list[Window]) -> tuple[float, list[float]]:
    scorer.clear_cache()
    started = time.perf_counter()
    scores = scorer.score(windows)
    return time.perf_counter() - started, scores.tolist()


def time_one_at_a_time(scorer: HFScorer, windows: list[Window]) -> tuple[float, list[float]]:
    scorer.clear_cache()
    started = time.perf_counter()
    scores = [float(scorer.score([window])[0]) for window in windows]
    return time.perf_counter() - started, scores


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m hrmsearch.benchmarks.perf scoring", description=__doc__)
    parser.add_argument("--windows", type=int, default=512)
    parser.add_argument("--batch-tokens", type=int, default=8192,
                        help="the scorer's token budget (on CPU capped at CPU_BATCH_TOKENS)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--dtype", default="auto", help="auto (float32 on CPU, bf16 on CUDA), float32 or bfloat16")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--kind", default="classifier", choices=["classifier", "likelihood"],
                        help="reward-model kind (the target is measured on the classifier)")
    parser.add_argument("--workload", default="mixed", choices=["mixed", "paths"],
                        help="random windows of mixed length, or every window of whole trajectories")
    parser.add_argument("--format", default=None, choices=["qwen-prm"],
                        help="a step-tag format: one pass per trajectory vs one per prefix (module steptag)")
    parser.add_argument("--trajectories", type=int, default=256, help="with --format: arith trajectories scored")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.format is not None:
        from hrmsearch.benchmarks.perf.steptag import run

        return run(args)
    windows = (path_windows if args.workload == "paths" else mixed_windows)(args.windows, args.seed)
    scorer_class = LikelihoodScorer if args.kind == "likelihood" else HFScorer
    with tempfile.TemporaryDirectory() as folder:
        scorer = scorer_class(str(make_model_folder(Path(folder), args.seed, args.kind)), device=args.device,
                              dtype=args.dtype, batch_tokens=args.batch_tokens)
        scorer.score(windows[:8])  # warm-up
        warm_up_calls = scorer.stats.model_calls
        batched_seconds, batched_scores = time_batched(scorer, windows)
        batch_calls = scorer.stats.model_calls - warm_up_calls
        single_seconds, single_scores = time_one_at_a_time(scorer, windows)
    lengths = [len(scorer.encode(window)) for window in windows]
    return {
        "metric": "scoring_batch_speedup",
        "value": round(single_seconds / batched_seconds, 2),
        "windows": len(windows),
        "kind": args.kind,
        "workload": args.workload,
        "tokens_min_mean_max": [min(lengths), round(sum(lengths) / len(lengths), 1), max(lengths)],
        "batched_seconds": round(batched_seconds, 3),
        "one_at_a_time_seconds": round(single_seconds, 3),
        "batched_forward_calls": batch_calls,
        "max_score_difference": max(abs(a - b) for a, b in zip(batched_scores, single_scores, strict=True)),
        "batch_tokens": args.batch_tokens,
        "effective_batch_tokens": scorer.effective_batch_tokens,
        "device": scorer.device,
        "dtype": str(next(scorer.model.parameters()).dtype).removeprefix("torch."),
        "torch_threads": torch.get_num_threads(),
    }
