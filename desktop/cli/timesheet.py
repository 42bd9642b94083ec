"""`timeforged report --by day,project`: the timesheet (desktop.engine.timesheet) as a table,
JSON or CSV."""

from __future__ import annotations

import json
import sys

from desktop.cli.table import print_table
from desktop.engine.formatting import format_duration
from desktop.engine.timesheet import timesheet_csv

TIMESHEET = "day,project"


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
        print_table("timesheet", [("day", "left"), ("project", "left"), ("time", "right")],
                    [(d, p, format_duration(s)) for d, p, s in rows],
                    [("total", "", format_duration(total))])
    return 0
