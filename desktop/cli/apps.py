"""`timeforged apps`: the editors, browsers and terminals installed here, and how TimeForged
recognizes each (what the system says about it, or one of our table rows)."""

from __future__ import annotations

import argparse
import json
import shutil

from desktop.cli.context import console


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("apps", help="the editors, browsers and terminals found on this machine "
                       "and how each is recognized")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


_SOURCES = {"desktop": "its .desktop entry", "plist": "its Info.plist",
            "registry": "the registry"}


def found() -> list[dict]:
    """One row per app: kind, name, how it is recognized, where that comes from."""
    from watchers.apps import app_index
    from watchers.browsers import BROWSERS, browser_for
    from watchers.editors import EDITORS, editor_for
    from watchers.terminals import TERMINALS, terminal_for

    tables = {"editor": editor_for, "browser": browser_for, "terminal": terminal_for}
    rows, covered = [], set()
    for app in app_index().installed():
        spec = tables[app.kind](sorted(app.names))
        name = spec.name if spec else app.name
        if (app.kind, name) in covered:
            continue
        covered.add((app.kind, name))
        how = _SOURCES.get(app.source, app.source) if spec is None else \
            "our table (over its entry)"
        rows.append({"kind": app.kind, "name": name, "how": how, "origin": app.origin,
                     "names": sorted(app.names)})
    for kind, specs in (("editor", EDITORS), ("browser", BROWSERS), ("terminal", TERMINALS)):
        for spec in specs:
            if (kind, spec.name) in covered:
                continue
            ids = sorted(spec.ids, key=lambda i: (i != spec.name.lower(), i))
            program = next((p for i in ids if (p := shutil.which(i))), None)
            if program is not None:
                rows.append({"kind": kind, "name": spec.name, "how": "our table",
                             "origin": program, "names": sorted(spec.ids)})
    return sorted(rows, key=lambda r: (r["kind"], r["name"].lower()))


def run(args: argparse.Namespace) -> int:
    rows = found()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    from rich.table import Table

    table = Table("kind", "name", "recognized by", "from", box=None, pad_edge=False)
    for row in rows:
        table.add_row(row["kind"], row["name"], row["how"], row["origin"])
    console.print(table)
    if not rows:
        console.print("No editor, browser or terminal found.")
    return 0
