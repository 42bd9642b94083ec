"""`timeforged rules`: list the classification rules, or check a rules file."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.table import Table

from desktop.cli.context import console, errors
from desktop.engine import paths
from desktop.engine.rules import Rules


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rules", help="list the rules, or check a rules file")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", help="the effective rules (defaults plus yours)")
    check = actions.add_parser("check", help="check a rules file; errors point at their line")
    check.add_argument("file", type=Path, nargs="?", help="default: your rules.toml")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "check":
        path = args.file or paths.rules_file()
        problems = Rules.check(path)
        for problem in problems:
            errors.print(f"{path}:{problem.line or '?'}: {problem}", highlight=False)
        if problems:
            return 1
        console.print(f"{path}: OK")
        return 0
    rules = Rules.load(paths.rules_file())
    table = Table(title=f"Rules (yours: {paths.rules_file()})")
    for column in ("#", "match", "project", "category", "productivity", "from"):
        table.add_column(column)
    for number, rule in enumerate(rules.rules, 1):
        level = "" if rule.productivity is None else f"{rule.productivity:+d}"
        table.add_row(str(number), rule.name or rule.describe_match(), rule.project or "",
                      rule.category or "", level, rule.origin)
    console.print(table)
    return 0
