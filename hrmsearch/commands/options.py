"""Command-line options shared by several commands: which policy runs, and on which backend."""

from __future__ import annotations

import argparse

BACKENDS = ["auto", "vllm", "transformers"]


def add_policy_options(parser: argparse.ArgumentParser) -> None:
    """``--policy`` and ``--backend``, the same on every command that runs the policy."""
    parser.add_argument("--policy", default=None, help="HF model path or id (default: shipped tiny policy)")
    add_backend_option(parser)


def add_data_dir_option(parser: argparse.ArgumentParser) -> None:
    """``--data-dir``: where the named datasets' files are (see ``hrmsearch.tasks.registry``)."""
    parser.add_argument("--data-dir", default=None,
                        help="folder of the named datasets' files (default: $HRMSEARCH_DATA_DIR, else ../shared/data)")


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default="auto", choices=BACKENDS)
