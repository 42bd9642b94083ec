"""`timeforged insights [range]`: best coding hours, longest stretch, context switches, what
breaks coding, the trend against the previous range, suggestions (docs/insights.md)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from rich.table import Table

from desktop.cli.context import console, open_context
from desktop.cli.timerange import PERIODS, resolve_range
from desktop.engine.analytics import WEEKDAYS
from desktop.engine.formatting import format_duration
from desktop.engine.insights import compute


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("insights", help="when you code best, what breaks it, the trend")
    p.add_argument("period", nargs="?", choices=PERIODS, help="default: last7")
    p.add_argument("--from", dest="start", metavar="WHEN", help="a date or datetime")
    p.add_argument("--to", dest="end", metavar="WHEN", help="a date (inclusive) or datetime")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ctx = open_context(read_only=True)
    try:
        tz = ctx.config.zone()
        period = args.period or (None if args.start or args.end else "last7")
        start, end = resolve_range(period, args.start, args.end, tz)
        ins = compute(ctx.analytics, start, end)
    finally:
        ctx.close()
    if args.json:
        json.dump({"timezone": str(tz), **ins.as_dict()}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    trend = ins.trend
    console.print(f"[bold]{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M}[/]: coding "
                  f"{format_duration(ins.coding_seconds)}"
                  + ("" if trend is None else f" ({trend:+.0f} % vs the previous period)"))
    table = Table(title="Coding by weekday")
    for name in ("day", "coding", "% of the week"):
        table.add_column(name, justify="right" if name != "day" else "left")
    for i, share in enumerate(ins.weekday_share()):
        table.add_row(WEEKDAYS[i], format_duration(ins.by_weekday[i]), f"{share:.1f}")
    console.print(table)
    best = ", ".join(f"{h:02d}:00 ({format_duration(ins.by_hour[h])})" for h in ins.best_hours())
    console.print(f"Best hours: {best or '—'}")
    if ins.longest is not None:
        a = datetime.fromtimestamp(ins.longest.start, tz)
        b = datetime.fromtimestamp(ins.longest.end, tz)
        console.print(f"Longest coding stretch: {format_duration(ins.longest.seconds)} "
                      f"({a:%a %d %b %H:%M}–{b:%H:%M}); {ins.stretches} stretches of 5 min+")
    if ins.switches_per_hour is not None:
        console.print(f"Context switches: {ins.switches_per_hour:.1f} per hour")
    if ins.breakers:
        table = Table(title="What ended coding stretches")
        for name in ("site or app", "times", "back to coding (median)"):
            table.add_column(name, justify="left" if name == "site or app" else "right")
        for b in ins.breakers[:10]:
            table.add_row(b.name, str(b.count), "—" if b.median_return is None
                          else format_duration(b.median_return))
        console.print(table)
    for line in ins.suggestions:
        console.print(f"• {line}", highlight=False)
    return 0
