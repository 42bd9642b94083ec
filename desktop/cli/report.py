"""`timeforged report`: totals over a range, by any dimension (or by commit and pull request),
as a table, JSON or CSV."""

from __future__ import annotations

import argparse
import csv
import json
import sys

from desktop.cli.context import open_context
from desktop.cli.table import print_table
from desktop.cli.timerange import PERIODS, resolve_range
from desktop.cli.timesheet import TIMESHEET, print_timesheet
from desktop.engine.analytics import DIMENSIONS
from desktop.engine.formatting import format_duration
from desktop.engine.timesheet import timesheet


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="totals over a range", description=(
        "Totals over a range, in your time zone. week = this week from Monday; month and year "
        "are calendar, to date."))
    p.add_argument("period", nargs="?", choices=PERIODS, help="default: today")
    p.add_argument("--from", dest="start", metavar="WHEN", help="a date or datetime")
    p.add_argument("--to", dest="end", metavar="WHEN", help="a date (inclusive) or datetime")
    p.add_argument("--by", default="project", choices=(*DIMENSIONS, *COMMIT_VIEWS, TIMESHEET),
                   help="commit, pr: the coding time of each of your commits, or pull "
                   "request, in the range (docs/commits.md); day,project: a timesheet")
    p.add_argument("--format", default="table", choices=("table", "json", "csv"))
    p.add_argument("--filter", action="append", default=[], metavar="DIM=VALUE",
                   help="keep only this value of a dimension (repeatable)")
    p.set_defaults(func=run)


COMMIT_VIEWS = ("commit", "pr")


def _filters(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in DIMENSIONS:
            raise SystemExit(f"--filter wants DIM=VALUE with DIM one of {', '.join(DIMENSIONS)}")
        out[key] = value
    return out


def run(args: argparse.Namespace) -> int:
    ctx = open_context(read_only=True)
    try:
        tz = ctx.config.zone()
        start, end = resolve_range(args.period, args.start, args.end, tz)
        filters = _filters(args.filter)
        if args.by in COMMIT_VIEWS:
            from desktop.cli.commit_report import report_commits

            return report_commits(ctx, args, start, end, filters)
        if args.by == TIMESHEET:
            return print_timesheet(args.format, timesheet(ctx.analytics, start, end))
        summary = ctx.analytics.summary(start, end, by=args.by, filters=filters)
    finally:
        ctx.close()
    total = summary.total_seconds
    if args.format == "json":
        json.dump({
            "from": start.isoformat(), "to": end.isoformat(), "timezone": str(tz),
            "by": args.by, "total_seconds": round(total, 3),
            "items": [{"name": i.name, "total_seconds": round(i.seconds, 3),
                       "percent": round(100 * i.seconds / total, 2) if total else 0.0}
                      for i in summary.items],
        }, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow([args.by, "total_seconds"])
        for item in summary.items:
            writer.writerow([item.name, round(item.seconds, 3)])
    else:
        rows = []
        for item in summary.items:
            share = item.seconds / total if total else 0
            rows.append((item.name, format_duration(item.seconds), f"{100 * share:.1f}",
                         "█" * max(1, round(share * 30))))
        print_table(f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M} by {args.by}",
                    [(args.by, "left"), ("time", "right"), ("%", "right"), ("", "left")],
                    rows, [("total", format_duration(total), "", "")])
    return 0
