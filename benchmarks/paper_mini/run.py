"""The paper-mini run: per seed, pool -> scores -> search; then the cells, the slice and the reports.

Every piece is resumable (see ``pools.py``, ``search.py``); the reports are rebuilt
from what is on disk at the end of every call, so a resumed or extended run
reports exactly its folder. Models are loaded once per seed (the policy with that
seed, as ``hrmsearch bench`` loads it) and released before the next seed.
"""

from __future__ import annotations

import time

from hrmsearch.api import close_models, get_policy, get_scorer
from hrmsearch.benchmarks.paper_mini.cells import (
    best_of_n_cells,
    best_of_n_hits,
    paired_differences,
    pool_tokens,
    search_cell,
)
from hrmsearch.benchmarks.paper_mini.options import (
    TIMINGS_FILE,
    PaperMiniOptions,
    PaperMiniSettings,
    RewardSpec,
    open_folder,
    reward_specs,
    validate,
)
from hrmsearch.benchmarks.paper_mini.pools import build_pool, load_pool, load_scores, score_pool
from hrmsearch.benchmarks.paper_mini.report import (
    PLOT_FILE,
    SLICE_FILE,
    SUMMARY_FILE,
    TOKENS_PLOT_FILE,
    Results,
    header_lines,
    headline,
    plot_accuracy_vs_n,
    plot_accuracy_vs_tokens,
    summary_text,
)
from hrmsearch.benchmarks.paper_mini.search import load_search, run_search
from hrmsearch.benchmarks.paper_mini.self_correction import self_correction_slice, slice_markdown
from hrmsearch.benchmarks.paper_mini.timings import Timings
from hrmsearch.errors import HrmError
from hrmsearch.jsonl import write_atomic
from hrmsearch.records import Problem, Solution
from hrmsearch.tasks.registry import load_task


def has_search(options: PaperMiniOptions) -> bool:
    return bool(options.search_strategies and options.search_rewards and options.search_ns)


def run_seed(options: PaperMiniOptions, settings: PaperMiniSettings, seed: int, problems: list[Problem],
             specs: list[RewardSpec], timings: Timings) -> dict[str, int]:
    """Everything missing for one seed; models load on first need (a finished seed loads none)."""
    def policy():
        return get_policy(None, options.backend, seed)

    def scorer(spec: RewardSpec):
        return get_scorer(spec.model, spec.loader_config(options.aggregate))

    try:
        return {
            "pool problems": build_pool(options, settings.pool_size, seed, problems, policy, timings),
            "score records": score_pool(options, seed, problems, specs, scorer, timings),
            "search records": run_search(options, seed, timings)
            if has_search(options) and seed in options.search_seed_list else 0,
        }
    finally:
        close_models()  # the next seed starts a policy seeded with it


def seed_pools(options: PaperMiniOptions, problems: list[Problem]) -> list[list[Solution]]:
    pools = []
    for seed in options.seeds:
        by_id = load_pool(options.out, seed)
        missing = [p.id for p in problems if p.id not in by_id]
        if missing:
            raise HrmError(f"{options.out}/pools/seed{seed}.jsonl: no pool for problem {missing[0]!r}")
        pools.append([by_id[p.id] for p in problems])
    return pools


def collect(options: PaperMiniOptions, settings: PaperMiniSettings, problems: list[Problem], specs: list[RewardSpec],
            timings: Timings) -> Results:
    """The cells and the slice from the folder's files."""
    pools = seed_pools(options, problems)
    scores = {spec.label: [load_scores(options.out, seed, spec) for seed in options.seeds] for spec in specs}
    draws = (options.resamples, options.bootstrap_seed)
    hits = best_of_n_hits(problems, pools, scores, specs, options.ns)
    tokens = {n: pool_tokens(pools, settings.pool_size, n) for n in options.ns}
    search = {}
    if has_search(options):
        for reward in options.search_rewards:
            records = [load_search(options.out, reward, seed) for seed in options.search_seed_list]
            searched = problems[: options.search_problem_count]
            for strategy in options.search_strategies:
                ns = [1] if strategy == "greedy" else options.search_ns
                search[(strategy, reward)] = {n: search_cell(records, searched, strategy, n, *draws) for n in ns}
    return Results(
        options=options,
        settings=settings,
        problems=len(problems),
        specs=specs,
        best=best_of_n_cells(hits, tokens, *draws),
        search=search,
        slice=self_correction_slice(problems, pools, scores, *draws),
        timings=timings.totals(),
        differences=paired_differences(hits, specs, options.ns, *draws),
    )


def write_reports(results: Results) -> None:
    out = results.options.out
    labels = [spec.label for spec in results.specs]
    write_atomic(out / SUMMARY_FILE, summary_text(results))
    write_atomic(out / SLICE_FILE, slice_markdown(results.slice, labels, header_lines(results)))
    write_atomic(out / PLOT_FILE, plot_accuracy_vs_n(results))
    if results.search:
        write_atomic(out / TOKENS_PLOT_FILE, plot_accuracy_vs_tokens(results))


def run_paper_mini(options: PaperMiniOptions) -> dict:
    """Run (or resume) the whole experiment, write the reports, return the headline numbers."""
    started = time.perf_counter()
    validate(options)
    problems = load_task("arith:test", limit=options.problems)[0]
    if len(problems) < options.problems:
        raise HrmError(f"--problems {options.problems}: arith-test has only {len(problems)} problems")
    settings = open_folder(options)
    specs = reward_specs(options)
    timings = Timings(options.out / TIMINGS_FILE)
    new_work = {"pool problems": 0, "score records": 0, "search records": 0}
    for seed in sorted(set(options.seeds) | set(options.search_seed_list)):
        for key, count in run_seed(options, settings, seed, problems, specs, timings).items():
            new_work[key] += count
    results = collect(options, settings, problems, specs, timings)
    results.seconds = time.perf_counter() - started
    results.new_work = new_work
    write_reports(results)
    return headline(results)
