"""`timeforged break now|status|postpone|skip`: break reminders in the running app or
`timeforged track`, through its local API."""

from __future__ import annotations

import argparse
import json
import time

from desktop.cli.context import console
from desktop.cli.focus import api_call
from desktop.engine.formatting import format_duration


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("break", help="break reminders: take a break now, postpone, skip")
    cmds = p.add_subparsers(dest="break_command", metavar="ACTION", required=True)
    now = cmds.add_parser("now", help="start a break on every screen now")
    now.add_argument("--long", action="store_true", help="a long break instead of a micro one")
    now.set_defaults(func=run_now)
    status = cmds.add_parser("status", help="time to the next breaks, active time today")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=run_status)
    cmds.add_parser("postpone", help="put the running break off (not in strict mode)"
                    ).set_defaults(func=run_postpone)
    cmds.add_parser("skip", help="skip the running break (not in strict mode)"
                    ).set_defaults(func=run_skip)


def run_now(args: argparse.Namespace) -> int:
    info = api_call("POST", "/api/v1/breaks/now", {"kind": "long" if args.long else "micro"})
    console.print(f"{info['kind'].capitalize()} break: {format_duration(info['duration'])}.")
    return 0


def run_status(args: argparse.Namespace) -> int:
    status = api_call("GET", "/api/v1/breaks/status")
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    current = status.get("current")
    if current:
        console.print(f"On a {current['kind']} break: "
                      f"{format_duration(max(0.0, current['ends_at'] - time.time()))} left")
    elif status["state"] == "disabled":
        console.print("Break reminders are off.")
    else:
        console.print(f"Next micro break in {format_duration(status['micro_in'])} of activity, "
                      f"long break in {format_duration(status['long_in'])}"
                      + (" (waiting: a full-screen window is up)"
                         if status["state"] == "deferred" else ""))
    console.print(f"Active today: {format_duration(status['active_today'])}")
    return 0


def run_postpone(args: argparse.Namespace) -> int:
    back = api_call("POST", "/api/v1/breaks/postpone")["back_at"]
    console.print(f"Break postponed to {time.strftime('%H:%M', time.localtime(back))}.")
    return 0


def run_skip(args: argparse.Namespace) -> int:
    api_call("POST", "/api/v1/breaks/skip")
    console.print("Break skipped.")
    return 0
