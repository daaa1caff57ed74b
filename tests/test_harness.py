"""Benchmark harness: records and summary, kill-and-resume, Ray 2 workers == 1 worker, dry run."""

from __future__ import annotations

import json
import zlib

import pytest
from fakes import ScriptedPolicy, ScriptedScorer

from hrmsearch.benchmarks.harness import BenchOptions, dry_run, run_bench
from hrmsearch.benchmarks.plan import runs_of
from hrmsearch.errors import HrmError
from hrmsearch.jsonl import repair_tail
from hrmsearch.search.strategies.best_of_n import BestOfNConfig

GOLD = {}  # question -> gold answer of the arith problems the fakes see


def _gold(question: str) -> str:
    if not GOLD:
        from hrmsearch.tasks import arith

        GOLD.update({p.question: p.answer for p in arith.split("test")})
    return GOLD[question]


def arith_steps(question: str, steps: list[str], index: int) -> str:
    """Two steps; the answer is right for 1 of 3 (question, sample) pairs, decided by a stable hash."""
    if not steps:
        return f"working {index % 2}"
    right = (zlib.crc32(question.encode()) + index) % 3 == 1
    answer = _gold(question) if right else "-1"
    return f"The answer is \\boxed{{{answer}}}."


def gold_scorer_fn(window) -> float:
    return 0.9 if f"\\boxed{{{_gold(window.question)}}}" in window.current else 0.2


def options(tmp_path, **values) -> BenchOptions:
    base = {
        "dataset": "arith", "strategies": ["greedy", "self_consistency", "best_of_n", "beam"], "ns": [1, 2, 4],
        "out": tmp_path / "run", "limit": 6, "chunk_size": 2, "progress": False,
        "policy": ScriptedPolicy(arith_steps), "reward": ScriptedScorer(gold_scorer_fn),
    }
    return BenchOptions(**{**base, **values})


def lines(path) -> list[dict]:
    return [json.loads(line) for line in (path / "records.jsonl").read_text().splitlines()]


def comparable(records: list[dict]) -> dict:
    """Records by key, without times (the only fields that differ between equal runs)."""
    out = {}
    for record in records:
        record = {k: v for k, v in record.items() if k != "unit_seconds"}
        record["cost"] = {k: v for k, v in record["cost"].items() if k != "wall_seconds"}
        out[(record["problem_id"], record["strategy"], record["n"])] = record
    return out


def test_records_and_summary_of_a_scripted_run(tmp_path):
    result = run_bench(options(tmp_path, aggregate="last"))  # the scorer judges only the answer step
    records = lines(tmp_path / "run")
    # greedy at N=1 only; the three others at N=1,2,4: 6 problems x (1 + 3 x 3)
    assert len(records) == result.records == 6 * 10
    assert len(comparable(records)) == len(records)
    by_key = comparable(records)
    greedy = by_key[("arith-test-0", "greedy", 1)]
    assert greedy["selection"] == "greedy" and greedy["answer"] in {_gold_of(0), "-1"}
    assert greedy["correct"] == (greedy["answer"] == greedy["gold"])
    # best_of_n runs once at N=4; the scorer knows the gold, so any right sample in the first k wins
    for pid in [f"arith-test-{i}" for i in range(6)]:
        row = by_key[(pid, "best_of_n", 4)]
        assert row["run_n"] == 4 and row["selection"] == f"{BestOfNConfig().select}@4"
        assert not row["cost_estimated"]
        assert by_key[(pid, "best_of_n", 2)]["cost_estimated"]
        assert by_key[(pid, "best_of_n", 2)]["cost"]["generated_tokens"] == round(row["cost"]["generated_tokens"] / 2)
    assert all(by_key[(f"arith-test-{i}", "best_of_n", 4)]["correct"] for i in range(6))
    summary = result.summary.read_text()
    assert "| best_of_n | 4 | 1.000 | 6/6 |" in summary
    assert "| greedy | 1 |" in summary and "| beam | 4 |" in summary
    assert result.plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list((tmp_path / "run").glob(".*.tmp"))


def _gold_of(index: int) -> str:
    from hrmsearch.tasks import arith

    return arith.split("test")[index].answer


def test_self_consistency_subsamples_majority_of_first_k(tmp_path):
    run_bench(options(tmp_path, strategies=["self_consistency"], ns=[1, 4], limit=3))
    by_key = comparable(lines(tmp_path / "run"))
    for i in range(3):
        question = arith_question(i)
        first = arith_steps(question, ["working 0"], 0)
        assert by_key[(f"arith-test-{i}", "self_consistency", 1)]["answer"] in first
    assert runs_of("self_consistency", [1, 4]) == [(4, (1, 4))]


