"""Where the libraries' log lines go: always to stderr, and only errors unless asked.

vLLM writes its log to stdout by default, which breaks ``hrmsearch solve --json | jq``.
Its engine processes read the same environment, so every setting here is an
environment variable set before vLLM, transformers or torch is imported, with
``setdefault``: a user's own value wins. ``import hrmsearch`` routes vLLM's log to
stderr; the command line also silences the libraries unless ``--verbose``.
"""

from __future__ import annotations

import os
import sys
import warnings

QUIET_ENVIRONMENT = {
    "VLLM_LOGGING_LEVEL": "ERROR",
    "TRANSFORMERS_VERBOSITY": "error",
    "TORCH_CPP_LOG_LEVEL": "ERROR",
    "TORCH_LOGS": "-torch",  # torch's Python loggers: errors only
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "PYTHONWARNINGS": "ignore::UserWarning,ignore::FutureWarning,ignore::DeprecationWarning",
}
LIBRARY_MODULES = r"(torch|transformers|vllm|huggingface_hub|tokenizers|numba)(\.|$)"


def route_logs_to_stderr() -> None:
    """vLLM's log (main and engine processes) to stderr instead of stdout."""
    os.environ.setdefault("VLLM_LOGGING_STREAM", "ext://sys.stderr")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def quiet_libraries(verbose: bool = False) -> None:
    """Logs to stderr; unless ``verbose``, only the libraries' errors, none of their warnings."""
    route_logs_to_stderr()
    if verbose:
        return
    for name, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    warnings.filterwarnings("ignore", module=LIBRARY_MODULES)
    if "transformers" in sys.modules:  # imported already: its environment was read, set it directly
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()
        transformers_logging.disable_progress_bar()


def show_load_progress() -> bool:
    """Whether vLLM shows its weight-loading bar: only when its log level shows information."""
    return os.environ.get("VLLM_LOGGING_LEVEL", "INFO").upper() in ("DEBUG", "INFO")
