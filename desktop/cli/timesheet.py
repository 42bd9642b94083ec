"""`timeforged report --by day,project`: the timesheet (desktop.engine.timesheet) as a table,
JSON or CSV."""

from __future__ import annotations

import json
import sys

from rich.table import Table

from desktop.cli.context import console
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
        table = Table(title="timesheet")
        for col in ("day", "project", "time"):
            table.add_column(col, justify="right" if col == "time" else "left")
        for d, p, s in rows:
            table.add_row(d, p, format_duration(s))
        table.add_section()
        table.add_row("total", "", format_duration(total))
        console.print(table)
    return 0
