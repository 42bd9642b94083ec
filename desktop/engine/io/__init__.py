"""Moving history in and out: our JSON/CSV, WakaTime dumps, ActivityWatch exports.

Every import reads and checks the whole file first (a broken file raises ImportFormatError and
changes nothing), then adds all its spans in one transaction. Imported spans have
deterministic uuids, so importing the same file twice adds nothing. ActivityWatch files are
kept as raw events and their spans derived from all of them, so that an export split into
several files gives the same history in any order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop.engine.io import activitywatch, native, wakatime
from desktop.engine.io.common import ImportFormatError, ImportResult, Progress, load_json
from desktop.engine.span import Span
from desktop.engine.timeline import covered

EXPORT_FORMATS = ("json", "csv")
IMPORT_FORMATS = ("json", "csv", "wakatime", "activitywatch")
_ALL_TIME = (0.0, 1e12)  # export everything: from 1970 to the year 33658

__all__ = ["EXPORT_FORMATS", "IMPORT_FORMATS", "ImportFormatError", "ImportResult",
           "detect_format", "export_file", "import_file", "read_spans"]


def _sniff(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    if data.get("format") == native.FORMAT:
        return "json"
    if "buckets" in data:
        return "activitywatch"
    if "days" in data:
        return "wakatime"
    return None


def detect_format(path: Path | str, data: Any = None) -> str:
    """"csv" by extension; for JSON, what the top-level object (`data`, if already parsed)
    looks like."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return "csv"
    found = _sniff(load_json(path) if data is None else data)
    if found is None:
        raise ImportFormatError(path, "unknown format: expected a TimeForged export "
                                "({\"format\": \"timeforged\", ...}), a WakaTime data dump "
                                "({\"days\": [...]}) or an ActivityWatch export "
                                "({\"buckets\": {...}}), or a .csv file")
    return found


def _open(path: Path, fmt: str | None) -> tuple[str, Any]:
    """(the format, the parsed JSON; None for CSV), checked."""
    if not path.is_file():
        raise ImportFormatError(path, "no such file")
    if fmt is None and path.suffix.lower() == ".csv":
        fmt = "csv"
    if fmt == "csv":
        return fmt, None
    if fmt not in (None, *IMPORT_FORMATS):
        raise ValueError(f"unknown import format {fmt!r} (known: {', '.join(IMPORT_FORMATS)})")
    data = load_json(path)
    return fmt or detect_format(path, data), data


def _read(path: Path, fmt: str, data: Any, wakatime_timeout_minutes: float) -> list[Span]:
    if fmt == "csv":
        return native.read_csv(path)
    if fmt == "json":
        return native.read_json(path, data)
    if fmt == "wakatime":
        return wakatime.read(path, wakatime_timeout_minutes, data)
    return activitywatch.read(path, data)


def read_spans(path: Path | str, fmt: str | None = None, *,
               wakatime_timeout_minutes: float = wakatime.DEFAULT_TIMEOUT_MINUTES
               ) -> tuple[str, list[Span]]:
    """(the format, every span in the file), checked; nothing is stored."""
    path = Path(path)
    fmt, data = _open(path, fmt)
    return fmt, _read(path, fmt, data, wakatime_timeout_minutes)


def import_file(path: Path | str, store: Any, *, fmt: str | None = None,
                progress: Progress | None = None,
                wakatime_timeout_minutes: float = wakatime.DEFAULT_TIMEOUT_MINUTES
                ) -> ImportResult:
    """Import the file at `path` into `store` (a Store). All or nothing. ActivityWatch
    files combine with those imported before (see desktop.engine.io.activitywatch)."""
    path = Path(path)
    fmt, data = _open(path, fmt)
    if fmt == "activitywatch":
        return activitywatch.import_into(store, path, data, progress)
    if fmt == "wakatime":
        return wakatime.import_into(store, path, data, wakatime_timeout_minutes, progress)
    spans = _read(path, fmt, data, wakatime_timeout_minutes)
    for span in spans:
        span.device = span.device or store.device
    if progress:
        progress(0, len(spans))
    added = store.add_spans(spans, progress=progress) if spans else 0
    return ImportResult(fmt, len(spans), added, covered((s.start, s.end) for s in spans))


def export_file(store: Any, path: Path | str, *, fmt: str | None = None,
                start: float | None = None, end: float | None = None,
                progress: Progress | None = None) -> int:
    """Write the spans overlapping [start, end) (default: everything) to `path` in `fmt`
    ("json" or "csv"; default: from the extension). Returns how many were written."""
    path = Path(path)
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "json")
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(EXPORT_FORMATS)})")
    lo = _ALL_TIME[0] if start is None else start
    hi = _ALL_TIME[1] if end is None else end
    spans = store.spans(lo, hi)
    if progress:
        progress(0, len(spans))
    (native.write_csv if fmt == "csv" else native.write_json)(path, spans)
    if progress:
        progress(len(spans), len(spans))
    return len(spans)
