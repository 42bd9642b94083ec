"""`timeforged now`: what the watchers see right now, as JSON or a short summary."""

from __future__ import annotations

import argparse
import contextlib
import json
import time

from watchers.observation import Observation

# Fields printed by the human summary, in order.
_SHOWN = ("app", "title", "pid", "exe", "editor", "file", "project", "branch", "language",
          "terminal", "browser", "site", "url", "private", "fullscreen", "active_reason")
SAMPLE_READ = 0.5
_COUNT_NAMES = {"keystrokes": "keys", "clicks": "clicks", "scrolls": "scrolls",
                "moves": "moves", "idle_to_active": "idle→active transitions"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("now", help="print what the watchers see right now")
    p.add_argument("--json", action="store_true", help="print the observation as JSON")
    p.add_argument("--sample", type=float, default=0.0, metavar="SECONDS",
                   help="listen to input for SECONDS first, to report activity counts "
                   "(on Wayland: idle→active transitions; otherwise idle time comes from "
                   "the system idle timer)")
    p.set_defaults(func=run)


def observe(sample: float = 0.0) -> Observation:
    """One observation. Without `sample` no input hooks run: idle time comes from the
    system's idle timer, which answers at once. With it, activity is counted for `sample`
    seconds (input events, or where no hooks can run the idle timer's idle→active
    transitions, read every SAMPLE_READ seconds for a timer that is polled)."""
    from desktop.engine import paths
    from desktop.engine.keep_active import create_keep_active
    from desktop.engine.settings import load_config_or_defaults
    from watchers.poller import Poller
    from watchers.window import WatcherUnavailable

    config, _warnings = load_config_or_defaults(paths.home())
    poller = Poller(hooks=sample > 0, keep_active=create_keep_active(config.keep_active,
                                                                     ask_always=True))
    try:
        if sample > 0:
            idle = poller.idle
            if idle.hooks is not None:
                idle.hooks.wait_ready(timeout=min(sample, 5.0))
            idle.take_counts()
            end = time.monotonic() + sample
            while (left := end - time.monotonic()) > 0:
                with contextlib.suppress(WatcherUnavailable):
                    idle.seconds_idle()
                time.sleep(min(left, SAMPLE_READ))
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
        table.add_row("input", ", ".join(f"{n} {_COUNT_NAMES[k]}"
                                         for k, n in obs.activity.measured().items()),
                      obs.source_of("activity") or "")
    console = Console()
    console.print(table)
    for warning in obs.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    return 0
