"""Print paper-mini's search table for bench folders laid out as its search block lays them out.

``OUT/search/{reward}/seed{S}`` holds one ``hrmsearch bench`` run folder per reward model
and seed (what ``hrmsearch paper-mini`` writes, or what the same bench calls write by
hand); several OUT folders are read as one (say, one strategy each). The cells are
paper-mini's own: accuracy with its 95% bootstrap interval over problems (seeds averaged
inside each resample), tokens and reward windows per problem, runs without an answer.
``--difference mcts:16-beam:16`` adds the paired difference of two cells per reward model
(same problems and seeds in every resample). Use it to rerun one strategy of the search
block without recomputing the best-of-N pools.

    python scripts/search_block_table.py runs/mcts runs/beam --strategies mcts,beam --rewards prm,hrm_hnc \
        --seeds 0,1,2 --n 4,16,64 --problems 300 --difference mcts:16-beam:16
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hrmsearch.benchmarks.paper_mini.bootstrap import bootstrap_interval
from hrmsearch.benchmarks.paper_mini.cells import search_cell, search_hits
from hrmsearch.benchmarks.paper_mini.report import search_table
from hrmsearch.benchmarks.paper_mini.search import DATASET, load_search
from hrmsearch.tasks.registry import load_task


def comma_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="+", help="folders holding search/{reward}/seed{S}")
    parser.add_argument("--strategies", default="step_greedy,beam,mcts")
    parser.add_argument("--rewards", default="prm,hrm_hnc")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--n", default="4,16,64")
    parser.add_argument("--problems", type=int, default=300, help="the first P problems of arith-test")
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--bootstrap-seed", type=int, default=0)
    parser.add_argument("--difference", action="append", default=[], metavar="A:N-B:M",
                        help="paired difference of two cells, e.g. mcts:16-beam:16 (repeatable)")
    args = parser.parse_args()
    problems = load_task(DATASET, None, args.problems)[0]
    ns = [int(n) for n in comma_list(args.n)]
    search, differences = {}, []
    for reward in comma_list(args.rewards):
        records = [merged_records(args.out, reward, int(seed)) for seed in comma_list(args.seeds)]
        for strategy in comma_list(args.strategies):
            search[(strategy, reward)] = {
                n: search_cell(records, problems, strategy, n, args.resamples, args.bootstrap_seed) for n in ns
            }
        for text in args.difference:
            (a, n_a), (b, n_b) = cell_names(text)
            table = search_hits(records, problems, a, n_a) - search_hits(records, problems, b, n_b)
            interval = bootstrap_interval(table, args.resamples, args.bootstrap_seed)
            differences.append(f"| {a} N={n_a} - {b} N={n_b} | {reward} | {interval.text()} |")
    print("\n".join(search_table(search)))
    if differences:
        print("\n| paired difference (points) | reward | mean [95% CI] |\n|---|---|---|")
        print("\n".join(differences))


def merged_records(folders: list[Path], reward: str, seed: int) -> dict:
    """One seed's records of ``reward`` from every folder (a later folder's record of the same key wins)."""
    merged: dict = {}
    for folder in folders:
        merged.update(load_search(folder, reward, seed))
    return merged


def cell_names(text: str) -> tuple[tuple[str, int], tuple[str, int]]:
    """``"mcts:16-beam:16"`` -> ``(("mcts", 16), ("beam", 16))``."""
    try:
        cells = [(name, int(n)) for name, n in (part.split(":") for part in text.split("-"))]
        (first, second) = cells
    except ValueError:
        raise SystemExit(f"--difference wants A:N-B:M, got {text!r}") from None
    return first, second


if __name__ == "__main__":
    main()
