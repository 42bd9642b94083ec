"""`timeforged track`: the engine without the tray, for servers, terminals and tests."""

from __future__ import annotations

import argparse
import signal
import threading

from desktop.cli.context import console, errors
from desktop.engine import paths
from desktop.engine.service import Engine, EngineStatus
from desktop.engine.store.upgrade import upgrade_in_child


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("track", help="run the tracking engine headless (no tray)")
    p.add_argument("--duration", type=float, metavar="SECONDS",
                   help="stop after this long (default: until interrupted)")
    p.add_argument("-v", "--verbose", action="store_true", help="print each change of activity")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    upgrade_in_child(paths.database_file())  # Peewee, if needed, never loads in the engine
    engine = Engine()
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    last: list[str | None] = [None]

    def show(kind: str, payload: object) -> None:
        if kind == "error":
            errors.print(f"[red]error:[/] {payload}")
        elif kind == "status" and args.verbose and isinstance(payload, EngineStatus):
            span = payload.current
            line = payload.state if span is None else f"{span.app}: {span.title}"
            if line != last[0]:
                last[0] = line
                console.print(f"[dim]{payload.state}[/] {line}", highlight=False)

    engine.subscribe(show)
    for warning in engine.warnings:
        errors.print(f"[yellow]warning:[/] {warning}")
    engine.start()
    problem = engine.store_problem()
    if problem:
        errors.print(f"[yellow]Not saving:[/] {problem} (Ctrl+C to stop)", highlight=False)
    else:
        console.print(f"Tracking into {engine.store.path} (Ctrl+C to stop)")
    done.wait(args.duration)
    unsaved = engine.stop()
    if unsaved.spans or unsaved.reason:
        errors.print(f"[red]{unsaved.describe()}[/]", highlight=False)
        return 1
    console.print(unsaved.describe())
    return 0
