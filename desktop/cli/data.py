"""`timeforged export`, `import` and `delete`: moving history in and out, with progress bars."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.prompt import Confirm

from desktop.cli.context import CliError, console, open_context
from desktop.cli.timerange import resolve_range
from desktop.engine.digest_refresh import warm_after_import
from desktop.engine.io import EXPORT_FORMATS, ImportFormatError, export_file, import_file


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export history as JSON or CSV")
    p.add_argument("path", type=Path)
    p.add_argument("--format", choices=EXPORT_FORMATS,
                   help="default: from the file name's extension")
    p.add_argument("--from", dest="start", metavar="WHEN")
    p.add_argument("--to", dest="end", metavar="WHEN")
    p.set_defaults(func=run_export)

    p = sub.add_parser("import", help="import our JSON/CSV, a WakaTime dump or an "
                       "ActivityWatch export (importing twice adds nothing)")
    p.add_argument("path", type=Path)
    p.set_defaults(func=run_import)

    p = sub.add_parser("delete", help="remove all history in a range, for privacy")
    p.add_argument("--from", dest="start", metavar="WHEN", required=True)
    p.add_argument("--to", dest="end", metavar="WHEN", required=True)
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=run_delete)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                    TimeRemainingColumn(), console=console, transient=True)


def run_export(args: argparse.Namespace) -> int:
    ctx = open_context(read_only=True)
    try:
        start = end = None
        if args.start or args.end:
            lo, hi = resolve_range(None, args.start, args.end, ctx.config.zone())
            start, end = lo.timestamp(), hi.timestamp()
        with _progress() as bar:
            task = bar.add_task(f"Exporting to {args.path}", total=None)
            count = export_file(ctx.store, args.path, fmt=args.format, start=start, end=end,
                                progress=lambda done, total: bar.update(task, completed=done,
                                                                        total=total))
    finally:
        ctx.close()
    console.print(f"Exported {count} spans to {args.path}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    ctx = open_context()
    try:
        with _progress() as bar:
            task = bar.add_task(f"Importing {args.path.name}", total=None)
            try:
                result = import_file(args.path, ctx.store,
                                     wakatime_timeout_minutes=(
                                         ctx.config.imports.wakatime_timeout_minutes),
                                     progress=lambda done, total: bar.update(
                                         task, completed=done, total=total))
            except ImportFormatError as exc:
                raise CliError(f"{exc}\nNothing was imported.") from None
            if result.added or result.retired:  # the insights' digests of its days, stored
                bar.update(task, description="Computing insights")
                warm_after_import(ctx.analytics)
    finally:
        ctx.close()
    console.print(f"{args.path}: {result.describe()}")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    ctx = open_context()
    try:
        lo, hi = resolve_range(None, args.start, args.end, ctx.config.zone())
        if not args.yes and not Confirm.ask(
                f"Delete everything recorded from {lo:%Y-%m-%d %H:%M} to {hi:%Y-%m-%d %H:%M}?"):
            console.print("Nothing deleted.")
            return 1
        affected = ctx.store.delete_range(lo.timestamp(), hi.timestamp())
    finally:
        ctx.close()
    console.print(f"Deleted the range; {affected} spans were removed or trimmed.")
    return 0
