"""The search block: step_greedy / beam / MCTS run live, through the ``hrmsearch bench`` harness.

One bench run folder per (reward model, seed) under ``search/{reward}/seed{S}``: the
harness solves, grades and appends a ``BenchRecord`` (with its cost block: generated
tokens, reward windows, wall seconds) per (problem, strategy, N), resumes by key, and
refuses a folder made with other settings. What N means per strategy is the
harness's (``benchmarks/plan.py``): step_greedy samples N next steps per step, beam
expands width x 4 = N candidates per round, MCTS runs N simulations. Accuracy is
therefore compared at the generated tokens each cell actually spent.
"""

from __future__ import annotations

import time
from pathlib import Path

from hrmsearch.benchmarks.harness import BenchOptions, run_bench
from hrmsearch.benchmarks.paper_mini.options import PaperMiniOptions
from hrmsearch.benchmarks.paper_mini.timings import Timings
from hrmsearch.benchmarks.store import BenchRecord, RecordKey, RunFolder

DATASET = "arith:test"


def search_folder(out: Path, reward: str, seed: int) -> Path:
    return out / "search" / reward / f"seed{seed}"


def bench_options(options: PaperMiniOptions, reward: str, seed: int) -> BenchOptions:
    """The ``hrmsearch bench`` call of one (reward, seed): the paper's fine scoring, the run's aggregate
    and temperature, and the shipped policy loaded exactly as the pools load it (one load per seed)."""
    return BenchOptions(
        dataset=DATASET,
        strategies=options.search_strategies,
        ns=options.search_ns,
        out=search_folder(options.out, reward, seed),
        limit=options.search_problem_count,
        seed=seed,
        backend=options.backend,
        reward=reward,
        combine="fine",
        aggregate=options.aggregate,
        chunk_size=options.chunk,
        options={"temperature": options.temperature},
        progress=options.progress,
    )


def run_search(options: PaperMiniOptions, seed: int, timings: Timings) -> int:
    """Every missing search record of ``seed``; returns how many were written."""
    written = 0
    for reward in options.search_rewards:
        started = time.perf_counter()
        result = run_bench(bench_options(options, reward, seed))
        if result.written:
            timings.add("search", seed, reward, result.written, time.perf_counter() - started)
        written += result.written
    return written


def load_search(out: Path, reward: str, seed: int) -> dict[RecordKey, BenchRecord]:
    folder = RunFolder(search_folder(out, reward, seed))
    return folder.load() if folder.records_path.exists() else {}
