"""Print paper-mini's search table for bench folders laid out as its search block lays them out.

``OUT/search/{reward}/seed{S}`` holds one ``hrmsearch bench`` run folder per reward model
and seed (what ``hrmsearch paper-mini`` writes, or what the same bench calls write by
hand). The cells are paper-mini's own: accuracy with its 95% bootstrap interval over
problems (seeds averaged inside each resample), tokens and reward windows per problem,
runs without an answer. Use it to rerun one strategy of the search block without
recomputing the best-of-N pools.

    python scripts/search_block_table.py runs/paper_mini --strategies mcts --rewards prm,hrm_hnc \
        --seeds 0,1,2 --n 4,16,64 --problems 300
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hrmsearch.benchmarks.paper_mini.cells import search_cell
from hrmsearch.benchmarks.paper_mini.report import search_table
from hrmsearch.benchmarks.paper_mini.search import DATASET, load_search
from hrmsearch.tasks.registry import load_task


def comma_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder holding search/{reward}/seed{S}")
    parser.add_argument("--strategies", default="step_greedy,beam,mcts")
    parser.add_argument("--rewards", default="prm,hrm_hnc")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--n", default="4,16,64")
    parser.add_argument("--problems", type=int, default=300, help="the first P problems of arith-test")
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--bootstrap-seed", type=int, default=0)
    args = parser.parse_args()
    problems = load_task(DATASET, None, args.problems)[0]
    ns = [int(n) for n in comma_list(args.n)]
    search = {}
    for reward in comma_list(args.rewards):
        records = [load_search(args.out, reward, int(seed)) for seed in comma_list(args.seeds)]
        for strategy in comma_list(args.strategies):
            search[(strategy, reward)] = {
                n: search_cell(records, problems, strategy, n, args.resamples, args.bootstrap_seed) for n in ns
            }
    print("\n".join(search_table(argparse.Namespace(search=search))))


if __name__ == "__main__":
    main()
