"""Time the watchers could not see, logged by hand, and edits of recorded spans.

A manual entry is a span of source `manual` (the store's mark of manual time): it wins every
moment it covers over what watchers recorded then (desktop.engine.span.SOURCE_PRIORITY), so
the same moment is never counted twice. Edits rewrite spans under their uuid (a deleted span
is retired: kept with no length) so that sync carries them like any change. A category set
here is a field of the span's activity and wins over the rules (desktop.engine.rules), now and
after any change of the rules; set to nothing, the rules decide again.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Collection

from desktop.engine.digests import uuid5
from desktop.engine.span import MANUAL, Span
from desktop.engine.store import Store

_SPLIT_NS = uuidlib.UUID("9d3f2c1e-7b4a-4e8d-a6c5-2f1e0b9d8c7a")
_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m(?:in)?)?\s*"
                       r"(?:(\d+(?:\.\d+)?)s)?\s*$")


class EditError(ValueError):
    """An edit that cannot be made (no such span, a time outside it, an empty duration)."""


def parse_duration(text: str) -> float:
    """`1h30m`, `45m`, `2h`, `90s`, `1.5h` or a plain number of minutes, in seconds."""
    text = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        seconds = float(text) * 60
    else:
        m = _DURATION.match(text)
        if not m or not any(m.groups()):
            raise EditError(f"cannot read {text!r} as a duration (1h30m, 45m, 2h, 90s)")
        h, mins, s = (float(g or 0) for g in m.groups())
        seconds = h * 3600 + mins * 60 + s
    if not 0 < seconds <= 24 * 3600:
        raise EditError(f"a manual entry lasts more than nothing and at most 24h, not {text!r}")
    return seconds


def manual_span(start: float, seconds: float, project: str, note: str | None = None,
                device: str = "", category: str | None = None) -> Span:
    """A manual entry: its project, its note as the title, and its category if given."""
    if not project.strip():
        raise EditError("a manual entry needs a project")
    return Span(start, start + seconds, source=MANUAL, device=device, project=project.strip(),
                title=(note or "").strip() or None, category=(category or "").strip() or None)


def check_category(name: str, known: Collection[str]) -> str:
    """`name` if the rules know it (or empty: back to the rules' category)."""
    name = name.strip()
    if name and name not in known:
        raise EditError(f"unknown category {name!r} (known: {', '.join(sorted(known))}; "
                        f"add it under [categories] in rules.toml)")
    return name


def log_time(store: Store, span: Span) -> Span:
    """Store a manual entry (added once under its uuid)."""
    store.add_spans([span])
    return span


def find_span(store: Store, uuid: str) -> Span:
    """The stored span with this uuid (or a unique uuid prefix)."""
    found = store.span_by_uuid(uuid)
    if found is None:
        raise EditError(f"no span with id {uuid!r} (see `timeforged sessions --spans`)")
    return found


def move(store: Store, uuid: str, project: str) -> Span:
    """Give one span another project; durable and synced (the span keeps its uuid)."""
    span = find_span(store, uuid)
    moved = span.replace(project=project.strip() or None)
    store.upsert_spans([moved], edited=True)
    return moved


def recategorize(store: Store, uuid: str, category: str) -> Span:
    """Give one span another category (empty: the rules' again); durable and synced."""
    span = find_span(store, uuid)
    moved = span.replace(category=category.strip() or None)
    store.upsert_spans([moved], edited=True)
    return moved


def split(store: Store, uuid: str, at: float) -> tuple[Span, Span]:
    """Cut one span in two at `at`: the first part keeps the uuid, the second gets one derived
    from it (the same on every machine); counters are shared by length."""
    span = find_span(store, uuid)
    if not span.start < at < span.end:
        raise EditError("the time to split at is not inside the span")
    share = (at - span.start) / (span.end - span.start)
    counters = ("keystrokes", "clicks", "scrolls", "moves", "lines_added", "lines_deleted",
                "idle_to_active")
    first = span.replace(end=at, **{
        c: round(getattr(span, c) * share) for c in counters})
    second = span.replace(start=at, uuid=split_uuid(span.uuid, at), **{
        c: getattr(span, c) - getattr(first, c) for c in counters})
    store.upsert_spans([first, second], edited=True)
    return first, second


def split_uuid(uuid: str, at: float) -> str:
    """The uuid of the second part of span `uuid` split at `at`."""
    return str(uuid5(_SPLIT_NS, f"{uuid}@{at!r}"))


def delete(store: Store, uuid: str) -> Span:
    """Retire one span (kept with no length, counting nothing) so that sync carries it."""
    span = find_span(store, uuid)
    store.upsert_spans([span.replace(end=span.start)], edited=True)
    return span


def move_range(store: Store, start: float, end: float, project: str | None = None,
               category: str | None = None) -> int:
    """Give the time in [start, end) another project and/or category, from every span there:
    spans crossing an edge are split at it first. Returns how many spans were moved."""
    if project is None and category is None:
        raise EditError("move the range to a project or a category")
    if end <= start:
        raise EditError("the range is empty")
    moved = 0
    for span in store.spans(start, end):
        uuid = span.uuid
        if span.start < start:
            _, right = split(store, uuid, start)
            uuid = right.uuid
        if span.end > end:
            split(store, uuid, end)
        if project is not None:
            move(store, uuid, project)
        if category is not None:
            recategorize(store, uuid, category)
        moved += 1
    return moved
