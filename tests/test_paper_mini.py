"""``hrmsearch paper-mini``: bootstrap intervals, the self-correction pairing, resume, and one tiny real run."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from hrmsearch.benchmarks.candidates import is_correct
from hrmsearch.benchmarks.paper_mini.bootstrap import bootstrap_interval, bootstrap_ratio
from hrmsearch.benchmarks.paper_mini.pools import ScoreRecord, pool_digest
from hrmsearch.benchmarks.paper_mini.self_correction import (
    genuine_correction,
    self_correction_slice,
    slice_markdown,
)
from hrmsearch.cli import main
from hrmsearch.records import Problem, Solution, Trajectory
from hrmsearch.tasks import arith

# --- bootstrap -------------------------------------------------------------------------------


def binomial_quantile(n: int, p: float, q: float) -> int:
    """Smallest k with P(Binomial(n, p) <= k) >= q."""
    total = 0.0
    for k in range(n + 1):
        total += math.comb(n, k) * p**k * (1 - p) ** (n - k)
        if total >= q:
            return k
    return n


def test_bootstrap_matches_the_exact_resampling_distribution():
    # 20 problems, half right: a resample's mean is Binomial(20, 1/2) / 20
    values = [1] * 10 + [0] * 10
    interval = bootstrap_interval(values, resamples=4000, seed=1)
    assert interval.mean == 0.5 and interval.per_seed == [0.5]
    assert interval.lo == pytest.approx(binomial_quantile(20, 0.5, 0.025) / 20, abs=0.05 + 1e-9)
    assert interval.hi == pytest.approx(binomial_quantile(20, 0.5, 0.975) / 20, abs=0.05 + 1e-9)
    assert interval.lo < interval.mean < interval.hi
    assert bootstrap_interval(values, resamples=4000, seed=1) == interval  # a fixed generator seed


def test_bootstrap_averages_seeds_inside_each_resample_on_the_same_problems():
    # two seeds that disagree on every problem but agree on average: a paired resample has no spread
    interval = bootstrap_interval([[1, 0, 1, 0], [0, 1, 0, 1]], resamples=500, seed=0)
    assert (interval.mean, interval.lo, interval.hi) == (0.5, 0.5, 0.5)
    assert interval.per_seed == [0.5, 0.5]
    # the same outcomes as one seed: resampling problems now moves the mean
    single = bootstrap_interval([1, 0, 1, 0, 0, 1, 0, 1], resamples=500, seed=0)
    assert single.lo < 0.5 < single.hi
    # paired differences: all-equal cells give exactly 0
    same = np.array([[1, 0, 1]])
    assert bootstrap_interval(same - same).text() == "0.0 [0.0, 0.0]"


def test_bootstrap_ratio_pools_pairs_over_units():
    # unit A: 3 wins of 3 pairs; unit B: 0 of 1 -> 3/4 over pairs, not the mean of unit rates (1/2)
    interval = bootstrap_ratio([3, 0], [3, 1], resamples=1000, seed=0)
    assert interval.mean == pytest.approx(0.75)
    assert interval.lo == 0.0 and interval.hi == 1.0  # resamples of only B, or only A
    assert bootstrap_ratio([0], [0]).mean == 0.0


# --- self-correction pairing -----------------------------------------------------------------


def traj(answer: str | None, *steps: str) -> Trajectory:
    return Trajectory(steps=list(steps) or ["1 + 1 = 2"], answer=answer, finished=answer is not None)


def pool_solution(problem: Problem, candidates: list[Trajectory]) -> Solution:
    return Solution(problem_id=problem.id, question=problem.question, strategy="self_consistency",
                    candidates=candidates)


def scored(solution: Solution, scores: list[float]) -> ScoreRecord:
    return ScoreRecord(problem_id=solution.problem_id, pool=pool_digest(solution), scores=scores)


def test_self_correction_pairs_recovered_correct_against_wrong():
    p1 = Problem(id="p1", question="Mia has 4 apples. She finds 6 more apples. How many?", answer="10")
    p2 = Problem(id="p2", question="Tom has 9 cards. He loses 4 cards. How many?", answer="5")
    recovered = traj("10", "4 + 6 = 11", "Wait, 4 + 6 = 10, not 11.", "The answer is \\boxed{10}.")
    clean = traj("10", "4 + 6 = 10", "The answer is \\boxed{10}.")
    wrong = traj("11", "4 + 6 = 11", "The answer is \\boxed{11}.")
    corrected_wrong = traj("12", "4 + 6 = 11", "Wait, 4 + 6 = 12, not 11.", "The answer is \\boxed{12}.")
    no_answer = traj(None, "4 + 6 = 10")
    seed0 = [pool_solution(p1, [recovered, clean, wrong, corrected_wrong, no_answer]),
             pool_solution(p2, [traj("5"), traj("6")])]  # p2: no recovered trajectory, not in the slice
    seed1 = [pool_solution(p1, [recovered, wrong]), pool_solution(p2, [traj("5")])]
    scores = {
        # seed 0, p1: recovered 0.9 beats wrong 0.5, loses to corrected-wrong 0.95; seed 1: beats 0.2
        "a": [{"p1": scored(seed0[0], [0.9, 0.8, 0.5, 0.95, 0.99]), "p2": scored(seed0[1], [0.1, 0.2])},
              {"p1": scored(seed1[0], [0.9, 0.2])}],
        # a tie, a loss and a record from another pool (its scores must be ignored)
        "b": [{"p1": scored(seed0[0], [0.5, 0.9, 0.5, 0.1, 0.0])},
              {"p1": scored(seed0[1], [0.1, 0.2])}],
    }
    report = self_correction_slice([p1, p2], [seed0, seed1], scores, resamples=200)
    assert (report.units, report.candidates, report.with_correction) == (4, 10, 3)
    assert (report.recovered, report.genuine, report.corrected_wrong) == (2, 2, 1)
    assert (report.units_with_recovered, report.units_in_slice, report.problems_in_slice) == (2, 2, 1)
    a = report.results["a"]["recovered > wrong"]
    assert (a.pairs, a.wins, a.ties, a.losses) == (3, 2, 0, 1) and a.rate == pytest.approx(2 / 3)
    b = report.results["b"]["recovered > wrong"]
    assert (b.pairs, b.wins, b.ties) == (2, 1, 1) and b.rate == pytest.approx(0.75)
    assert report.results["a"]["genuine > wrong"] == a
    assert report.results["a"]["clean > wrong"].rate == pytest.approx(0.5)  # 0.8 vs 0.5 and 0.95
    assert report.results["a"]["recovered > clean"].rate == 1.0
    assert report.example == recovered.steps
    text = slice_markdown(report, ["a", "b"], ["- header"])
    assert "| a | " in text and "(2/0/3)" in text and "| recovered-correct | 2 |" in text


@pytest.mark.parametrize(
    "steps, genuine",
    [
        (["4 + 6 = 11", "Wait, 4 + 6 = 10, not 11."], True),
        (["46 * 3 = 138", "Wait, 46 * 3 = 138, not 138."], False),  # "corrects" a right step
        (["155 / 5 = 31", "Wait, 155 / 5 = 33, not 31."], False),  # writes a wrong value
        (["9 - 2 = 6", "Wait, 9 - 2 = 7, not 8."], False),  # not the slip before it
        (["3 * 8 = 26", "5 + 1 = 6", "Wait, 3 * 8 = 24, not 26."], False),  # not right after the slip
    ],
)
def test_genuine_corrections_fix_the_slip_just_before(steps, genuine):
    assert genuine_correction(steps) is genuine


def test_self_correction_reports_an_empty_slice():
    problem = Problem(id="p", question="Ava has 2 coins. She gets 3 more coins. How many?", answer="5")
    report = self_correction_slice([problem], [[pool_solution(problem, [traj("5"), traj("4")])]], {"a": [{}]})
    assert report.units_in_slice == 0 and report.results["a"]["recovered > wrong"].rate is None
    assert "no slice to compare on" in slice_markdown(report, ["a"], [])


# --- a tiny real run, and resume --------------------------------------------------------------

RUN_ARGS = ["--problems", "2", "--seeds", "0", "--n", "1,2", "--search-strategies", "step_greedy",
            "--search-n", "2", "--search-rewards", "hrm_hnc", "--backend", "transformers",
            "--resamples", "200", "--no-progress"]
LABELS = ["orm", "prm", "hrm", "hrm_hnc", "hrm_hnc+mean", "hrm_hnc+min"]


def run_cli(out: Path, *extra: str) -> tuple[int, dict, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["paper-mini", "--out", str(out), *RUN_ARGS, *extra])
    text = buffer.getvalue()
    return code, json.loads(text.strip().splitlines()[-1]), text


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("paper_mini") / "arith"
    code, result, _ = run_cli(out)
    assert code == 0
    return out, result


def read_lines_of(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines() if line.strip()]


def read_lines(path: Path) -> list[dict]:
    return read_lines_of(path.read_bytes())


def table_column(summary: str, header: str, column: int) -> dict[str, str]:
    """``row label -> cell`` of one column of the markdown table that starts with ``header``."""
    lines = summary[summary.index(header):].splitlines()
    rows = {}
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = cells[column]
    return rows


def test_tiny_run_writes_every_file_and_consistent_numbers(tiny_run):
    out, result = tiny_run
    for name in ["summary.md", "self_correction.md", "run.json", "timings.jsonl"]:
        assert (out / name).stat().st_size > 0
    for name in ["accuracy_vs_n.png", "accuracy_vs_tokens.png"]:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pool = read_lines(out / "pools" / "seed0.jsonl")
    assert [row["problem_id"] for row in pool] == ["arith-test-0", "arith-test-1"]
    assert all(len(row["candidates"]) == 2 for row in pool)
    for label in LABELS:
        records = read_lines(out / "scores" / "seed0" / f"{label}.jsonl")
        assert [len(r["scores"]) for r in records] == [2, 2] and all(r["error"] is None for r in records)
    search = read_lines(out / "search" / "hrm_hnc" / "seed0" / "records.jsonl")
    assert len(search) == 2 and all(r["strategy"] == "step_greedy" and r["n"] == 2 for r in search)

    # the headline numbers agree with the files
    golds = {p.id: p.answer for p in arith.split("test")[:2]}
    passed = np.mean([any(is_correct(c["answer"], golds[row["problem_id"]]) for c in row["candidates"]) for row in pool])
    assert result["pass"] == pytest.approx(passed)
    assert result["pass"] >= result["majority"]
    for rule in ("argmax", "weighted"):
        assert set(result[rule]) == set(LABELS)
        assert all(value <= result["pass"] for value in result[rule].values())
    cell = result["search"]["step_greedy/hrm_hnc/2"]
    assert cell["accuracy"] == pytest.approx(np.mean([r["correct"] for r in search]))
    assert cell["tokens"] == pytest.approx(np.mean([r["cost"]["generated_tokens"] for r in search])) and cell["tokens"] > 0

    summary = (out / "summary.md").read_text()
    assert "hrmsearch paper-mini --out" in summary and "--seeds 0" in summary
    n1 = table_column(summary, "| selection | N=1 | N=2 |", 1)
    selections = {row: value for row, value in n1.items() if row != "tokens/problem (est.)"}
    assert len(selections) == 2 + 2 * len(LABELS)
    assert len(set(selections.values())) == 1  # on one candidate every selection picks it
    assert "| step_greedy | hrm_hnc | 2 |" in summary
    assert "## Timings" in summary and "| pool | self_consistency | 2 |" in summary
    assert "units (seed x problem) | 2 |" in (out / "self_correction.md").read_text()


def test_rerun_does_no_new_work_and_rescores_only_what_is_missing(tiny_run, monkeypatch):
    out, _ = tiny_run
    from hrmsearch.engine.hf_policy import HFPolicy

    calls = []
    generate = HFPolicy.generate
    monkeypatch.setattr(HFPolicy, "generate", lambda self, *a, **k: calls.append(1) or generate(self, *a, **k))
    data_files = sorted(p for p in out.rglob("*.jsonl") if p.name != "timings.jsonl")
    before = {path: path.read_bytes() for path in data_files}
    code, result, _ = run_cli(out)
    assert code == 0 and not calls
    assert result["new"] == {"pool problems": 0, "score records": 0, "search records": 0}
    assert {path: path.read_bytes() for path in data_files} == before

    scores = out / "scores" / "seed0" / "prm.jsonl"
    scores.write_text(scores.read_text().splitlines(keepends=True)[0])  # lose the second problem's record
    code, result, _ = run_cli(out)
    assert code == 0 and not calls
    assert result["new"] == {"pool problems": 0, "score records": 1, "search records": 0}
    old, new = read_lines_of(before[scores]), read_lines(scores)
    assert [r["problem_id"] for r in new] == [r["problem_id"] for r in old] and new[1]["pool"] == old[1]["pool"]
    assert new[1]["scores"] == pytest.approx(old[1]["scores"], rel=1e-5)  # a smaller batch pads differently


def test_a_fresh_run_reproduces_the_pools_and_scores(tiny_run, tmp_path):
    # "rerunning one cell with its seed reproduces its number": transformers pools are seeded per call
    out, result = tiny_run
    code, again, _ = run_cli(tmp_path / "again", "--search-strategies", "")
    assert code == 0

    def without_cost(path: Path) -> list[dict]:
        return [{k: v for k, v in row.items() if k != "cost"} for row in read_lines(path)]

    assert without_cost(tmp_path / "again" / "pools" / "seed0.jsonl") == without_cost(out / "pools" / "seed0.jsonl")
    for label in LABELS:
        fresh, first = (read_lines(folder / "scores" / "seed0" / f"{label}.jsonl") for folder in (tmp_path / "again", out))
        assert [r["pool"] for r in fresh] == [r["pool"] for r in first]
        for a, b in zip(fresh, first, strict=True):
            assert a["scores"] == pytest.approx(b["scores"], rel=1e-5)
    assert again["argmax"] == result["argmax"] and again["majority"] == result["majority"]


def load_script(name: str):
    path = Path(__file__).resolve().parents[1] / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pairs_script_reads_the_same_outcomes_as_the_run(tiny_run):
    out, result = tiny_run
    pairs = load_script("paper_mini_pairs")
    rows = pairs.row_hits(out, {"hrm_hnc argmax", "hrm_hnc+mean weighted", "majority", "one sample", "pass@N"}, 2)
    golds = {p.id: p.answer for p in arith.split("test")[:2]}
    pool = read_lines(out / "pools" / "seed0.jsonl")
    first_correct = [is_correct(row["candidates"][0]["answer"], golds[row["problem_id"]]) for row in pool]
    assert rows["one sample"].tolist() == [first_correct]
    assert rows["hrm_hnc argmax"].mean() == pytest.approx(result["argmax"]["hrm_hnc"])
    assert rows["hrm_hnc+mean weighted"].mean() == pytest.approx(result["weighted"]["hrm_hnc+mean"])
    assert rows["majority"].mean() == pytest.approx(result["majority"])
    assert rows["pass@N"].mean() == pytest.approx(result["pass"])


def test_a_folder_with_other_settings_is_refused(tiny_run, capsys):
    out, _ = tiny_run
    code = main(["paper-mini", "--out", str(out), *RUN_ARGS, "--temperature", "0.5"])
    err = capsys.readouterr().err
    assert code == 2 and "temperature differ" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--rewards", "prm,nope"], "--rewards: 'nope' is not a shipped reward model"),
        (["--search-rewards", "orm"], "outcome model"),
        (["--n", "0,4"], "--n values must be >= 1"),
        (["--seeds", "a"], "--seeds must be comma-separated integers"),
        (["--search-strategies", "beam,walk"], "unknown strategy 'walk'"),
    ],
)
def test_bad_options_give_one_line_errors(tmp_path, capsys, args, message):
    code = main(["paper-mini", "--out", str(tmp_path / "run"), *args])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and message in lines[0]
    assert not (tmp_path / "run").exists()


def test_search_block_script_prints_the_rows_of_the_summary(tiny_run, monkeypatch, capsys):
    out, _ = tiny_run
    script = load_script("search_block_table")
    monkeypatch.setattr("sys.argv", ["search_block_table.py", str(out), "--strategies", "step_greedy",
                                     "--rewards", "hrm_hnc", "--seeds", "0", "--n", "2", "--problems", "2",
                                     "--resamples", "200"])
    script.main()
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| step_greedy |")]
    summary = (out / "summary.md").read_text(encoding="utf-8").splitlines()
    assert len(printed) == 1 and printed[0] in summary
    accuracy = printed[0].split(" | ")[3]
    # a cell minus one that was never run (no records: all wrong) is the cell itself, resample by resample
    monkeypatch.setattr("sys.argv", [*sys.argv, "--difference", "step_greedy:2-beam:2", "--difference",
                                     "beam:2-step_greedy:2"])
    script.main()
    lines = capsys.readouterr().out.splitlines()
    assert f"| step_greedy N=2 - beam N=2 | hrm_hnc | {accuracy} |" in lines
    mean, low, high = (float(x) for x in accuracy.replace("[", "").replace("]", "").replace(",", "").split())
    assert f"| beam N=2 - step_greedy N=2 | hrm_hnc | {-mean:.1f} [{-high:.1f}, {-low:.1f}] |" in lines
    monkeypatch.setattr("sys.argv", [*sys.argv[:-3], "step_greedy-2"])
    with pytest.raises(SystemExit, match="A:N-B:M"):
        script.main()
