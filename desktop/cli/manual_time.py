"""`timeforged log`, `sessions` and `edit`: time logged by hand, working sessions, and edits
of recorded spans (desktop.engine.manual, desktop.engine.sessions)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, time, tzinfo

from rich.prompt import Confirm
from rich.table import Table

from desktop.cli.context import CliError, console, open_context
from desktop.cli.timerange import PERIODS, parse_moment, resolve_range
from desktop.engine import manual
from desktop.engine.formatting import format_duration
from desktop.engine.sessions import sessions
from desktop.engine.span import MANUAL


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("log", help="add time the watchers could not see (a meeting...)",
                       description="Add a manual entry. It wins the moments it covers over "
                       "tracked time, so nothing is counted twice (docs/accounting.md).")
    p.add_argument("duration", help="1h30m, 45m, 2h, 90s, or minutes")
    p.add_argument("--project", required=True)
    p.add_argument("--note", help="what it was (shown as its title)")
    p.add_argument("--category", help="its category (one of the rules' [categories]); "
                   "default: what the rules make of it")
    p.add_argument("--at", metavar="WHEN",
                   help="its start: 14:00 (today) or '2026-12-04 14:00'; default: ends now")
    p.set_defaults(func=run_log)

    p = sub.add_parser("sessions", help="recent working sessions",
                       description="Working sessions: time joined while the gaps stay under "
                       "15 minutes (the heartbeat rule, docs/accounting.md).")
    p.add_argument("period", nargs="?", choices=PERIODS, help="default: last7")
    p.add_argument("--from", dest="start", metavar="WHEN")
    p.add_argument("--to", dest="end", metavar="WHEN")
    p.add_argument("--spans", action="store_true", help="list the spans (with their ids)")
    p.add_argument("--format", default="table", choices=("table", "json"))
    p.set_defaults(func=run_sessions)

    p = sub.add_parser("edit", help="move, split or delete a span",
                       description="Edit one span by its id (`timeforged sessions --spans`), "
                       "or move a range of time (--from/--to) to a project or category. The "
                       "change is stored and syncs.")
    p.add_argument("span", nargs="?", help="the span's id (or a unique start of it)")
    p.add_argument("--from", dest="start", metavar="WHEN", help="with --to and --project or "
                   "--category: move the time in this range, whatever recorded it")
    p.add_argument("--to", dest="end", metavar="WHEN")
    p.add_argument("--project", help="move it to this project")
    p.add_argument("--category", help="move it to this category (wins over the rules; "
                   "'' gives it back to them)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--split-at", metavar="WHEN", help="split it at this time")
    what.add_argument("--delete", action="store_true", help="delete it")
    p.add_argument("--yes", action="store_true", help="delete without asking")
    p.set_defaults(func=run_edit)


def _moment(text: str, tz: tzinfo) -> datetime:
    """`14:00` (today) or a date and time."""
    text = text.strip()
    if len(text) <= 5 and ":" in text:
        try:
            clock = time.fromisoformat(text.zfill(5))
        except ValueError:
            raise CliError(f"cannot read {text!r} as a time (14:00)") from None
        return datetime.combine(datetime.now(tz).date(), clock, tzinfo=tz)
    return parse_moment(text, tz)


def run_log(args: argparse.Namespace) -> int:
    try:
        seconds = manual.parse_duration(args.duration)
    except manual.EditError as exc:
        raise CliError(str(exc)) from None
    ctx = open_context()
    try:
        tz = ctx.config.zone()
        start = (_moment(args.at, tz).timestamp() if args.at
                 else datetime.now(tz).timestamp() - seconds)
        try:
            category = manual.check_category(args.category or "", ctx.rules.categories)
            span = manual.log_time(ctx.store, manual.manual_span(
                start, seconds, args.project, args.note, category=category))
        except manual.EditError as exc:
            raise CliError(str(exc)) from None
    finally:
        ctx.close()
    a, b = (datetime.fromtimestamp(t, tz) for t in (span.start, span.end))
    console.print(f"logged {format_duration(seconds)} on {span.project}"
                  f"{f' ({span.category})' if span.category else ''} "
                  f"{a:%Y-%m-%d %H:%M}–{b:%H:%M} (manual, id {span.uuid[:8]})", highlight=False)
    return 0


def run_sessions(args: argparse.Namespace) -> int:
    ctx = open_context(read_only=True)
    try:
        tz = ctx.config.zone()
        period = args.period or (None if args.start or args.end else "last7")
        start, end = resolve_range(period, args.start, args.end, tz)
        pieces = ctx.analytics.pieces(start.timestamp(), end.timestamp())
        spans = ctx.store.spans(start.timestamp(), end.timestamp()) if args.spans else []
    finally:
        ctx.close()
    stamp = lambda t: datetime.fromtimestamp(t, tz)  # noqa: E731
    if args.spans:
        rows = [{"id": s.uuid, "start": stamp(s.start).isoformat(), "end":
                 stamp(s.end).isoformat(), "seconds": round(s.duration, 3), "source": s.source,
                 "manual": s.source == MANUAL, "project": s.project, "category": s.category,
                 "title": s.title, "file": s.file} for s in spans]
    else:
        rows = [{"start": stamp(s.start).isoformat(), "end": stamp(s.end).isoformat(),
                 "seconds": round(s.seconds, 3), "project": s.project,
                 "files": s.main_files(), "manual": s.manual,
                 "manual_seconds": round(s.manual_seconds, 3)} for s in sessions(pieces)]
    if args.format == "json":
        json.dump({"from": start.isoformat(), "to": end.isoformat(),
                   "spans" if args.spans else "sessions": rows}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    table = Table(title=f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M}")
    if args.spans:
        for col in ("id", "start", "end", "time", "project", "what"):
            table.add_column(col)
        for r in rows:
            table.add_row(r["id"][:8], r["start"][:16].replace("T", " "), r["end"][11:16],
                          format_duration(r["seconds"]), r["project"] or "",
                          ("[manual] " if r["manual"] else "") + (r["title"] or r["file"] or ""))
    else:
        for col in ("start", "end", "time", "project", "main files"):
            table.add_column(col)
        for r in rows:
            table.add_row(r["start"][:16].replace("T", " "), r["end"][11:16],
                          format_duration(r["seconds"]) + (" (manual)" if r["manual"] else ""),
                          r["project"] or "", ", ".join(r["files"]))
    console.print(table)
    return 0


def run_edit(args: argparse.Namespace) -> int:
    if (args.span is None) == (args.start is None or args.end is None):
        raise CliError("give a span's id, or --from and --to (not both)")
    moving = args.project is not None or args.category is not None
    if moving == bool(args.split_at or args.delete):
        raise CliError("say what to do: --project and/or --category, or --split-at, "
                       "or --delete")
    if args.span is None and not moving:
        raise CliError("a range can only be moved: add --project or --category")
    ctx = open_context()
    try:
        tz = ctx.config.zone()
        try:
            if args.category is not None:
                args.category = manual.check_category(args.category, ctx.rules.categories)
            target = " and ".join(
                ([args.project] if args.project is not None else [])
                + ([f"category {args.category or '(from the rules)'}"]
                   if args.category is not None else []))
            if args.span is None:
                count = manual.move_range(ctx.store, _moment(args.start, tz).timestamp(),
                                          _moment(args.end, tz).timestamp(), args.project,
                                          args.category)
                console.print(f"moved {count} spans to {target}", highlight=False)
                return 0
            span = manual.find_span(ctx.store, args.span)
            if moving:
                if args.project is not None:
                    manual.move(ctx.store, span.uuid, args.project)
                if args.category is not None:
                    manual.recategorize(ctx.store, span.uuid, args.category)
                message = f"moved to {target}"
            elif args.split_at:
                at = _moment(args.split_at, tz).timestamp()
                _, second = manual.split(ctx.store, span.uuid, at)
                message = f"split; the second part is {second.uuid[:8]}"
            else:
                if not args.yes and not _confirm(span, tz):
                    console.print("nothing deleted")
                    return 1
                manual.delete(ctx.store, span.uuid)
                message = "deleted"
        except manual.EditError as exc:
            raise CliError(str(exc)) from None
    finally:
        ctx.close()
    console.print(f"{span.uuid[:8]}: {message}", highlight=False)
    return 0


def _confirm(span, tz: tzinfo) -> bool:
    a = datetime.fromtimestamp(span.start, tz)
    return Confirm.ask(f"Delete {format_duration(span.duration)} from {a:%Y-%m-%d %H:%M} "
                       f"({span.project or span.app or span.source})?", default=False)
