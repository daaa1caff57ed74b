"""The benchmark harness: ``hrmsearch bench`` sweeps strategies x N over a dataset.

``run_bench(options)`` loads the problems, opens (or resumes) the run folder, solves
every unit not yet recorded (in process, or on ``workers`` Ray actors), grades and
appends the records as units finish, and ends with ``summary.md`` and
``accuracy_vs_n.png`` (see ``report.py``). What N means per strategy, and which
strategies are run once at the largest N, is in ``plan.py``. ``dry_run`` prints the
plan without loading any model.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from tqdm import tqdm

from hrmsearch.benchmarks.graded import graded_records
from hrmsearch.benchmarks.plan import RunSettings, Unit, check_strategies, describe_plan, make_units
from hrmsearch.benchmarks.report import write_reports
from hrmsearch.benchmarks.store import BenchRecord, RecordKey, RunFolder
from hrmsearch.benchmarks.workers import ModelSpec, UnitSolver, solve_in_process, solve_with_ray
from hrmsearch.config import RewardConfig, parse_config
from hrmsearch.errors import HrmError
from hrmsearch.records import Problem, Solution
from hrmsearch.tasks.registry import load_task, task_of

NO_REWARD = "none"


class BenchOptions(BaseModel):
    """Everything one ``hrmsearch bench`` call asks for."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    dataset: str
    data: str | None = Field(None, description="JSONL file for math500/gsm8k/prm800k; default: shared data")
    data_dir: str | None = Field(None, description="data folder of the named datasets (see hrmsearch.tasks.registry)")
    strategies: list[str]
    ns: list[int] = Field(min_length=1)
    out: Path
    limit: int | None = Field(None, ge=0)
    seed: int = 0
    workers: int = Field(1, ge=1)
    grader: str | None = None
    policy: Any = None
    backend: str = "auto"
    reward: Any = None
    reward_format: str = "auto"
    reward_backend: str = "transformers"
    reward_urls: list[str] = Field(default_factory=list, description="vLLM pooling servers of the reward model")
    reward_server_model: str | None = None
    combine: str = RewardConfig().combine
    aggregate: str = RewardConfig().aggregate
    chunk_size: int = Field(32, ge=1, description="problems per unit (one scheduler call)")
    options: dict[str, Any] = Field(default_factory=dict, description="strategy config values (--set)")
    progress: bool = True


class BenchResult(BaseModel):
    records: int
    written: int
    summary: Path
    plot: Path


def bench_problems(options: BenchOptions) -> list[Problem]:
    """The dataset's problems; named datasets without ``data`` read the data folder."""
    return load_task(options.dataset, options.data, options.limit, data_dir=options.data_dir)[0]


def default_grader(options: BenchOptions) -> str:
    return options.grader or task_of(options.dataset).grader


def _label(model: Any) -> str | None:
    if model is None or isinstance(model, str):
        return model
    return getattr(model, "name", type(model).__name__)


def run_settings(options: BenchOptions) -> RunSettings:
    return RunSettings(
        dataset=options.dataset,
        grader=default_grader(options),
        policy=_label(options.policy),
        backend=options.backend,
        reward=_label(options.reward),
        combine=options.combine,
        aggregate=options.aggregate,
        seed=options.seed,
        options=options.options,
    )


def validate(options: BenchOptions) -> None:
    from hrmsearch.search.strategies import STRATEGIES

    check_strategies(options.strategies, options.reward != NO_REWARD)
    known = {name for strategy in options.strategies for name in STRATEGIES[strategy].config.model_fields}
    unknown = sorted(set(options.options) - known)
    if unknown:
        raise HrmError(f"--set {unknown[0]}: no chosen strategy has that setting")


def dry_run(options: BenchOptions) -> str:
    """The plan as text; loads problems and nothing else."""
    validate(options)
    problems = bench_problems(options)
    max_steps = int(options.options.get("max_steps", 12))
    return describe_plan(problems, options.strategies, options.ns, max_steps, run_settings(options))


def model_spec(options: BenchOptions) -> ModelSpec:
    from hrmsearch.search.strategies import STRATEGIES

    reward_name = options.reward if isinstance(options.reward, str) else None
    settings = {"combine": options.combine, "aggregate": options.aggregate, "format": options.reward_format,
                "backend": options.reward_backend, "urls": options.reward_urls,
                "server_model": options.reward_server_model}
    reward_config = parse_config(
        RewardConfig, model=reward_name if reward_name != NO_REWARD else None, **settings
    )
    use_reward = options.reward != NO_REWARD and any(STRATEGIES[s].needs_reward for s in options.strategies)
    return ModelSpec(
        policy=options.policy,
        backend=options.backend,
        reward=None if isinstance(options.reward, str) or options.reward is None else options.reward,
        reward_config=reward_config,
        use_reward=use_reward,
        seed=options.seed,
    )


def pending_units(units: list[Unit], done: dict[RecordKey, BenchRecord]) -> list[Unit]:
    """Units with at least one (problem, strategy, N) key not yet recorded."""
    return [
        unit
        for unit in units
        if any((pid, unit.strategy, n) not in done for pid in unit.problem_ids for n in unit.record_ns)
    ]


def _solutions(
    units: list[Unit], problems: dict[str, Problem], options: BenchOptions, settings: RunSettings
) -> Iterator[tuple[Unit, list[Solution]]]:
    spec = model_spec(options)
    if options.workers > 1:
        return solve_with_ray(units, problems, spec, settings, options.workers)
    return solve_in_process(units, problems, UnitSolver(spec, settings))


def _select_rule(options: BenchOptions) -> str:
    from hrmsearch.search.strategies.best_of_n import BestOfNConfig

    return options.options.get("select", BestOfNConfig.model_fields["select"].default)


class Progress:
    """A tqdm bar over problem runs, with the running accuracy of the records written."""

    def __init__(self, units: list[Unit], pending: list[Unit], done: dict, enabled: bool):
        total = sum(len(unit.problem_ids) for unit in units)
        finished = total - sum(len(unit.problem_ids) for unit in pending)
        self.correct = sum(record.correct for record in done.values())
        self.count = len(done)
        self.bar = tqdm(total=total, initial=finished, desc="bench", unit="problem", disable=not enabled)

    def update(self, unit: Unit, records: list[BenchRecord]) -> None:
        self.correct += sum(record.correct for record in records)
        self.count += len(records)
        self.bar.set_description(f"bench {unit.strategy} n={unit.run_n}")
        self.bar.set_postfix(acc=f"{self.correct / max(1, self.count):.3f}", records=self.count)
        self.bar.update(len(unit.problem_ids))

    def close(self) -> None:
        self.bar.close()


def run_bench(options: BenchOptions) -> BenchResult:
    """Solve, grade and record every missing (problem, strategy, N); then write the reports."""
    validate(options)
    problems = bench_problems(options)
    settings = run_settings(options)
    folder = RunFolder(options.out)
    done = folder.open(settings)
    units = make_units(options.strategies, options.ns, problems, options.chunk_size)
    pending = pending_units(units, done)
    by_id = {problem.id: problem for problem in problems}
    progress = Progress(units, pending, done, options.progress)
    written = 0
    try:
        for unit, solutions in (_solutions(pending, by_id, options, settings) if pending else []):
            records = graded_records(unit, solutions, by_id, settings.grader, _select_rule(options), set(done))
            folder.append(records)
            done.update((record.key, record) for record in records)
            written += len(records)
            progress.update(unit, records)
    finally:
        progress.close()
    summary, plot = write_reports(folder, problems, options.strategies, options.ns, settings)
    return BenchResult(records=len(done), written=written, summary=summary, plot=plot)
