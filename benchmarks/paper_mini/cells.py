"""Cells of the two tables: per (selection, N) or (strategy, reward, N), a 0/1 outcome per seed and problem.

Best-of-N rows, on the first N candidates of each seed's pool:

- ``majority``: majority vote, no reward model (the floor);
- ``pass@N``: any of the N correct (the ceiling of every selection rule);
- ``{label} argmax`` and ``{label} weighted`` for each reward config: the best-scored
  candidate, and the reward-weighted vote (``search/voting.py``).

Search rows come from the bench records, with the mean generated tokens per problem
(the cost that makes strategies comparable at matched budgets).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from hrmsearch.benchmarks.candidates import pass_hits, selection_hits
from hrmsearch.benchmarks.paper_mini.bootstrap import Interval, bootstrap_interval
from hrmsearch.benchmarks.paper_mini.options import RewardSpec
from hrmsearch.benchmarks.paper_mini.pools import ScoreRecord, candidate_scores
from hrmsearch.benchmarks.store import BenchRecord, RecordKey
from hrmsearch.records import Problem, Solution
from hrmsearch.search.voting import argmax, majority, weighted_majority

MAJORITY = "majority"
PASS = "pass@N"
RULES = {"argmax": argmax, "weighted": weighted_majority}


class Cell(BaseModel):
    """One table cell: its interval and, where known, the mean generated tokens per problem."""

    interval: Interval
    tokens: float | None = None
    estimated_tokens: bool = False
    missing: int = 0
    errors: int = 0
    no_answer: int = 0
    reward_windows: float | None = None


def row_label(spec: RewardSpec, rule: str) -> str:
    return f"{spec.label} {rule}"


def with_scores(solution: Solution, record: ScoreRecord | None) -> Solution:
    """The pool solution with each candidate's score from ``record`` (None when it was not scored)."""
    scores = candidate_scores(solution, record)
    candidates = [
        candidate.model_copy(update={"score": score})
        for candidate, score in zip(solution.candidates, scores, strict=True)
    ]
    return solution.model_copy(update={"candidates": candidates})


def pool_tokens(pools: list[list[Solution]], pool_size: int, n: int) -> float:
    """Generated tokens per problem of N samples: the pool's tokens x N / pool size (an estimate)."""
    counts = [solution.cost.generated_tokens for pool in pools for solution in pool]
    return float(np.mean(counts)) * n / pool_size if counts else 0.0


def best_of_n_hits(
    problems: list[Problem],
    pools: list[list[Solution]],
    scores: dict[str, list[dict[str, ScoreRecord]]],
    specs: list[RewardSpec],
    ns: list[int],
) -> dict[str, dict[int, np.ndarray]]:
    """``row -> N -> (seeds, problems)`` 0/1 outcomes. ``pools[s]`` is seed s's Solutions in problem
    order; ``scores[label][s]`` its score records by problem id."""
    rows: dict[str, dict[int, list[list[bool]]]] = {MAJORITY: {}, PASS: {}}
    rows.update({row_label(spec, rule): {} for spec in specs for rule in RULES})
    for seed_index, pool in enumerate(pools):
        for n in ns:
            rows[MAJORITY].setdefault(n, []).append(selection_hits(pool, problems, majority, n))
            rows[PASS].setdefault(n, []).append(pass_hits(pool, problems, n))
        for spec in specs:
            records = scores[spec.label][seed_index]
            scored = [with_scores(solution, records.get(solution.problem_id)) for solution in pool]
            for rule, pick in RULES.items():
                for n in ns:
                    rows[row_label(spec, rule)].setdefault(n, []).append(selection_hits(scored, problems, pick, n))
    return {row: {n: np.array(per_seed, dtype=np.float64) for n, per_seed in by_n.items()} for row, by_n in rows.items()}


def best_of_n_cells(
    hits: dict[str, dict[int, np.ndarray]], tokens: dict[int, float], resamples: int, seed: int
) -> dict[str, dict[int, Cell]]:
    return {
        row: {
            n: Cell(interval=bootstrap_interval(values, resamples, seed), tokens=tokens.get(n), estimated_tokens=True)
            for n, values in by_n.items()
        }
        for row, by_n in hits.items()
    }


def search_hits(
    records: list[dict[RecordKey, BenchRecord]], problems: list[Problem], strategy: str, n: int
) -> np.ndarray:
    """(seeds, problems) table of 1.0 where that seed's (strategy, N) record is correct; missing counts as 0."""
    table = np.zeros((len(records), len(problems)))
    for seed_index, by_key in enumerate(records):
        for problem_index, problem in enumerate(problems):
            record = by_key.get((problem.id, strategy, n))
            table[seed_index, problem_index] = float(record.correct) if record is not None else 0.0
    return table


def search_cell(
    records: list[dict[RecordKey, BenchRecord]], problems: list[Problem], strategy: str, n: int,
    resamples: int, seed: int,
) -> Cell:
    """One (strategy, reward, N) cell from each seed's bench records; a missing record counts as wrong."""
    table = search_hits(records, problems, strategy, n)
    tokens, windows, missing, errors, no_answer = [], [], 0, 0, 0
    for by_key in records:
        for problem in problems:
            record = by_key.get((problem.id, strategy, n))
            if record is None:
                missing += 1
                continue
            tokens.append(record.cost.generated_tokens)
            windows.append(record.cost.reward_windows_scored)
            errors += int(record.error is not None)
            no_answer += int(record.verdict == "no_answer")
    return Cell(
        interval=bootstrap_interval(table, resamples, seed),
        tokens=float(np.mean(tokens)) if tokens else None,
        reward_windows=float(np.mean(windows)) if windows else None,
        missing=missing,
        errors=errors,
        no_answer=no_answer,
    )


def paired_differences(
    hits: dict[str, dict[int, np.ndarray]], specs: list[RewardSpec], ns: list[int], resamples: int, seed: int
) -> dict[str, dict[str, Interval]]:
    """Per reward config, paired differences (same seeds and problems, so the intervals are tight):
    argmax at the largest N minus at the smallest (the reward-hacking test), and argmax / weighted
    vote minus majority at the largest N (does the reward model beat no reward model?)."""
    small, large = ns[0], ns[-1]
    floor = hits[MAJORITY][large]
    result = {}
    for spec in specs:
        picked = hits[row_label(spec, "argmax")]
        result[spec.label] = {
            "argmax growth": bootstrap_interval(picked[large] - picked[small], resamples, seed),
            "argmax - majority": bootstrap_interval(picked[large] - floor, resamples, seed),
            "weighted - majority": bootstrap_interval(hits[row_label(spec, "weighted")][large] - floor, resamples, seed),
        }
    return result
