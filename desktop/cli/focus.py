"""`timeforged focus start|status|stop|stats|doh-policy`: focus sessions in the running app or
`timeforged track`, through its local API."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from desktop.cli.context import CliError, console
from desktop.engine.focus.session import FocusError, parse_duration
from desktop.engine.formatting import format_duration


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("focus", help="focus sessions: block distracting sites and apps")
    cmds = p.add_subparsers(dest="focus_command", metavar="ACTION", required=True)

    start = cmds.add_parser("start", help="start a focus session")
    start.add_argument("length", nargs="?",
                       help="25m, 50m, 90m, 1h30m... (with --pomodoro: one work period; "
                       "default: [focus] default_minutes, or 25m with --pomodoro)")
    start.add_argument("--block", nargs="+", action="extend", default=[], metavar="SITE",
                       help="also block these sites (and their subdomains)")
    start.add_argument("--block-app", nargs="+", action="extend", default=[], metavar="APP",
                       help="also block these apps (window class or process name)")
    start.add_argument("--allow", nargs="+", action="extend", default=[], metavar="SITE",
                       help="allow-list mode: only these sites")
    start.add_argument("--no-distracting", action="store_true",
                       help="do not block the rules' distracting categories")
    start.add_argument("--pomodoro", action="store_true",
                       help="work periods with short breaks, a long one every fourth")
    start.add_argument("--cycles", type=int, default=4, help="Pomodoro work periods (default 4)")
    start.add_argument("--locked", action="store_true",
                       help="the session cannot be ended early")
    start.add_argument("--unlock-chars", type=int, default=0, metavar="N",
                       help="with --locked: allow ending early after typing N random characters")
    start.add_argument("--json", action="store_true")
    start.set_defaults(func=run_start)

    status = cmds.add_parser("status", help="the running session, blocked sites, last attempt")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=run_status)

    stop = cmds.add_parser("stop", help="end the running session early")
    stop.add_argument("--unlock-text", help="the unlock text of a locked session")
    stop.set_defaults(func=run_stop)

    stats = cmds.add_parser("stats", help="sessions, blocked attempts, coding inside/outside")
    stats.add_argument("--days", type=float, default=7, help="the last N days (default 7)")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=run_stats)

    doh = cmds.add_parser(
        "doh-policy", help="turn the browsers' DNS-over-HTTPS off (so the hosts file works) "
        "with machine-wide browser policies; asks for the administrator password",
        description="Writes DnsOverHttpsMode=off for Chrome, Chromium, Edge and Brave under "
        "/etc/.../policies/managed/timeforged-doh.json and DNSOverHTTPS {Enabled: false, "
        "Locked: true} into /etc/firefox/policies/policies.json (other policies kept). "
        "--remove undoes exactly that. Browsers then show 'managed by your organization'.")
    action = doh.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true")
    action.add_argument("--remove", action="store_true")
    doh.set_defaults(func=run_doh)


def api_call(method: str, path: str, body: Any = None) -> Any:
    """The `data` of the running engine's answer; CliError when it is not running or refuses."""
    from desktop.engine.api.client import ApiClient, ApiClientError, ApiUnavailable

    try:
        answer = ApiClient.for_home().request(method, path, body)
    except ApiUnavailable as exc:
        raise CliError(str(exc)) from None
    except ApiClientError as exc:
        raise CliError(exc.message) from None
    return answer.get("data") if isinstance(answer, dict) else answer


