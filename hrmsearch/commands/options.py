"""Command-line options shared by several commands: which policy and reward model run, and on which backends."""

from __future__ import annotations

import argparse

BACKENDS = ["auto", "vllm", "transformers"]
REWARD_BACKENDS = ["transformers", "vllm"]


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


def add_reward_options(parser: argparse.ArgumentParser, reward_help: str = "reward model: a shipped name, a folder or "
                       "a Hub id", backend_aliases: tuple[str, ...] = ()) -> None:
    """``--reward``, ``--reward-format`` and ``--reward-backend``, the same on every command that takes a reward model.

    ``backend_aliases``: older spellings of ``--reward-backend`` a command keeps (bench-rm's ``--backend``).
    """
    from hrmsearch.scoring.formats import FORMAT_NAMES

    parser.add_argument("--reward", default=None, help=reward_help)
    parser.add_argument("--reward-format", default="auto", choices=["auto", *FORMAT_NAMES],
                        help="reward-model format (default: detected from the checkpoint)")
    parser.add_argument("--reward-backend", *backend_aliases, dest="reward_backend", default="transformers",
                        choices=REWARD_BACKENDS, help="where the reward model runs (default: transformers)")


def reward_fields(args: argparse.Namespace) -> dict:
    """The RewardConfig fields the reward options set."""
    return {"model": args.reward, "format": args.reward_format, "backend": args.reward_backend}
