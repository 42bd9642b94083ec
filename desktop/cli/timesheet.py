"""`timeforged report --by day,project`: a timesheet, one row per local day and project,
whose rows add up to the report's total (each day's summary over a partition of the range)."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import datetime, timedelta

from rich.table import Table

from desktop.cli.context import console
from desktop.engine.analytics import Analytics
from desktop.engine.formatting import format_duration

TIMESHEET = "day,project"


def timesheet(analytics: Analytics, start: datetime, end: datetime
              ) -> list[tuple[str, str, float]]:
    """(day, project, seconds) rows for [start, end), days in the range's time zone."""
    rows = []
    day = start
    while day < end:
        nxt = min(end, datetime.combine(day.date() + timedelta(days=1), datetime.min.time(),
                                        tzinfo=day.tzinfo))
        for item in analytics.summary(day, nxt, by="project").items:
            rows.append((day.date().isoformat(), item.name, item.seconds))
        day = nxt
    return rows


def timesheet_csv(rows: list[tuple[str, str, float]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "project", "hours", "total_seconds"])
    for day, project, seconds in rows:
        writer.writerow([day, project, f"{seconds / 3600:.2f}", round(seconds, 3)])
    return out.getvalue()


def print_timesheet(fmt: str, rows: list[tuple[str, str, float]]) -> int:
    total = sum(r[2] for r in rows)
    if fmt == "csv":
        sys.stdout.write(timesheet_csv(rows))
    elif fmt == "json":
        json.dump({"by": TIMESHEET, "total_seconds": round(total, 3), "items": [
            {"day": d, "project": p, "total_seconds": round(s, 3)} for d, p, s in rows]},
            sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        table = Table(title="timesheet")
        for col in ("day", "project", "time"):
            table.add_column(col, justify="right" if col == "time" else "left")
        for d, p, s in rows:
            table.add_row(d, p, format_duration(s))
        table.add_section()
        table.add_row("total", "", format_duration(total))
        console.print(table)
    return 0
