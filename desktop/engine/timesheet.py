"""A timesheet: one row per local day and project, whose rows add up to the period's total
(each day's summary over a partition of the range)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from desktop.engine.analytics import Analytics


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
