"""CLI subcommands, one module each: ``register(subparsers)`` adds it, ``run(args)`` does it.

To add a command, write ``hrmsearch/commands/NAME.py`` and list it in ``COMMANDS``.
"""

COMMANDS = ["solve", "eval_policy", "train", "trees", "hnc", "samples", "outcomes", "bench", "bench_rm", "paper_mini", "serve_policy"]
