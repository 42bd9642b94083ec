"""`timeforged achievements`: the milestones earned, with their dates, and the progress
toward the others (docs/insights.md)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from rich.table import Table

from desktop.cli.context import console, open_context
from desktop.engine.achievements import statuses


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("achievements", help="milestones earned, and progress toward the rest")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ctx = open_context()
    try:
        goals = ctx.config.goals
        today = datetime.now(ctx.config.zone()).date()
        found = statuses(ctx.analytics, today, goals.daily_coding_minutes * 60, goals.category)
    finally:
        ctx.close()
    if args.json:
        json.dump([{"key": s.rule.key, "title": s.rule.title, "rule": s.rule.rule,
                    "earned": s.earned.isoformat() if s.earned else None,
                    "progress": round(s.progress, 2), "target": s.rule.target,
                    "unit": s.rule.unit} for s in found], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    table = Table(title="Achievements")
    for name in ("", "achievement", "earned / progress", "rule"):
        table.add_column(name)
    for s in found:
        state = (s.earned.isoformat() if s.earned else
                 f"{s.progress:,.0f} / {s.rule.target:,.0f} {s.rule.unit}")
        table.add_row("★" if s.earned else "☆", s.rule.title, state, s.rule.rule)
    console.print(table)
    return 0
