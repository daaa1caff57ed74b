"""The reports of a paper-mini folder: ``summary.md``, the two plots, and the headline JSON line.

Everything here reads the finished cells (``cells.py``) and the slice
(``self_correction.py``); files are written atomically by ``run.py``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from hrmsearch.benchmarks.paper_mini.bootstrap import Interval
from hrmsearch.benchmarks.paper_mini.cells import MAJORITY, PASS, RULES, Cell, row_label
from hrmsearch.benchmarks.paper_mini.options import PaperMiniOptions, PaperMiniSettings, RewardSpec
from hrmsearch.benchmarks.paper_mini.self_correction import SliceReport
from hrmsearch.search.strategies import STRATEGIES

SUMMARY_FILE = "summary.md"
SLICE_FILE = "self_correction.md"
PLOT_FILE = "accuracy_vs_n.png"
TOKENS_PLOT_FILE = "accuracy_vs_tokens.png"
LABEL_MEANING = {
    "orm": "outcome reward model (one window per solution)",
    "prm": "PRM, fine (one-step) windows",
    "hrm": "HRM, fine windows only (the paper's inference)",
    "hrm_hnc": "HRM trained with HNC, fine windows only (the paper's inference)",
}


@dataclass
class Results:
    """Everything the reports show."""

    options: PaperMiniOptions
    settings: PaperMiniSettings
    problems: int
    specs: list[RewardSpec]
    best: dict[str, dict[int, Cell]]
    search: dict[tuple[str, str], dict[int, Cell]]
    slice: SliceReport
    timings: dict[tuple[str, str], tuple[float, int]]
    differences: dict[str, dict[str, Interval]] = field(default_factory=dict)
    seconds: float = 0.0
    new_work: dict[str, int] = field(default_factory=dict)


def header_lines(results: Results) -> list[str]:
    """The run's identity: exact command, problems, seeds, models, sampling and statistics."""
    options = results.options
    models = sorted({spec.model for spec in results.specs} | set(options.search_rewards))
    return [
        f"- command: `{options.command}`" if options.command else "- command: (called from Python)",
        f"- problems: the first {results.problems} of `arith-test` (`hrmsearch.tasks.arith.split('test')`); "
        f"seeds: {', '.join(map(str, options.seeds))}",
        f"- search block: the first {options.search_problem_count} problems, seeds "
        f"{', '.join(map(str, options.search_seed_list))}",
        f"- policy: {results.settings.policy} (`hrmsearch/assets/policy`), backend `{options.backend}`; "
        f"temperature {options.temperature}",
        f"- reward models: shipped {', '.join(f'`{m}`' for m in models)} (`hrmsearch/assets/NAME`); "
        f"trajectory score = `{options.aggregate}` of node scores",
        f"- statistics: mean over seeds and problems; 95% bootstrap interval over problems "
        f"({options.resamples} resamples, generator seed {options.bootstrap_seed}; seeds averaged inside each resample)",
    ]


def _label_notes(specs: list[RewardSpec]) -> list[str]:
    notes = []
    for spec in specs:
        if spec.combine == "fine":
            notes.append(f"- `{spec.label}`: {LABEL_MEANING.get(spec.model, spec.model)}")
        else:
            notes.append(f"- `{spec.label}`: {spec.model} with hierarchical inference: node score = "
                         f"{spec.combine} of the fine and the coarse (two-step) window scores")
    return notes


def best_of_n_table(results: Results) -> list[str]:
    ns = results.options.ns
    rows = [MAJORITY, PASS] + [row_label(spec, rule) for spec in results.specs for rule in RULES]
    lines = [
        "| selection | " + " | ".join(f"N={n}" for n in ns) + " |",
        "|---|" + "---:|" * len(ns),
    ]
    for row in rows:
        cells = results.best.get(row, {})
        lines.append(f"| {row} | " + " | ".join(cells[n].interval.text() if n in cells else "" for n in ns) + " |")
    tokens = results.best.get(MAJORITY, {})
    lines.append("| tokens/problem (est.) | " + " | ".join(
        f"{tokens[n].tokens:.0f}" if n in tokens and tokens[n].tokens is not None else "" for n in ns) + " |")
    return lines


