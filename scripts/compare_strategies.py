"""Paired comparison of two strategies in one bench run folder: accuracy, tokens, and the difference.

For every budget N that both strategies ran, prints a markdown table row: each one's
accuracy % with its 95% bootstrap interval over problems, generated tokens per problem,
runs without an answer, and the paired difference (A - B) with its interval (the same
problems drawn for both).

    python scripts/compare_strategies.py runs/arith_test mcts beam
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from hrmsearch.benchmarks.paper_mini.bootstrap import bootstrap_interval


def records_by_cell(folder: Path) -> dict[tuple[str, int], dict[str, dict]]:
    """(strategy, n) -> problem id -> record, from the run's records.jsonl."""
    cells: dict[tuple[str, int], dict[str, dict]] = {}
    for line in (folder / "records.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        cells.setdefault((record["strategy"], record["n"]), {})[record["problem_id"]] = record
    return cells


def row(a: dict[str, dict], b: dict[str, dict], n: int) -> str:
    shared = sorted(set(a) & set(b))
    correct_a = np.array([a[p]["correct"] for p in shared], dtype=float)
    correct_b = np.array([b[p]["correct"] for p in shared], dtype=float)
    tokens = [np.mean([cell[p]["cost"]["generated_tokens"] for p in shared]) for cell in (a, b)]
    no_answer = [sum(cell[p]["answer"] is None for p in shared) for cell in (a, b)]
    return (f"| {n} | {len(shared)} | {bootstrap_interval(correct_a).text()} | {tokens[0]:.0f} | {no_answer[0]} | "
            f"{bootstrap_interval(correct_b).text()} | {tokens[1]:.0f} | {no_answer[1]} | "
            f"{bootstrap_interval(correct_a - correct_b).text()} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("a")
    parser.add_argument("b")
    args = parser.parse_args()
    cells = records_by_cell(args.folder)
    a, b = args.a, args.b
    print(f"| N | problems | {a} accuracy % [95% CI] | {a} tokens/problem | {a} no answer | "
          f"{b} accuracy % [95% CI] | {b} tokens/problem | {b} no answer | {a} - {b} (points) [95% CI] |")
    print("|---:|---:|---|---:|---:|---|---:|---:|---|")
    for n in sorted({n for strategy, n in cells if strategy == a} & {n for strategy, n in cells if strategy == b}):
        print(row(cells[(a, n)], cells[(b, n)], n))


if __name__ == "__main__":
    main()
