"""Perf benchmark: two solves at once on one machine, each against itself alone.

A user's two jobs often share a small machine; with every process running as many
compute threads as there are cores, their thread pools fight for the cores and one
job can take ten times as long. This command starts worker processes that each load
the default solve (beam search guided by the shipped ``hrm_hnc``, transformers
backend) over ``--problems`` arith test problems, waits until every worker has loaded
and solved the problems once (a warm-up), then lets them search: first one worker
alone, then two at the same moment. The value is the larger of the two workers'
search time together over the alone time; the target is <= 2.5 (two jobs on the
cores one had: about 2 when they share fairly).

Workers inherit this process's environment, so ``OMP_NUM_THREADS=2 python -m
hrmsearch.benchmarks.perf concurrent`` measures another thread setting.

    python -m hrmsearch.benchmarks.perf concurrent [--problems 8] [--n 16]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 2.5


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m hrmsearch.benchmarks.perf concurrent")
    parser.add_argument("--problems", type=int, default=8, help="arith test problems per solve")
    parser.add_argument("--n", type=int, default=16, help="beam search's candidate steps per round")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", nargs=2, metavar=("GO_FILE", "OUT_FILE"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def worker(args: argparse.Namespace) -> None:
    """Load, say so, wait for the go file, search, write the search time."""
    import torch

    from hrmsearch.api import solve_many
    from hrmsearch.tasks import arith

    go, out = (Path(path) for path in args.worker)
    problems = arith.split("test", args.problems)
    solve_many(problems, n=args.n, seed=args.seed, backend="transformers")  # load and warm up on the same work
    Path(f"{out}.ready").touch()
    while not go.exists():
        time.sleep(0.01)
    started = time.perf_counter()
    solutions = solve_many(problems, n=args.n, seed=args.seed, backend="transformers")
    seconds = time.perf_counter() - started
    out.write_text(json.dumps({"seconds": round(seconds, 3), "torch_threads": torch.get_num_threads(),
                               "generated_tokens": sum(s.cost.generated_tokens for s in solutions)}))


def run_together(count: int, args: argparse.Namespace, folder: Path) -> list[dict]:
    """``count`` workers, started together once all have loaded; each one's record."""
    go = folder / f"go{count}"
    outs = [folder / f"worker{count}_{index}.json" for index in range(count)]
    command = [sys.executable, "-m", "hrmsearch.benchmarks.perf", "concurrent", "--problems", str(args.problems),
               "--n", str(args.n), "--seed", str(args.seed)]
    workers = [subprocess.Popen([*command, "--worker", str(go), str(out)]) for out in outs]
    while not all(Path(f"{out}.ready").exists() for out in outs):
        if any(process.poll() not in (None, 0) for process in workers):
            raise RuntimeError("a worker failed while loading; see its stderr above")
        time.sleep(0.05)
    go.touch()
    for process in workers:
        if process.wait() != 0:
            raise RuntimeError(f"a worker exited with status {process.returncode}")
    return [json.loads(out.read_text()) for out in outs]


def main(argv: list[str]) -> dict:
    args = parse_args(argv)
    if args.worker:
        worker(args)
        sys.exit(0)  # a worker's record is its file, not a JSON line
    with tempfile.TemporaryDirectory(prefix="perf_concurrent_") as folder:
        alone = run_together(1, args, Path(folder))[0]
        together = run_together(2, args, Path(folder))
    slowdowns = [round(side["seconds"] / alone["seconds"], 2) for side in together]
    print(f"alone: {alone['seconds']} s; two at once: {', '.join(str(s['seconds']) for s in together)} s "
          f"(slowdowns {slowdowns}, target <= {TARGET})")
    return {
        "metric": "concurrent_solve_slowdown",
        "value": max(slowdowns),
        "target": TARGET,
        "met": max(slowdowns) <= TARGET,
        "problems": args.problems,
        "strategy": f"beam n {args.n}, shipped hrm_hnc, transformers",
        "alone": alone,
        "together": together,
        "slowdowns": slowdowns,
    }
