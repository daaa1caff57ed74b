"""Perf benchmark for the step-tag trainer: labelled steps trained per second, dense vs per window.

    python -m hrmsearch.benchmarks.perf train --format qwen-prm [--kind hrm|prm] [--paths 256] [--epochs 1]

Builds HRM reward samples (every fine step of ``--paths`` `arith` training traces plus
the coarse pair ending at each later step, soft labels drawn with a seed), then trains
on them twice in the same run, from the same base (the shipped policy), for the same
epochs, token budget and context (``--kind prm`` keeps only the fine samples):

- per window: ``hrmsearch train --format classifier`` (the paper's sequence
  classifier), one forward pass per sample;
- dense: ``hrmsearch train --format qwen-prm``, one forward pass per path, a loss at
  every labelled ``<extra_0>``.

Each time covers the whole ``train()`` call (encoding, every optimizer step, the evals,
the checkpoints). Reports ``steptag_train_speedup`` = (dense labelled steps per second)
/ (per-window samples per second), both counted over the training split.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import torch

from hrmsearch.assets import default_policy_path
from hrmsearch.tasks import arith
from hrmsearch.training.samples import RewardSample, write_samples
from hrmsearch.training.train_reward import TrainOptions
from hrmsearch.training.train_reward import train as train_classifier
from hrmsearch.training.train_steptag import SteptagOptions
from hrmsearch.training.train_steptag import train as train_steptag


def hrm_samples(paths: int, seed: int) -> list[RewardSample]:
    """Fine samples at every step and coarse samples at every later step of ``paths`` traces."""
    rng = random.Random(seed)
    samples = []
    for _ in range(paths):
        question, steps = arith.training_trace(rng, 0.1)
        for index, step in enumerate(steps):
            samples.append(RewardSample(question=question, previous=steps[:index], current=step,
                                        label=round(rng.random(), 3), step=index))
            if index:
                merged = steps[index - 1] + "\n\n" + step
                samples.append(RewardSample(question=question, previous=steps[: index - 1], current=merged,
                                            label=round(rng.random(), 3), kind="coarse", step=index))
    return samples


def common_options(args: argparse.Namespace, data: Path, out: Path) -> dict:
    return {"kind": args.kind, "data": data, "base": str(default_policy_path()), "out": out, "epochs": args.epochs,
            "seed": args.seed, "batch_tokens": args.batch_tokens, "max_length": args.max_length,
            "device": args.device, "progress": False}


def timed(train, options) -> tuple[float, object]:
    started = time.perf_counter()
    report = train(options)
    return time.perf_counter() - started, report


def run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "samples.jsonl"
        write_samples(data, hrm_samples(args.paths, args.seed))
        window_seconds, window_report = timed(
            train_classifier, TrainOptions(**common_options(args, data, Path(folder) / "classifier")))
        dense_seconds, dense_report = timed(
            train_steptag, SteptagOptions(**common_options(args, data, Path(folder) / "steptag")))
    window_rate = window_report.train_samples * args.epochs / window_seconds
    dense_rate = dense_report.train_labelled_steps * args.epochs / dense_seconds
    return {
        "metric": "steptag_train_speedup",
        "value": round(dense_rate / window_rate, 2),
        "format": args.format,
        "kind": args.kind,
        "paths": args.paths,
        "epochs": args.epochs,
        "per_window_samples": window_report.train_samples,
        "per_window_seconds": round(window_seconds, 2),
        "per_window_optimizer_steps": window_report.steps,
        "dense_labelled_steps": dense_report.train_labelled_steps,
        "dense_paths": dense_report.train_paths,
        "dense_seconds": round(dense_seconds, 2),
        "dense_optimizer_steps": dense_report.steps,
        "device": args.device,
        "torch_threads": torch.get_num_threads(),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m hrmsearch.benchmarks.perf train", description=__doc__)
    parser.add_argument("--format", default="qwen-prm", choices=["qwen-prm"])
    parser.add_argument("--kind", default="hrm", choices=["hrm", "prm"])
    parser.add_argument("--paths", type=int, default=256, help="arith training traces the samples come from")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-tokens", type=int, default=4096)
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    return run(parser.parse_args(argv))
