"""perf concurrent: two solves at once against one alone, each in its own process, started together."""

from __future__ import annotations

from hrmsearch.benchmarks.perf.concurrent import TARGET, main


def test_two_workers_start_together_and_each_is_compared_with_one_alone(capsys):
    record = main(["--problems", "1", "--n", "4"])
    alone, together = record["alone"], record["together"]
    assert len(together) == 2 and alone["generated_tokens"] > 0
    assert all(side["generated_tokens"] == alone["generated_tokens"] for side in together)  # the same seeded work
    assert record["slowdowns"] == [round(side["seconds"] / alone["seconds"], 2) for side in together]
    assert record["value"] == max(record["slowdowns"]) and record["met"] == (record["value"] <= TARGET)
    assert "two at once" in capsys.readouterr().out
