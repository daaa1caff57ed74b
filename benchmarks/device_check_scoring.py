"""Device check for the reward models: bf16 scores on CUDA against float32 scores on CPU.

    python benchmarks/device_check_scoring.py [--model FOLDER] [--windows 256] [--device cuda]

Scores the same `arith` windows with the transformers scorer twice: float32 on CPU
(the reference) and ``--dtype`` (default bf16) on ``--device`` (default cuda), then
prints one JSON line: largest and mean absolute score difference, whether the
ranking within each group of 8 agrees, and both timings. Without ``--model`` it
uses a random tiny classifier (the perf benchmark's). ``--device cpu`` is a dry
run that works on any machine; importing this file needs no CUDA.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from hrmsearch.benchmarks.perf.scoring import make_model_folder, mixed_windows
from hrmsearch.scoring.hf_scorer import HFScorer


def timed_scores(folder: str, windows, device: str, dtype: str) -> tuple[np.ndarray, float, str]:
    scorer = HFScorer(folder, device=device, dtype=dtype)
    scorer.score(windows[:4])
    scorer.clear_cache()
    started = time.perf_counter()
    scores = scorer.score(windows)
    _synchronize(scorer.device)
    return scores, time.perf_counter() - started, str(next(scorer.model.parameters()).dtype)


def _synchronize(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def ranking_agreement(reference: np.ndarray, candidate: np.ndarray, group: int = 8) -> float:
    """Share of groups of ``group`` windows whose best window is the same under both scorings."""
    groups = range(0, len(reference) - group + 1, group)
    same = [np.argmax(reference[g : g + group]) == np.argmax(candidate[g : g + group]) for g in groups]
    return float(np.mean(same)) if same else 1.0


def check(folder: str, windows, device: str, dtype: str) -> dict:
    reference, cpu_seconds, _ = timed_scores(folder, windows, "cpu", "float32")
    scores, device_seconds, used_dtype = timed_scores(folder, windows, device, dtype)
    difference = np.abs(reference - scores)
    return {
        "check": "scoring_bf16_vs_fp32",
        "device": device,
        "dtype": used_dtype,
        "windows": len(windows),
        "max_abs_diff": float(difference.max()),
        "mean_abs_diff": float(difference.mean()),
        "best_of_8_agreement": ranking_agreement(reference, scores),
        "cpu_fp32_seconds": round(cpu_seconds, 3),
        "device_seconds": round(device_seconds, 3),
        "ok": bool(difference.max() < 0.05),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="sequence-classification folder (default: random tiny)")
    parser.add_argument("--windows", type=int, default=256)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float16", "float32"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    windows = mixed_windows(args.windows, args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.model or str(make_model_folder(Path(scratch), args.seed))
        print(json.dumps(check(folder, windows, args.device, args.dtype)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
