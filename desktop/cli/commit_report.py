"""`timeforged report --by commit|pr`: the coding time of each of the user's commits (or pull
requests) with a moment in the range; the rule is desktop.engine.commits'."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from datetime import datetime

from rich.table import Table

from desktop.cli.context import CliError, Context, console, errors
from desktop.engine.commits import Commits, CommitTime
from desktop.engine.formatting import format_duration


def report_commits(ctx: Context, args: argparse.Namespace, start: datetime, end: datetime,
                   filters: dict[str, str]) -> int:
    if filters.keys() - {"project"}:
        raise CliError("commits can be filtered by project only (--filter project=NAME)")
    commits = Commits(ctx.store, ctx.analytics, ctx.config.git.emails)
    for problem in commits.refresh():
        errors.print(f"[yellow]warning:[/] {problem}", highlight=False)
    times = commits.times(start.timestamp(), end.timestamp(), filters.get("project"))
    rows = _by_pull(times) if args.by == "pr" else [_row(t) for t in times]
    total = sum(r["total_seconds"] for r in rows)
    if args.format == "json":
        json.dump({"from": start.isoformat(), "to": end.isoformat(), "by": args.by,
                   "total_seconds": round(total, 3), "items": rows}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif args.format == "csv":
        writer = csv.writer(sys.stdout)
        if rows:
            writer.writerow(list(rows[0]))
            writer.writerows(list(r.values()) for r in rows)
    else:
        _table(args.by, rows, total, start, end)
    if not times and args.format == "table":
        errors.print("No commits of yours in this range. Commits count as yours when their "
                     "author address is the repository's git user.email, or one of "
                     "[git] emails in config.toml.", highlight=False)
    return 0


def _row(t: CommitTime) -> dict:
    c = t.commit
    return {"commit": c.hash, "subject": c.subject, "authored": datetime.fromtimestamp(
        c.authored).astimezone().isoformat(timespec="seconds"), "project": t.project,
        "repository": t.root, "branch": t.branch, "pull": t.pull,
        "total_seconds": round(t.seconds, 3), "lines_added": c.added,
        "lines_deleted": c.deleted}


def _by_pull(times: list[CommitTime]) -> list[dict]:
    acc: dict[tuple[str, str | None, str], dict] = defaultdict(
        lambda: {"commits": 0, "total_seconds": 0.0, "lines_added": 0, "lines_deleted": 0})
    for t in times:
        if t.pull is None:
            continue
        row = acc[t.project, t.branch, t.pull]
        row["commits"] += 1
        row["total_seconds"] = round(row["total_seconds"] + t.seconds, 3)
        row["lines_added"] += t.commit.added
        row["lines_deleted"] += t.commit.deleted
    return sorted(({"pull": pull, "project": project, "branch": branch, **row}
                   for (project, branch, pull), row in acc.items()),
                  key=lambda r: -r["total_seconds"])


def _table(by: str, rows: list[dict], total: float, start: datetime, end: datetime) -> None:
    table = Table(title=f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M} by {by}")
    if by == "pr":
        for name in ("pull request", "project", "branch", "commits", "time", "+/-"):
            table.add_column(name, justify="right" if name in ("commits", "time") else "left")
        for r in rows:
            table.add_row(r["pull"], r["project"], r["branch"] or "", str(r["commits"]),
                          format_duration(r["total_seconds"]),
                          f"+{r['lines_added']} -{r['lines_deleted']}")
    else:
        for name in ("commit", "when", "project", "branch", "time", "+/-", "subject"):
            table.add_column(name, justify="right" if name == "time" else "left",
                             overflow="ellipsis", no_wrap=name == "subject")
        for r in rows:
            table.add_row(r["commit"][:9], r["authored"][:16].replace("T", " "), r["project"],
                          r["branch"] or "", format_duration(r["total_seconds"]),
                          f"+{r['lines_added']} -{r['lines_deleted']}", r["subject"])
    table.add_section()
    time_column = 4
    table.add_row(*("total" if i == 0 else format_duration(total) if i == time_column else ""
                    for i in range(len(table.columns))))
    console.print(table)
