"""CPU threads: the count a process may use, the HRMSEARCH_THREADS override, and the environment set at import."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hrmsearch import threads


def fresh_python(code: str, **env: str) -> dict:
    """Run ``code`` in a new interpreter with only ``env`` set (earlier tests' libraries, vLLM among them,
    leave their own variables in this process's environment); its JSON output."""
    base = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    result = subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


REPORT = ("import json, os, hrmsearch, torch; print(json.dumps({'omp': os.environ['OMP_NUM_THREADS'], "
          "'spin': os.environ['GOMP_SPINCOUNT'], 'torch': torch.get_num_threads()}))")


def test_import_sets_the_usable_cpus_and_a_short_spin_before_torch_starts():
    seen = fresh_python(REPORT)
    cpus = len(os.sched_getaffinity(0))
    assert seen == {"omp": str(cpus), "spin": str(threads.SPIN_COUNT), "torch": cpus}


def test_hrmsearch_threads_overrides_and_a_users_own_values_win():
    assert fresh_python(REPORT, HRMSEARCH_THREADS="1")["torch"] == 1
    assert fresh_python(REPORT, OMP_NUM_THREADS="1", GOMP_SPINCOUNT="7") == {"omp": "1", "spin": "7", "torch": 1}


def test_after_torch_started_only_the_count_can_change():
    code = ("import json, os, torch; torch.set_num_threads(2); import hrmsearch; "
            "print(json.dumps({'torch': torch.get_num_threads(), 'spin': os.environ.get('GOMP_SPINCOUNT')}))")
    assert fresh_python(code, HRMSEARCH_THREADS="1") == {"torch": 1, "spin": None}


def test_a_process_pinned_to_fewer_cpus_or_under_a_quota_uses_fewer(monkeypatch, tmp_path):
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    quota = tmp_path / "cpu.max"
    monkeypatch.setattr(threads, "CPU_QUOTA", quota)
    assert threads.usable_cpus() == 4  # no cgroup file
    quota.write_text("max 100000\n")
    assert threads.usable_cpus() == 4
    quota.write_text("150000 100000\n")  # 1.5 CPUs: 2 threads
    assert threads.usable_cpus() == 2
    quota.write_text("20000 100000\n")
    assert threads.usable_cpus() == 1


def test_a_bad_override_is_warned_about_and_ignored(monkeypatch):
    monkeypatch.setenv("HRMSEARCH_THREADS", "two")
    with pytest.warns(UserWarning, match="HRMSEARCH_THREADS must be a positive integer"):
        assert threads.requested_threads() is None
    monkeypatch.setenv("HRMSEARCH_THREADS", "3")
    assert threads.requested_threads() == 3
