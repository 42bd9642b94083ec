"""`timeforged app` (and `timeforged` alone): the tray app with the engine inside."""

from __future__ import annotations

import argparse
import os
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="start the tray app (the default without a command)")
    p.add_argument("--autostart", action="store_true",
                   help="started at login: stay quiet in the tray")
    p.add_argument("--stats", action="store_true", help="open the statistics window at start")
    p.add_argument("--theme", choices=("light", "dark"),
                   help="force a theme instead of following the OS")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from desktop.engine.checks import missing_xcb_libraries, xcb_advice, xcb_platform_expected

    if xcb_platform_expected(os.environ):  # else Qt aborts, printing only its plugin list
        missing = missing_xcb_libraries()
        if missing:
            print(f"error: {xcb_advice(missing)}", file=sys.stderr)
            return 1
    from desktop.engine import paths
    from desktop.engine.store.upgrade import upgrade_in_child

    upgrade_in_child(paths.database_file())  # Peewee, if needed, never loads in the app
    from desktop.app import run as run_app  # Qt is loaded only for this command

    return run_app(autostart=args.autostart, show_stats=args.stats, theme=args.theme)