def run_start(args: argparse.Namespace) -> int:
    body = {"block": args.block, "block_apps": args.block_app, "allow": args.allow,
            "pomodoro": args.pomodoro, "cycles": args.cycles, "locked": args.locked,
            "unlock_chars": args.unlock_chars}
    length = args.length or ("25m" if args.pomodoro else None)
    if length is not None:
        try:
            body["minutes"] = parse_duration(length) / 60
        except FocusError as exc:
            raise CliError(str(exc)) from None
    if args.no_distracting:
        body["distracting"] = False
    if args.unlock_chars and not args.locked:
        raise CliError("--unlock-chars goes with --locked")
    session = api_call("POST", "/api/v1/focus/start", body)
    if args.json:
        print(json.dumps(session, indent=2))
        return 0
    ends = time.strftime("%H:%M", time.localtime(session["ends_at"]))
    console.print(f"[bold magenta]Focus[/] until {ends} "
                  f"({format_duration(session['ends_at'] - session['started_at'])})"
                  + (", [bold]locked[/]" if session["locked"] else ""))
    if session.get("cycles"):
        console.print(f"Pomodoro: {session['cycles']} work periods")
    return 0


def run_status(args: argparse.Namespace) -> int:
    status = api_call("GET", "/api/v1/focus/status")
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    session = status.get("session")
    if not session:
        console.print("No focus session is running.")
        return 0
    phase = session.get("phase") or "work"
    console.print(f"[bold magenta]Focus[/]: {format_duration(session['remaining'])} left "
                  f"({phase.replace('_', ' ')}"
                  + (f", cycle {session['cycle']}/{session['cycles']}" if session.get("cycles")
                     else "") + ")" + (" [bold]locked[/]" if session["locked"] else ""))
    domains = status.get("blocked_domains") or []
    allow = session["plan"].get("allow_sites") or []
    if allow:
        console.print(f"Only allowed: {', '.join(allow)}")
    if domains:
        shown = ", ".join(domains[:8]) + (f" and {len(domains) - 8} more" if len(domains) > 8
                                          else "")
        console.print(f"Blocked: {shown}")
    if status.get("hosts_error"):
        console.print(f"[yellow]hosts file not changed:[/] {status['hosts_error']} "
                      "(the window watcher still counts attempts)")
    attempt = status.get("last_attempt")
    if attempt:
        console.print(f"Blocked attempts: {attempt['count']} (last: {attempt['reason']})")
    return 0


def run_stop(args: argparse.Namespace) -> int:
    typed = args.unlock_text
    if typed is None:
        status = api_call("GET", "/api/v1/focus/status")
        text = (status.get("session") or {}).get("unlock_text")
        if text and sys.stdin.isatty():
            console.print("This session is locked. To end it, type this text exactly:\n")
            console.print(f"  [bold]{text}[/]\n")
            typed = input("> ")
    session = api_call("POST", "/api/v1/focus/stop",
                       {} if typed is None else {"unlock_text": typed})
    console.print(f"Focus session ended after "
                  f"{format_duration(session['ended_at'] - session['started_at'])}.")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    now = time.time()
    stats = api_call("GET", f"/api/v1/focus/stats?from={now - args.days * 86400}&to={now}")
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    console.print(f"Last {args.days:g} days: {stats['completed']} sessions completed, "
                  f"{stats['abandoned']} abandoned, {format_duration(stats['focus_seconds'])} "
                  "in focus")
    console.print(f"Coding inside focus sessions: {format_duration(stats['coding_inside'])}, "
                  f"outside: {format_duration(stats['coding_outside'])}")
    if stats["attempts_by_site"]:
        console.print(f"Blocked attempts ({stats['attempts']}):")
        for site, count in stats["attempts_by_site"].items():
            console.print(f"  {site:<30} {count:>5}")
    return 0


def run_doh(args: argparse.Namespace) -> int:
    from desktop.engine.focus.helper import HelperFailed, run_elevated

    try:
        result = run_elevated(["doh-policy", "off" if args.write else "on"])
    except HelperFailed as exc:
        raise CliError(f"browser policies not changed: {exc}") from None
    changed = result.get("changed") or []
    if not changed:
        console.print("Nothing to change.")
    for path in changed:
        console.print(f"{'wrote' if args.write else 'removed'} {path}")
    if args.write:
        console.print("Restart your browsers; they now use the system resolver (and the "
                      "hosts file).")
    return 0