def arith_question(index: int) -> str:
    from hrmsearch.tasks import arith

    return arith.split("test")[index].question


class Killed(BaseException):
    """Stands in for a kill: not an Exception, so the scheduler does not catch it."""


def killing_steps(after_calls: int):
    calls = {"count": 0}

    def steps(question, prefix, index):
        calls["count"] += 1
        if calls["count"] > after_calls:
            raise Killed
        return arith_steps(question, prefix, index)

    return steps


def test_kill_and_resume_gives_every_record_once(tmp_path):
    wanted = comparable(lines_of_full_run(tmp_path / "full"))
    killed = options(tmp_path, policy=ScriptedPolicy(killing_steps(after_calls=60)))
    with pytest.raises(Killed):
        run_bench(killed)
    partial = lines(tmp_path / "run")
    assert 0 < len(partial) < len(wanted)
    # and a torn last line, as if the kill hit mid-write
    path = tmp_path / "run" / "records.jsonl"
    text = path.read_text()
    path.write_text(text[: len(text) - 25])
    result = run_bench(options(tmp_path))
    resumed = lines(tmp_path / "run")
    assert len(resumed) == len(wanted) == result.records
    assert comparable(resumed) == wanted  # no duplicate, no missing line, same contents


def lines_of_full_run(out) -> list[dict]:
    run_bench(options(out.parent, out=out))
    return lines(out)


def test_resume_refuses_other_settings(tmp_path):
    run_bench(options(tmp_path, strategies=["greedy"], ns=[1], limit=2))
    with pytest.raises(HrmError, match="seed"):
        run_bench(options(tmp_path, strategies=["greedy"], ns=[1], limit=2, seed=3))


