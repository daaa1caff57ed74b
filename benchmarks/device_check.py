"""GPU device check: the CUDA path of the transformers policy backend and of the reward model.

    python benchmarks/device_check.py [--device cuda] [--windows 4096] [--problems 64]

On one machine, in under 5 minutes on a GPU: loads the shipped tiny policy on
``--device`` (transformers backend, bf16 on CUDA), runs beam search (width 4,
expansion 4) over ``--problems`` `arith` problems with the reward model on the same
device, then scores ``--windows`` windows in bf16 and compares them with float32 CPU
scores. Prints one JSON line: device name, policy tokens/s, beam accuracy, reward
windows/s (bf16, batched) and the largest bf16-vs-fp32 score difference.
The reward model is the shipped ``hrm_hnc`` when installed, else a random tiny
classifier of the same shape (``--reward`` names another folder).
``--device cpu`` runs the same script as a dry run anywhere.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from hrmsearch.assets import asset_path
from hrmsearch.benchmarks.perf.scoring import make_model_folder, mixed_windows
from hrmsearch.config import PolicyConfig, RewardConfig
from hrmsearch.engine.loader import load_policy
from hrmsearch.scoring.loader import load_scorer
from hrmsearch.search.run import run_strategy, strategy_config
from hrmsearch.tasks import arith


def device_name(device: str) -> str:
    return torch.cuda.get_device_name(0) if device.startswith("cuda") else "cpu"


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def beam_check(device: str, reward_folder: str, problems: int) -> dict:
    policy = load_policy(PolicyConfig(backend="transformers", device=device))
    scorer = load_scorer(RewardConfig(model=reward_folder, device=device))
    tasks = arith.split("test")[:problems]
    config = strategy_config("beam", n=16, width=4, max_steps=10, seed=0)
    run_strategy(tasks[:2], config, policy, scorer, RewardConfig())  # warm-up
    started = time.perf_counter()
    solutions = run_strategy(tasks, config, policy, scorer, RewardConfig())
    synchronize(device)
    seconds = time.perf_counter() - started
    tokens = sum(s.cost.generated_tokens for s in solutions)
    correct = sum(s.answer == p.answer for s, p in zip(solutions, tasks))
    return {
        "policy_dtype": str(next(policy.model.parameters()).dtype),
        "beam_problems": len(tasks),
        "beam_accuracy": round(correct / len(tasks), 4),
        "beam_errors": sum(s.error is not None for s in solutions),
        "beam_seconds": round(seconds, 2),
        "policy_tokens_per_s": round(tokens / seconds, 1),
    }


def scoring_check(device: str, reward_folder: str, count: int) -> dict:
    windows = mixed_windows(count, seed=0)
    reference = load_scorer(RewardConfig(model=reward_folder, device="cpu", dtype="float32")).score(windows)
    scorer = load_scorer(RewardConfig(model=reward_folder, device=device))
    scorer.score(windows[:8])
    scorer.clear_cache()
    started = time.perf_counter()
    scores = scorer.score(windows)
    synchronize(device)
    seconds = time.perf_counter() - started
    difference = np.abs(np.asarray(scores) - np.asarray(reference))
    return {
        "reward_dtype": str(next(scorer.model.parameters()).dtype),
        "windows": len(windows),
        "windows_per_s": round(len(windows) / seconds, 1),
        "max_abs_diff_vs_cpu_fp32": float(difference.max()),
        "mean_abs_diff_vs_cpu_fp32": float(difference.mean()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--windows", type=int, default=4096)
    parser.add_argument("--problems", type=int, default=64)
    parser.add_argument("--reward", default=None, help="reward-model folder (either kind)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        shipped = asset_path("hrm_hnc")
        folder = args.reward or (str(shipped) if (shipped / "config.json").exists() else None)
        reward_kind = "given" if args.reward else ("shipped hrm_hnc" if folder else "random tiny classifier")
        folder = folder or str(make_model_folder(Path(scratch), seed=0))
        record = {"check": "device", "device": device_name(args.device), "reward_model": reward_kind}
        record |= beam_check(args.device, folder, args.problems)
        record |= scoring_check(args.device, folder, args.windows)
    record["total_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
