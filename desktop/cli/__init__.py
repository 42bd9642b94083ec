"""The `timeforged` command. Each subcommand lives in its own module with a `register`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Subcommand modules, each exposing register(subparsers) that sets `func` on its parser.
COMMANDS = ("app", "now", "track", "status", "report", "data", "rules", "setup_editors", "focus",
            "breaks", "doctor")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="timeforged", description="Where your time really goes: a local-first time tracker. "
        "Without a command, starts the tray app.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"desktop.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        args = parser.parse_args(["app", *(argv or sys.argv[1:])])
    # Errors meant for the user: a clear message, no traceback.
    from desktop.cli.context import CliError, errors
    from desktop.cli.timerange import RangeError
    from desktop.engine.store import StoreError

    try:
        return int(args.func(args) or 0)
    except (CliError, RangeError, StoreError) as exc:
        errors.print(f"[red]error:[/] {exc}", highlight=False)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
