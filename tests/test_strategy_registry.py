"""A strategy is one module plus one registry entry: a strategy defined here shows up everywhere."""

from __future__ import annotations

import pytest
from fakes import ScriptedPolicy, ScriptedScorer
from pydantic import Field

from hrmsearch.benchmarks.harness import BenchOptions, dry_run, run_bench
from hrmsearch.cli import build_parser
from hrmsearch.config import SearchConfig
from hrmsearch.search.context import SearchContext
from hrmsearch.search.strategies import STRATEGIES, register
from hrmsearch.search.strategies.greedy import run as greedy_run
from hrmsearch.search.strategies.spec import StrategySpec


class EchoConfig(SearchConfig):
    strategy: str = "echo_test"
    n: int = Field(1, ge=1)


def echo_run(ctx: SearchContext):
    return (yield from greedy_run(ctx))


@pytest.fixture
def echo_strategy():
    spec = register(
        StrategySpec(
            name="echo_test", config=EchoConfig, run=echo_run, needs_reward=False,
            budget="ECHO-BUDGET-TEXT: copies of one greedy decode", marker="*",
        )
    )
    yield spec
    del STRATEGIES[spec.name]


def steps(question, previous, index):
    return "The answer is \\boxed{7}." if previous else "7 = 7"


def test_a_registered_strategy_is_a_solve_choice_a_bench_row_and_a_report_line(echo_strategy, tmp_path, capsys):
    solve_help = build_parser()._subparsers._group_actions[0].choices["solve"].format_help()
    assert "echo_test" in solve_help
    bench_help = build_parser()._subparsers._group_actions[0].choices["bench"].format_help()
    assert "ECHO-BUDGET-TEXT" in bench_help

    options = BenchOptions(
        dataset="arith", strategies=["echo_test", "greedy"], ns=[1, 4], out=tmp_path / "run", limit=3,
        chunk_size=2, progress=False, policy=ScriptedPolicy(steps), reward=ScriptedScorer(lambda w: 0.5),
    )
    plan = dry_run(options)
    assert "| echo_test |" in plan

    run_bench(options)
    summary = (tmp_path / "run" / "summary.md").read_text()
    assert "echo_test" in summary and "ECHO-BUDGET-TEXT" in summary


def test_registering_a_name_twice_is_refused(echo_strategy):
    from hrmsearch.errors import HrmError

    with pytest.raises(HrmError, match="already registered"):
        register(echo_strategy)
