"""The best-of-N data: one candidate pool per seed, and each candidate's score under each reward config.

``pools/seed{S}.jsonl`` holds one ``self_consistency`` Solution per problem (``pool_size``
candidates sampled at the run's temperature with seed S). ``scores/seed{S}/{label}.jsonl``
holds one ``ScoreRecord`` per problem: every candidate's trajectory score under one
``RewardSpec`` (``SearchContext.score_trajectories`` on the batching scheduler). Both are
appended per problem as each chunk finishes; a rerun skips the problems already there.
Chunks are fixed slices of the problem list, so a run from scratch with the same
``--chunk`` batches the same problems together (the seeded sampling depends on the batch).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from itertools import groupby
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hrmsearch.benchmarks.candidates import candidate_pool, rescore
from hrmsearch.benchmarks.paper_mini.options import PaperMiniOptions, RewardSpec
from hrmsearch.benchmarks.paper_mini.timings import Timings
from hrmsearch.benchmarks.plan import chunks
from hrmsearch.config import PolicyConfig
from hrmsearch.engine.prompts import PromptBuilder
from hrmsearch.jsonl import JsonlStore, read_records
from hrmsearch.records import Problem, Solution


class ScoreRecord(BaseModel):
    """Every candidate's score (pool order) for one problem under one reward config."""

    model_config = ConfigDict(extra="forbid")

    problem_id: str
    pool: str = Field(description="digest of the scored candidates: a regenerated pool is scored again")
    scores: list[float | None]
    error: str | None = None


def pool_digest(solution: Solution) -> str:
    """A short fingerprint of a pool's candidates (their steps, in order)."""
    text = "\x1e".join("\x1f".join(candidate.steps) for candidate in solution.candidates)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def candidate_scores(solution: Solution, record: ScoreRecord | None) -> list[float | None]:
    """Each candidate's score from ``record``, or None for all when it is missing or from another pool."""
    if record is None or record.pool != pool_digest(solution) or len(record.scores) != len(solution.candidates):
        return [None] * len(solution.candidates)
    return list(record.scores)


def pool_path(out: Path, seed: int) -> Path:
    return out / "pools" / f"seed{seed}.jsonl"


def score_path(out: Path, seed: int, spec: RewardSpec) -> Path:
    return out / "scores" / f"seed{seed}" / f"{spec.label}.jsonl"


def _by_id(path: Path, record_type: type[BaseModel]) -> dict[str, Any]:
    JsonlStore(path, record_type).finished_ids()  # repairs a torn last line
    return {record.problem_id: record for record in read_records(path, record_type)} if path.exists() else {}


def load_pool(out: Path, seed: int) -> dict[str, Solution]:
    return _by_id(pool_path(out, seed), Solution)


def load_scores(out: Path, seed: int, spec: RewardSpec) -> dict[str, ScoreRecord]:
    return _by_id(score_path(out, seed, spec), ScoreRecord)


def _missing_chunks(problems: list[Problem], done: set[str], size: int) -> list[list[Problem]]:
    by_id = {problem.id: problem for problem in problems}
    missing = [[by_id[pid] for pid in ids if pid not in done] for ids in chunks(problems, size)]
    return [chunk for chunk in missing if chunk]


def build_pool(
    options: PaperMiniOptions, pool_size: int, seed: int, problems: list[Problem],
    policy: Callable[[], Any], timings: Timings,
) -> int:
    """Sample the missing problems' pools for ``seed``; returns how many problems were sampled."""
    store = JsonlStore(pool_path(options.out, seed), Solution)
    written = 0
    for chunk in _missing_chunks(problems, store.finished_ids(), options.chunk):
        loaded = policy()  # loads on first need, outside the timed work
        started = time.perf_counter()
        for solution in candidate_pool(chunk, loaded, pool_size, seed, options.temperature, options.progress):
            store.append(solution)
        timings.add("pool", seed, "self_consistency", len(chunk), time.perf_counter() - started)
        written += len(chunk)
    return written


def score_record(scored: Solution, pool: Solution) -> ScoreRecord:
    return ScoreRecord(
        problem_id=scored.problem_id, pool=pool_digest(pool), scores=[c.score for c in scored.candidates],
        error=scored.error,
    )


def scored_ids(out: Path, seed: int, spec: RewardSpec, pool: dict[str, Solution]) -> set[str]:
    """Problems whose score record for ``spec`` matches the current pool (the last record of an id wins)."""
    return {pid for pid, record in load_scores(out, seed, spec).items() if pid in pool
            and record.pool == pool_digest(pool[pid])}


def score_pool(
    options: PaperMiniOptions, seed: int, problems: list[Problem], specs: list[RewardSpec],
    scorer: Callable[[RewardSpec], Any], timings: Timings,
) -> int:
    """Score the missing (problem, config) pairs of ``seed``'s pool, model by model; returns records written.

    All configs of one model share its loaded scorer and window cache, so ``hrm_hnc`` at
    ``mean`` and ``min`` scores only the coarse windows that ``fine`` did not.
    """
    pool = load_pool(options.out, seed)
    prompts = PromptBuilder(PolicyConfig().delimiter)  # scoring needs the step delimiter, not the policy
    written = 0
    for _, group in groupby(specs, key=lambda spec: spec.model):
        group = list(group)
        stores = {spec: JsonlStore(score_path(options.out, seed, spec), ScoreRecord) for spec in group}
        done = {spec: scored_ids(options.out, seed, spec, pool) for spec in group}
        complete = set.intersection(*done.values())
        for chunk in _missing_chunks([p for p in problems if p.id in pool], complete, options.chunk):
            loaded = scorer(group[0])
            for spec in group:
                todo = [problem for problem in chunk if problem.id not in done[spec]]
                if not todo:
                    continue
                started = time.perf_counter()
                scored = rescore([pool[p.id] for p in todo], todo, prompts, loaded, spec.config(options.aggregate))
                for solution, problem in zip(scored, todo, strict=True):
                    stores[spec].append(score_record(solution, pool[problem.id]))
                timings.add("score", seed, spec.label, len(todo), time.perf_counter() - started)
                written += len(todo)
            if hasattr(loaded, "clear_cache"):
                loaded.clear_cache()  # the windows of one chunk are never asked for again
    return written
