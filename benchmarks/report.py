"""The benchmark report: ``summary.md`` and ``accuracy_vs_n.png`` from a run folder's records.

Both are written atomically (temporary file + rename), from the records of the
problems and (strategy, N) cells the run asked for, so a resumed or extended run
always reports exactly what is on disk.
"""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, Field

from hrmsearch.benchmarks.plan import RunSettings, record_ns
from hrmsearch.benchmarks.store import BenchRecord, RunFolder
from hrmsearch.jsonl import write_atomic
from hrmsearch.records import Problem
from hrmsearch.search.strategies import STRATEGIES

SUMMARY_FILE = "summary.md"
PLOT_FILE = "accuracy_vs_n.png"


class Cell(BaseModel):
    """Totals of one (strategy, N) cell of the sweep."""

    strategy: str
    n: int
    total: int = 0
    correct: int = 0
    no_answer: int = 0
    errors: int = 0
    tokens: int = 0
    reward_windows: int = 0
    unit_seconds: dict[tuple[int, int], float] = Field(
        default_factory=dict, description="(run n, chunk) -> elapsed s of the search call (unit) that ran it"
    )
    untimed: int = 0  # records without their unit's time (written by an older hrmsearch)
    estimated: bool = False

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def elapsed_seconds(self) -> float | None:
        """Elapsed time of the units that ran this cell, added up (None when some records lack it)."""
        return None if self.untimed or not self.unit_seconds else sum(self.unit_seconds.values())

    def add(self, record: BenchRecord) -> None:
        self.total += 1
        self.correct += int(record.correct)
        self.no_answer += int(record.verdict == "no_answer")
        self.errors += int(record.error is not None)
        self.tokens += record.cost.generated_tokens
        self.reward_windows += record.cost.reward_windows_scored
        if record.unit_seconds is None or record.chunk is None:
            self.untimed += 1
        else:  # every record of a unit carries its time: count each unit once (re-run on resume: the longest)
            key = (record.run_n, record.chunk)
            self.unit_seconds[key] = max(self.unit_seconds.get(key, 0.0), record.unit_seconds)
        self.estimated |= record.cost_estimated


def tabulate(records: list[BenchRecord], problems: list[Problem], strategies: list[str], ns: list[int]) -> list[Cell]:
    """One cell per asked (strategy, N), filled with the records of the asked problems."""
    wanted = {problem.id for problem in problems}
    cells = {(s, n): Cell(strategy=s, n=n) for s in strategies for n in record_ns(s, ns)}
    for record in records:
        cell = cells.get((record.strategy, record.n))
        if cell is not None and record.problem_id in wanted:
            cell.add(record)
    return list(cells.values())


def _row(cell: Cell) -> str:
    per = max(1, cell.total)
    mark = "*" if cell.estimated else ""
    elapsed = cell.elapsed_seconds
    timing = "- | -" if elapsed is None else f"{elapsed:.1f}{mark} | {cell.tokens / max(elapsed, 1e-9):.0f}{mark}"
    return (
        f"| {cell.strategy} | {cell.n} | {cell.accuracy:.3f} | {cell.correct}/{cell.total} | {cell.no_answer} "
        f"| {cell.errors} | {cell.tokens / per:.0f}{mark} | {cell.reward_windows / per:.1f}{mark} | {timing} |"
    )


def summary_text(cells: list[Cell], settings: RunSettings, problem_count: int) -> str:
    lines = [
        f"# Benchmark: {settings.dataset}",
        "",
        f"- problems: {problem_count}; grader: {settings.grader}; seed: {settings.seed}",
        f"- policy: {settings.policy or 'shipped tiny policy'} ({settings.backend}); "
        f"reward: {settings.reward or 'shipped hrm_hnc'} (combine {settings.combine}, aggregate {settings.aggregate})",
    ]
    if settings.options:
        lines.append(f"- strategy options: {settings.options}")
    lines += [
        "",
        "| strategy | N | accuracy | correct/total | no answer | errors | tokens/problem | reward windows/problem "
        "| elapsed s | tokens/s |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *(_row(cell) for cell in cells),
        "",
        "`*` subsampled from the run at the largest N: cost is that run's cost x N/max N (an estimate).",
        "Elapsed s: the time the units of the cell took (a unit is one search call over a chunk of problems,",
        "which run together), added over its chunks; model loading not included; with `--workers` K the chunks",
        "run in parallel, so this is worker time. Tokens/s: the cell's generated tokens over that time.",
        "",
        "What N means:",
        "",
        *(f"- `{strategy}`: {STRATEGIES[strategy].budget}" for strategy in dict.fromkeys(c.strategy for c in cells)),
        "",
    ]
    return "\n".join(lines)


def plot_png(cells: list[Cell], title: str) -> bytes:
    """Accuracy vs N, one line per strategy on a log2 N axis; a budget-free strategy is a flat dashed line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_strategy: dict[str, list[Cell]] = defaultdict(list)
    for cell in cells:
        if cell.total:
            by_strategy[cell.strategy].append(cell)
    all_ns = sorted({cell.n for cell in cells}) or [1]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for strategy, points in by_strategy.items():
        points.sort(key=lambda cell: cell.n)
        if len(points) == 1 and len(all_ns) > 1:
            axes.plot([all_ns[0], all_ns[-1]], [points[0].accuracy] * 2, linestyle="--", label=strategy)
            continue
        axes.plot([c.n for c in points], [c.accuracy for c in points], marker="o", label=strategy)
    axes.set_xscale("log", base=2)
    axes.set_xticks(all_ns, [str(n) for n in all_ns])
    axes.set_xlabel("N (budget; log2 scale)")
    axes.set_ylabel("accuracy")
    axes.set_ylim(-0.02, 1.02)
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def write_reports(
    folder: RunFolder, problems: list[Problem], strategies: list[str], ns: list[int], settings: RunSettings
) -> tuple[Path, Path]:
    """Write ``summary.md`` and ``accuracy_vs_n.png`` into the run folder, atomically."""
    cells = tabulate(list(folder.load().values()), problems, strategies, ns)
    summary_path = folder.folder / SUMMARY_FILE
    plot_path = folder.folder / PLOT_FILE
    write_atomic(summary_path, summary_text(cells, settings, len(problems)))
    write_atomic(plot_path, plot_png(cells, f"{settings.dataset}: accuracy vs N ({len(problems)} problems)"))
    return summary_path, plot_path
