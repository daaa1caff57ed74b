"""perf strategies: each strategy's tokens/s against plain sampling through the same loaded backend."""

from __future__ import annotations

import pytest

from hrmsearch.benchmarks.perf.strategies import main as perf_strategies


def test_every_strategy_is_compared_with_plain_sampling_of_its_budget(capsys):
    record = perf_strategies(["--problems", "2", "--n", "2", "--strategies", "greedy,best_of_n,beam",
                              "--max-tokens", "64"])
    rows, plain = record["per_strategy"], record["plain_sampling"]
    assert record["metric"] == "search_vs_plain_sampling" and set(rows) == {"greedy", "best_of_n", "beam"}
    assert set(plain) == {"1", "2"} and all(side["generated_tokens"] > 0 for side in plain.values())
    for side in plain.values():  # pooled over a run before and one after the strategies
        assert min(side["before_tokens_per_second"], side["after_tokens_per_second"]) - 0.1 <= \
            side["tokens_per_second"] <= max(side["before_tokens_per_second"], side["after_tokens_per_second"]) + 0.1
    assert rows["greedy"]["plain_n"] == 1 and rows["best_of_n"]["plain_n"] == rows["beam"]["plain_n"] == 2
    for row in rows.values():
        baseline = plain[str(row["plain_n"])]["tokens_per_second"]
        assert row["vs_plain"] == pytest.approx(row["tokens_per_second"] / baseline, abs=2e-3)
        assert row["met"] == (row["vs_plain"] >= row["target"])
    assert record["value"] == min(row["vs_plain"] for row in rows.values())
    for row in rows.values():  # the engine overhead: wall time outside the policy and the (free) scorer
        inside = row["policy_seconds"] + row["reward_seconds"]
        assert 0.0 < inside <= row["seconds"] + 1e-3
        # the record's seconds are rounded to 1 ms each, so the shares recomputed from them are off by that much
        rounding = 1.6e-3 / row["seconds"]
        assert row["overhead_share"] == pytest.approx(1 - inside / row["seconds"], abs=rounding)
        assert row["overhead_met"] == (row["overhead_share"] < record["overhead_target"])
        # transformers blocks in generate: the policy is idle exactly while it is not called
        assert row["policy_idle_share"] == pytest.approx(1 - row["policy_seconds"] / row["seconds"], abs=rounding)
    assert rows["greedy"]["reward_calls"] == 0 < rows["beam"]["reward_calls"]
    assert record["max_overhead_share"] == max(row["overhead_share"] for row in rows.values())
    assert rows["best_of_n"]["policy_calls"] == 1 < rows["beam"]["policy_calls"]  # all problems in one call
    assert rows["best_of_n"]["target"] == 0.95 and rows["beam"]["target"] == 0.8
    assert "| beam |" in capsys.readouterr().out


def test_a_strategy_setting_other_than_its_default_reaches_the_timed_run():
    common = ["--problems", "2", "--n", "4", "--strategies", "mcts", "--max-tokens", "64"]
    default = perf_strategies(common)["per_strategy"]["mcts"]
    record = perf_strategies([*common, "--set", "rollouts=1"])
    # one rollout per simulation: four simulations (two calls each) where the default m = 4 needs one
    assert record["settings"] == {"mcts": {"rollouts": 1}}
    assert record["per_strategy"]["mcts"]["policy_calls"] > default["policy_calls"]
    with pytest.raises(SystemExit, match="KEY=VALUE"):
        perf_strategies([*common, "--set", "rollouts"])
    with pytest.raises(SystemExit, match="--set width: no chosen strategy has that setting"):
        perf_strategies([*common, "--set", "width=2"])
