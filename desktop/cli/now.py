"""`timeforged now`: what the watchers see right now, as JSON or a short summary."""

from __future__ import annotations

import argparse
import json
import time

from watchers.observation import Observation

# Fields printed by the human summary, in order.
_SHOWN = ("app", "title", "pid", "exe", "editor", "file", "project", "branch", "language",
          "terminal", "browser", "site", "url", "private", "fullscreen")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("now", help="print what the watchers see right now")
    p.add_argument("--json", action="store_true", help="print the observation as JSON")
    p.add_argument("--sample", type=float, default=0.0, metavar="SECONDS",
                   help="listen to input for SECONDS first, to report activity counts "
                   "(otherwise idle time comes from the system idle timer)")
    p.set_defaults(func=run)


def observe(sample: float = 0.0) -> Observation:
    """One observation. Without `sample` no input hooks run: idle time comes from the
    system's idle timer, which answers at once."""
    from watchers.poller import Poller

    poller = Poller(hooks=sample > 0)
    try:
        if sample > 0:
            hooks = poller.idle.hooks
            if hooks is not None:
                hooks.wait_ready(timeout=min(sample, 5.0))
                hooks.take_counts()
            time.sleep(sample)
        return poller.poll()
    finally:
        poller.close()


def run(args: argparse.Namespace) -> int:
    obs = observe(args.sample)
    if args.json:
        print(json.dumps(obs.to_json(), ensure_ascii=False, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_column(style="dim")
    for name in _SHOWN:
        value = getattr(obs, name)
        if value is not None:
            table.add_row(name, str(value), obs.source_of(name) or "")
    if obs.idle_seconds is not None:
        table.add_row("idle", f"{obs.idle_seconds:.1f} s", obs.source_of("idle_seconds") or "")
    if obs.source_of("activity"):
        a = obs.activity
        table.add_row("input", f"{a.keystrokes} keys, {a.clicks} clicks, {a.scrolls} scrolls, "
                      f"{a.moves} moves", obs.source_of("activity") or "")
    console = Console()
    console.print(table)
    for warning in obs.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    return 0
