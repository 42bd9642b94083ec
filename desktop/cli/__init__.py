"""The `timeforged` command. Each subcommand lives in its own module with a `register`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple


class Command(NamedTuple):
    module: str  # desktop.cli.<module> registers the command's parser (register(subparsers))
    help: str  # the line in `timeforged --help`; tests check it against the module's own


# Every command, in the order `--help` lists them. A command's module is imported only when it
# runs, so that `timeforged status` does not pay for the imports of `timeforged app`.
COMMANDS = {
    "app": Command("app", "start the tray app (the default without a command)"),
    "now": Command("now", "print what the watchers see right now"),
    "track": Command("track", "run the tracking engine headless (no tray)"),
    "status": Command("status", "what is tracked now, and today's total"),
    "report": Command("report", "totals over a range"),
    "export": Command("data", "export history as JSON or CSV"),
    "import": Command("data", "import our JSON/CSV, a WakaTime dump or an ActivityWatch export "
                      "(importing twice adds nothing)"),
    "delete": Command("data", "remove all history in a range, for privacy"),
    "rules": Command("rules", "list the rules, or check a rules file"),
    "setup-editors": Command("setup_editors", "point the WakaTime plugins of your editors at "
                             "TimeForged (writes api_url and api_key in ~/.wakatime.cfg)"),
    "focus": Command("focus", "focus sessions: block distracting sites and apps"),
    "break": Command("breaks", "break reminders: take a break now, postpone, skip"),
    "doctor": Command("doctor", "check that Qt's X11 libraries, text features and the keyring "
                      "work here"),
    "apps": Command("apps", "the editors, browsers and terminals found on this machine and how "
                    "each is recognized"),
    "setup-wayland": Command("setup_wayland", "set up what this Wayland desktop needs for "
                             "TimeForged to see the focused window (GNOME: installs its "
                             "extension)"),
    "log": Command("manual_time", "add time the watchers could not see (a meeting...)"),
    "sessions": Command("manual_time", "recent working sessions"),
    "edit": Command("manual_time", "move, split or delete a span"),
    "insights": Command("insights", "when you code best, what breaks it, the trend"),
    "achievements": Command("achievements", "milestones earned, and progress toward the rest"),
    "setup-upstream": Command("setup_upstream", "forward heartbeats to a WakaTime-compatible "
                              "server too (Wakapi, WakaTime, another TimeForged)"),
}


def command_in(argv: Sequence[str]) -> str | None:
    """The command `argv` runs: its first word that is not an option (the top level has only
    -h), unless help is asked for first."""
    for arg in argv:
        if arg in ("-h", "--help"):
            return None
        if not arg.startswith("-"):
            return arg
    return None


def _columns() -> int:
    """The width `shutil.get_terminal_size` tells (COLUMNS, else stdout's terminal, else 80)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _Formatter(argparse.HelpFormatter):
    """argparse's, its width found without importing shutil (~2 ms with the compression
    modules it imports; argparse makes a formatter for each argument added)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         _columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    """A parser (and its subcommands' parsers) formatting with `_Formatter` by default."""

    def __init__(self, *args: Any, formatter_class: type = _Formatter, **kwargs: Any) -> None:
        super().__init__(*args, formatter_class=formatter_class, **kwargs)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for `command`, registered by its module (with its module's other commands):
    no other command's parser is made. Without a known command (`--help`, a mistyped name),
    every command as a name and a help line, enough to list them and to tell a mistake."""
    parser = _Parser(
        prog="timeforged", description="Where your time really goes: a local-first time tracker. "
        "Without a command, starts the tray app.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if command in COMMANDS:
        importlib.import_module(f"desktop.cli.{COMMANDS[command].module}").register(sub)
        return parser
    for name, (_, help_line) in COMMANDS.items():
        sub.add_parser(name, help=help_line)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(command_in(argv)).parse_args(argv)
    if not getattr(args, "func", None):
        args = build_parser("app").parse_args(["app", *argv])
    try:
        code = int(args.func(args) or 0)
        if sys.stdout:
            sys.stdout.flush()  # a reader gone away shows here, not at the exit's flush
        return code
    except BrokenPipeError:
        return stdout_closed()
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Errors meant for the user: a clear message, no traceback. (Their classes are
        # imported here: a command that fails no other way does not load what they need.)
        from desktop.cli.context import CliError, errors
        from desktop.cli.timerange import RangeError
        from desktop.engine.store import StoreError

        if not isinstance(exc, CliError | RangeError | StoreError):
            raise
        errors.print(f"[red]error:[/] {exc}", highlight=False)
        return 2


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