def search_table(search: dict[tuple[str, str], dict[int, Cell]]) -> list[str]:
    """The search block's rows, one per (strategy, reward model, N) cell."""
    lines = [
        "| strategy | reward | N | accuracy % [95% CI] | tokens/problem | reward windows/problem | no answer "
        "| errors | missing |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for (strategy, reward), by_n in search.items():
        for n, cell in sorted(by_n.items()):
            tokens = f"{cell.tokens:.0f}" if cell.tokens is not None else ""
            windows = f"{cell.reward_windows:.1f}" if cell.reward_windows is not None else ""
            lines.append(f"| {strategy} | {reward} | {n} | {cell.interval.text()} | {tokens} | {windows} "
                         f"| {cell.no_answer} | {cell.errors} | {cell.missing} |")
    return lines


def trend_lines(results: Results) -> list[str]:
    """The reward-hacking view per config: argmax at the smallest N, its peak, at the largest N, and the
    paired differences (intervals from the same resampled problems)."""
    ns = results.options.ns
    small, large = ns[0], ns[-1]
    lines = [
        f"| reward config | argmax N={small} | argmax peak (N) | argmax N={large} | argmax N={large} - N={small} "
        f"| argmax - majority at N={large} | weighted - majority at N={large} |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for spec in results.specs:
        cells = results.best.get(row_label(spec, "argmax"), {})
        deltas = results.differences.get(spec.label)
        if not cells or not deltas:
            continue
        peak = max(ns, key=lambda n: cells[n].interval.mean)
        lines.append(
            f"| {spec.label} | {100 * cells[small].interval.mean:.1f} | {100 * cells[peak].interval.mean:.1f} ({peak}) "
            f"| {100 * cells[large].interval.mean:.1f} | {deltas['argmax growth'].text()} "
            f"| {deltas['argmax - majority'].text()} | {deltas['weighted - majority'].text()} |"
        )
    majority, passing = results.best.get(MAJORITY, {}), results.best.get(PASS, {})
    if majority and passing:
        lines += ["", f"References at N={large}: majority {100 * majority[large].interval.mean:.1f}%, "
                  f"pass@N {100 * passing[large].interval.mean:.1f}%. Differences are in points, "
                  "mean [95% CI] over the same seeds and resampled problems; an interval below 0 in the "
                  f"N={large} - N={small} column is accuracy lost to larger N (reward hacking)."]
    return lines


def slice_lines(report: SliceReport, labels: list[str]) -> list[str]:
    lines = [
        f"{report.recovered} recovered-correct trajectories ({report.genuine} with a genuine correction) among "
        f"{report.candidates} candidates; "
        f"{report.units_in_slice} (seed, problem) units ({report.problems_in_slice} problems) hold both a "
        "recovered-correct and a wrong one.",
    ]
    for label in labels:
        pairs = report.results.get(label, {}).get("recovered > wrong")
        if pairs is not None and pairs.pairs:
            lines.append(f"- `{label}` ranks recovered-correct above wrong in {pairs.interval.text()}% of "
                         f"{pairs.pairs} pairs")
    return lines


def timing_lines(results: Results) -> list[str]:
    lines = ["| phase | what | problems (search: records) | seconds | seconds each |", "|---|---|---:|---:|---:|"]
    for (phase, label), (seconds, count) in sorted(results.timings.items()):
        lines.append(f"| {phase} | {label} | {count} | {seconds:.1f} | {seconds / max(1, count):.2f} |")
    total = sum(seconds for seconds, _ in results.timings.values())
    new = ", ".join(f"{key} {value}" for key, value in results.new_work.items())
    lines += ["", f"All runs that built this folder: {total:.0f} s of work. The last call took "
              f"{results.seconds:.0f} s and added: {new or 'nothing'}."]
    return lines


def summary_text(results: Results) -> str:
    options = results.options
    labels = [spec.label for spec in results.specs]
    lines = [
        "# paper-mini: the HRM paper's claims in miniature on `arith`",
        "",
        *header_lines(results),
        "",
        "## Best-of-N on one shared pool per seed",
        "",
        f"Per seed, ONE pool of {results.settings.pool_size} solutions per problem (self_consistency, "
        f"T={options.temperature}, that seed), every candidate scored once by each reward config; each "
        "row selects among the first N candidates, so the rows are paired. Accuracy in %, mean [95% CI].",
        "",
        *best_of_n_table(results),
        "",
        "- `majority`: majority vote, no reward model (the floor); `pass@N`: some candidate of the N is correct "
        "(the ceiling of any selection)",
        "- `argmax`: the best-scored candidate; `weighted`: reward-weighted vote over answers",
        *_label_notes(results.specs),
        "- tokens/problem: the pool's generated tokens x N / pool size (an estimate)",
        "",
    ]
    if results.search:
        lines += [
            "## Search (run live)",
            "",
            "Accuracy in %, mean [95% CI], with the generated tokens per problem each cell spent: compare a search "
            "cell with the best-of-N column of about the same tokens/problem. What N means:",
            "",
            *(f"- `{s}`: {STRATEGIES[s].budget}" for s in options.search_strategies),
            "- reward models score fine windows (the paper's inference), trajectory score "
            f"`{options.aggregate}`",
            "",
            *search_table(results.search),
            "",
            "no answer / errors / missing: records over all seeds and problems (a search that runs out of budget "
            "before any final step has no answer and counts as wrong).",
            "",
        ]
    lines += [
        "## Reward hacking: accuracy vs N (argmax)",
        "",
        f"![accuracy vs N]({PLOT_FILE})" + (f" ![accuracy vs tokens]({TOKENS_PLOT_FILE})" if results.search else ""),
        "",
        *trend_lines(results),
        "",
        f"## Self-correction slice ([{SLICE_FILE}]({SLICE_FILE}))",
        "",
        *slice_lines(results.slice, labels),
        "",
        "## Timings",
        "",
        *timing_lines(results),
        "",
    ]
    return "\n".join(lines)


def _figure(columns: int):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, columns, figsize=(6.5 * columns, 4.8), squeeze=False)
    return plt, figure, list(axes[0])


def _png(plt, figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _series(axes, xs: list[float], cells: list[Cell], dodge: float = 0.0, **style) -> None:
    """Means joined by a line, 95% intervals as error bars; ``dodge`` shifts x by 2**dodge so the
    bars of several series at one N stay apart on the log2 axis."""
    means = [cell.interval.mean for cell in cells]
    errors = [[cell.interval.mean - cell.interval.lo for cell in cells],
              [cell.interval.hi - cell.interval.mean for cell in cells]]
    axes.errorbar([x * 2**dodge for x in xs], means, yerr=errors, capsize=2.5, elinewidth=0.9, **style)


def _style_axes(axes, xlabel: str) -> None:
    axes.set_xscale("log", base=2)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("accuracy (mean over seeds; bars: 95% CI)")
    axes.set_ylim(-0.02, 1.02)
    axes.grid(True, alpha=0.3)


def _dodges(count: int, width: float = 0.3) -> list[float]:
    step = width / max(1, count - 1)
    return [index * step - width / 2 for index in range(count)] if count > 1 else [0.0]


def plot_accuracy_vs_n(results: Results) -> bytes:
    """Accuracy vs N per reward config (argmax left, weighted vote right), with majority and pass@N."""
    plt, figure, panels = _figure(2)
    ns = results.options.ns
    references = ((PASS, {"color": "0.5", "linestyle": ":", "marker": "."}),
                  (MAJORITY, {"color": "black", "linestyle": "--", "marker": "."}))
    for axes, rule in zip(panels, RULES, strict=True):
        series = [(reference, results.best.get(reference, {}), style) for reference, style in references]
        series += [(spec.label, results.best.get(row_label(spec, rule), {}), {"marker": "o", "markersize": 4})
                   for spec in results.specs]
        series = [item for item in series if item[1]]
        for (label, cells, style), dodge in zip(series, _dodges(len(series)), strict=True):
            _series(axes, ns, [cells[n] for n in ns], dodge, label=label, **style)
        _style_axes(axes, "N candidates per problem (log2 scale)")
        axes.set_xticks(ns, [str(n) for n in ns])
        axes.set_title(f"best-of-N: {'reward argmax' if rule == 'argmax' else 'reward-weighted vote'}")
    handles, labels = panels[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=min(8, len(labels)), bbox_to_anchor=(0.5, -0.08),
                  fontsize=9, frameon=False)
    figure.suptitle(f"arith-test, {results.problems} problems, seeds {','.join(map(str, results.options.seeds))}: "
                    "accuracy vs N (falling with N = reward hacking)")
    return _png(plt, figure)




def plot_accuracy_vs_tokens(results: Results) -> bytes:
    """Accuracy vs generated tokens per problem: each search (strategy, reward) over its N, and best-of-N."""
    plt, figure, (axes,) = _figure(1)
    ns = results.options.ns
    colors = {reward: f"C{index}" for index, reward in enumerate(results.options.search_rewards)}
    majority = results.best.get(MAJORITY, {})
    if majority:
        _series(axes, [majority[n].tokens for n in ns], [majority[n] for n in ns], label="best-of-N majority",
                color="black", linestyle="--", marker=".")
    for reward in results.options.search_rewards:
        cells = results.best.get(row_label(RewardSpec(model=reward), "weighted"), {})
        if cells:
            _series(axes, [cells[n].tokens for n in ns], [cells[n] for n in ns], -0.04,
                    label=f"best-of-N weighted vote ({reward})", color=colors[reward], linestyle=":", marker="o")
    dodges = dict(zip(results.search, _dodges(len(results.search), 0.2), strict=True))
    for (strategy, reward), by_n in results.search.items():
        points = [by_n[n] for n in sorted(by_n) if by_n[n].tokens]
        if points:
            _series(axes, [c.tokens for c in points], points, dodges[(strategy, reward)], label=f"{strategy} ({reward})",
                    color=colors.get(reward), marker=STRATEGIES[strategy].marker)
    _style_axes(axes, "generated tokens per problem (log2 scale)")
    axes.xaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{value:.0f}"))
    searched = results.options.search_problem_count
    axes.set_title(f"accuracy at matched token budgets (arith-test; best-of-N {results.problems} problems, "
                   f"search {searched})")
    axes.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return _png(plt, figure)


def headline(results: Results) -> dict:
    """The last JSON line: accuracies at the largest N, the search cells, the slice's win rates."""
    top = results.options.ns[-1]

    def at_top(row: str) -> float | None:
        cell = results.best.get(row, {}).get(top)
        return round(cell.interval.mean, 4) if cell else None

    slice_rates = {
        label: round(pairs.rate, 4)
        for label, by_name in results.slice.results.items()
        if (pairs := by_name.get("recovered > wrong")) is not None and pairs.rate is not None
    }
    return {
        "metric": "paper_mini",
        "out": str(results.options.out),
        "problems": results.problems,
        "seeds": results.options.seeds,
        "n": top,
        "majority": at_top(MAJORITY),
        "pass": at_top(PASS),
        "argmax": {spec.label: at_top(row_label(spec, "argmax")) for spec in results.specs},
        "weighted": {spec.label: at_top(row_label(spec, "weighted")) for spec in results.specs},
        "search": {
            f"{strategy}/{reward}/{n}": {"accuracy": round(cell.interval.mean, 4),
                                         "tokens": round(cell.tokens or 0.0, 1)}
            for (strategy, reward), by_n in results.search.items()
            for n, cell in sorted(by_n.items())
        },
        "recovered_vs_wrong": slice_rates,
        "slice_pairs_units": results.slice.units_in_slice,
        "seconds": round(results.seconds, 1),
        "new": results.new_work,
    }
