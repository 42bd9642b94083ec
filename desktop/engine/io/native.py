"""Our own formats, which round-trip every Span field exactly.

JSON: ``{"format": "timeforged", "version": 1, "spans": [{<every Span field>}, ...]}``.
CSV: a header row of Span field names, then one row per span; an empty cell is None (text)
or the field's default; booleans are true/false; numbers are written with full precision.
"""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
import uuid as uuidlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from desktop.engine.io.common import ImportFormatError, check, expect, load_json, require, schema
from desktop.engine.span import Span

FORMAT = "timeforged"
VERSION = 1
FIELDS: tuple[str, ...] = Span.__slots__
_FLOATS = {"start", "end"}
_REQUIRED_TEXT = {"source", "device", "uuid"}
_BOOLS = {"private", "audible"}
_INTS = {"keystrokes", "clicks", "scrolls", "moves", "lines_added", "lines_deleted",
         "idle_to_active"}
# Every field's default but start's and end's (uuid's, None, makes a new one).
_DEFAULTS = dict(zip(FIELDS[2:], Span.__init__.__defaults__ or (), strict=True))


def span_record(span: Span) -> dict[str, Any]:
    return {name: getattr(span, name) for name in FIELDS}


_SPAN = schema(*[(name, float) if name in _FLOATS else (name, str) if name in _REQUIRED_TEXT
                 else (name, bool, True) if name in _BOOLS else (name, int, True)
                 if name in _INTS else (name, str, True) for name in FIELDS])
_KNOWN = frozenset(FIELDS)


def _check_span(path: Path, where: str, values: Any) -> Span:
    check(path, lambda: where, values, _SPAN)
    if not _KNOWN.issuperset(values):
        unknown = sorted(set(values) - _KNOWN)
        raise ImportFormatError(path, f"unknown field(s) {', '.join(unknown)}", where)
    span = Span(**values)
    span.start, span.end = float(span.start), float(span.end)
    span.private, span.audible = bool(span.private), bool(span.audible)
    for name in _INTS:
        value = getattr(span, name)
        if value is None:
            setattr(span, name, 0)
        elif value < 0:
            raise ImportFormatError(path, f"{name} must not be negative", where)
    if not (math.isfinite(span.start) and math.isfinite(span.end)):
        raise ImportFormatError(path, "start and end must be finite times", where)
    if span.end < span.start:
        raise ImportFormatError(path, "end is before start", where)
    try:
        uuidlib.UUID(span.uuid)
    except ValueError:
        raise ImportFormatError(path, f"uuid is not a UUID: {span.uuid!r}", where) from None
    if not span.source:
        raise ImportFormatError(path, "source is empty", where)
    return span


def read_json(path: Path, data: Any = None) -> list[Span]:
    data = load_json(path) if data is None else data
    expect(path, "the top level", data, dict)
    if data.get("format") != FORMAT:
        raise ImportFormatError(path, f"not a TimeForged export (format is {data.get('format')!r},"
                                f" expected {FORMAT!r})")
    version = require(path, "the top level", data, "version", int)
    if version > VERSION:
        raise ImportFormatError(path, f"made by a newer TimeForged (version {version}; this one "
                                f"reads up to {VERSION})")
    records = require(path, "the top level", data, "spans", list)
    spans = []
    for index, record in enumerate(records):
        where = f"spans[{index}]"
        spans.append(_check_span(path, where, expect(path, where, record, dict)))
    return spans


def _cell(path: Path, where: str, name: str, text: str) -> Any:
    if text == "":
        return _DEFAULTS.get(name)
    if name in _FLOATS:
        try:
            return float(text)
        except ValueError:
            raise ImportFormatError(path, f"{name}: not a number: {text!r}", where) from None
    if name in _INTS:
        try:
            return int(text)
        except ValueError:
            raise ImportFormatError(path, f"{name}: not a whole number: {text!r}", where) from None
    if name in _BOOLS:
        if text not in ("true", "false"):
            raise ImportFormatError(path, f"{name}: expected true or false, got {text!r}", where)
        return text == "true"
    return text


def read_csv(path: Path) -> list[Span]:
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise ImportFormatError(path, f"cannot be read: {exc.strerror or exc}") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if not header:
                raise ImportFormatError(path, "empty file (expected a header row)", "line 1")
            missing = [n for n in ("start", "end", "uuid", "source") if n not in header]
            unknown = [n for n in header if n not in FIELDS]
            if missing or unknown:
                problem = "; ".join(filter(None, [
                    missing and f"missing column(s) {', '.join(missing)}",
                    unknown and f"unknown column(s) {', '.join(unknown)}"]))
                raise ImportFormatError(path, f"not a TimeForged CSV: {problem}", "line 1")
            spans = []
            for row in reader:
                where = f"line {reader.line_num}"
                if not row:
                    continue
                if len(row) != len(header):
                    raise ImportFormatError(
                        path, f"{len(row)} cells, the header has {len(header)} (truncated?)",
                        where)
                values = {n: _cell(path, where, n, t) for n, t in zip(header, row, strict=True)}
                values.setdefault("device", "")
                spans.append(_check_span(path, where, values))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ImportFormatError(path, f"not a readable CSV: {exc}",
                                    f"line {reader.line_num}") from None
    return spans


def _atomic_write(path: Path, chunks: Iterator[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, spans: list[Span]) -> None:
    def chunks() -> Iterator[str]:
        yield f'{{"format": "{FORMAT}", "version": {VERSION}, "spans": [\n'
        for i, span in enumerate(spans):
            yield ("" if i == 0 else ",\n") + json.dumps(span_record(span), ensure_ascii=False)
        yield "\n]}\n"

    _atomic_write(path, chunks())


class _Lines:
    """A file-like sink for csv.writer that hands back what was written."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)


def write_csv(path: Path, spans: list[Span]) -> None:
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return repr(value)
        return str(value)

    def chunks() -> Iterator[str]:
        sink = _Lines()
        writer = csv.writer(sink, lineterminator="\n")
        writer.writerow(FIELDS)
        for i, span in enumerate(spans):
            writer.writerow([text(getattr(span, n)) for n in FIELDS])
            if i % 1000 == 999:
                yield "".join(sink.parts)
                sink.parts.clear()
        yield "".join(sink.parts)

    _atomic_write(path, chunks())
