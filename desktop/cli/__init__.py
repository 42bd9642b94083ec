"""The `timeforged` command. Each subcommand lives in its own module with a `register`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# Subcommand modules, each exposing register(subparsers) that sets `func` on its parser.
COMMANDS = ("app", "now", "track", "status", "report", "data", "rules", "setup_editors", "focus",
            "breaks", "doctor", "apps", "setup_wayland", "manual_time", "insights",
            "achievements", "setup_upstream")


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
        code = int(args.func(args) or 0)
        if sys.stdout:
            sys.stdout.flush()  # a reader gone away shows here, not at the exit's flush
        return code
    except BrokenPipeError:
        return stdout_closed()
    except (CliError, RangeError, StoreError) as exc:
        errors.print(f"[red]error:[/] {exc}", highlight=False)
        return 2
    except KeyboardInterrupt:
        return 130


def stdout_closed() -> int:
    """The reader of stdout went away (`timeforged report | head -1`): stop quietly, the way
    Python's documentation (and rich, for what it prints) does it: stdout goes to devnull, so
    the flush at exit raises nothing, and the status is 1."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 1


if __name__ == "__main__":
    sys.exit(main())