def test_repair_torn_tail_cuts_only_the_unfinished_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"a": 1}\n{"b": 2}\n{"c": ')
    assert repair_tail(path) == len('{"c": ')
    path.write_text('{"a": 1}\n{"b": \n')
    repair_tail(path)
    assert path.read_text() == '{"a": 1}\n'
    assert repair_tail(path) == 0


def test_reward_strategy_without_reward_is_a_clear_error(tmp_path):
    with pytest.raises(HrmError, match="needs a reward model"):
        run_bench(options(tmp_path, strategies=["greedy", "beam"], reward="none"))
    result = run_bench(options(tmp_path, strategies=["greedy", "self_consistency"], reward="none", limit=2))
    assert result.records == 2 * (1 + 3)


def test_dry_run_prints_the_plan_without_loading_models(tmp_path, monkeypatch):
    import hrmsearch.api as api

    def refuse(*args, **kwargs):
        raise AssertionError("dry run loaded a model")

    monkeypatch.setattr(api, "get_policy", refuse)
    monkeypatch.setattr(api, "get_scorer", refuse)
    plan = dry_run(options(tmp_path, policy=None, reward=None, dataset="math500", limit=20, ns=[1, 4, 16]))
    assert "20 problems" in plan and "grader prm800k" in plan
    assert "| best_of_n | 1,4,16 | 16 |" in plan and "| beam | 1,4,16 | 1,4,16 |" in plan
    assert not (tmp_path / "run").exists()


def test_cli_dry_run(capsys):
    from hrmsearch.cli import main

    code = main(["bench", "--dataset", "arith", "--limit", "5", "--strategies", "greedy,beam", "--n", "1,4",
                 "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0 and "5 problems" in out and "| beam | 1,4 | 1,4 |" in out


@pytest.mark.slow
def test_two_ray_workers_give_the_same_records_as_one(tmp_path):
    pytest.importorskip("ray")
    single = options(tmp_path, out=tmp_path / "one", limit=4)
    run_bench(single)
    run_bench(options(tmp_path, out=tmp_path / "two", limit=4, workers=2))
    assert comparable(lines(tmp_path / "two")) == comparable(lines(tmp_path / "one"))


def test_strategy_options_apply_where_known_and_typos_are_errors(tmp_path):
    with pytest.raises(HrmError, match="--set widht"):
        run_bench(options(tmp_path, options={"widht": 2}))
    result = run_bench(options(tmp_path, strategies=["greedy", "beam"], ns=[4], limit=2, options={"max_steps": 1}))
    assert result.records == 2 * 2
    assert all(line["num_steps"] <= 1 for line in lines(tmp_path / "run"))


class FakeClock:
    """``perf_counter`` for the scheduler, moved on only by the policy calls of ``timed_policy``."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


def timed_policy(monkeypatch, step_fn=arith_steps, seconds=lambda prompts: 1.0) -> tuple[ScriptedPolicy, FakeClock]:
    """A scripted policy whose call over ``prompts`` takes ``seconds(prompts)`` on the scheduler's clock."""
    import types

    import hrmsearch.search.scheduler as scheduler

    clock = FakeClock()
    monkeypatch.setattr(scheduler, "time", types.SimpleNamespace(perf_counter=clock.perf_counter))
    policy = ScriptedPolicy(step_fn)
    generate = policy.generate

    def timed_generate(prompts, params):
        clock.now += seconds(prompts)
        return generate(prompts, params)

    policy.generate = timed_generate
    return policy, clock


def summary_rows(result) -> dict[tuple[str, str], list[str]]:
    """(strategy, N) -> the summary row's cells."""
    rows = [line.strip("|").split(" | ") for line in result.summary.read_text().splitlines()]
    return {(row[0].strip(), row[1]): [cell.strip() for cell in row] for row in rows if len(row) == 10}


def test_summary_elapsed_time_is_the_time_its_units_took(tmp_path, monkeypatch):
    policy, clock = timed_policy(monkeypatch)  # every policy call takes one second
    run = options(tmp_path, strategies=["greedy", "best_of_n"], ns=[2, 4], policy=policy)
    result = run_bench(run)  # 6 problems in chunks of 2: three units per run
    assert clock.now == 3 * 1 + 3 * 1  # one call per unit: greedy and best-of-N decode whole solutions
    records = lines(tmp_path / "run")
    greedy = [r for r in records if r["strategy"] == "greedy"]
    assert {r["cost"]["wall_seconds"] for r in greedy} == {1.0} and {r["chunk"] for r in greedy} == {0, 1, 2}
    assert {r["unit_seconds"] for r in greedy} == {1.0}
    best = [r for r in records if r["strategy"] == "best_of_n" and r["n"] == 4]
    assert {r["cost"]["wall_seconds"] for r in best} == {1.0} == {r["unit_seconds"] for r in best}
    rows = summary_rows(result)
    tokens_greedy = sum(r["cost"]["generated_tokens"] for r in greedy)
    assert rows[("greedy", "1")][-2:] == ["3.0", f"{tokens_greedy / 3.0:.0f}"]  # 3 units x 1 s, not 6 x 1 s
    tokens_best = sum(r["cost"]["generated_tokens"] for r in best)
    assert rows[("best_of_n", "4")][-2:] == ["3.0", f"{tokens_best / 3.0:.0f}"]
    assert rows[("best_of_n", "2")][-2:] == ["1.5*", f"{tokens_best / 2 / 1.5:.0f}*"]  # estimates


def test_unit_time_is_its_slowest_problem_also_when_resumed(tmp_path, monkeypatch):
    slow = arith_question(4)

    def steps(question, prefix, index):  # problem 4 takes one more working step than the others
        if question == slow and len(prefix) == 1:
            return "working on"
        return arith_steps(question, prefix, index)

    policy, clock = timed_policy(monkeypatch, steps, seconds=len)  # a call takes one second per prompt
    run = options(tmp_path, strategies=["step_greedy"], ns=[1], policy=policy, limit=5)
    # chunks (0, 1), (2, 3): two calls over two prompts, 4 s each; (4,): three calls over one prompt, 3 s
    assert summary_rows(run_bench(run))[("step_greedy", "1")][-2] == "11.0" and clock.now == 11.0
    # one more problem: chunk (4, 5) is solved again (5 s: 2 + 2 + 1), recording problem 5 only
    result = run_bench(run.model_copy(update={"limit": 6}))
    assert clock.now == 11.0 + 5.0 and result.written == 1
    added = lines(tmp_path / "run")[-1]
    assert added["problem_id"] == "arith-test-5" and added["cost"]["wall_seconds"] == 4.0  # done after 2 calls
    assert added["unit_seconds"] == 5.0  # its unit ended with problem 4, whose record was already there
    tokens = sum(r["cost"]["generated_tokens"] for r in lines(tmp_path / "run"))
    assert summary_rows(result)[("step_greedy", "1")][-2:] == ["13.0", f"{tokens / 13.0:.0f}"]  # 4 + 4 + 5
