"""Deleted ranges held against spans re-sent later (table deletion).

The tracker re-sends its open span by uuid with its original start and a later end; a
deletion that cut the span meanwhile (Store.delete_range) must not be undone by that. A span
upserted is clipped by the deletions that intersect it and were made (recorded here: made on
this device or applied from sync) after its start, i.e. while its time already existed; in
the order they were made, and naming the parts as delete_range names them (the later part of
a split under `split_uuid`), so that each part replaces the row the deletion left instead of
adding a second one.
"""

from __future__ import annotations

import sqlite3
import uuid as uuidlib
from bisect import bisect_left
from collections.abc import Sequence

from desktop.engine.digests import uuid5
from desktop.engine.span import Span

_SPLIT_NS = uuidlib.UUID("5b0c7d4e-57a1-4c55-9f0e-0d7c3b1e2a90")
_COUNTERS = ("keystrokes", "clicks", "scrolls", "moves", "lines_added", "lines_deleted",
            "idle_to_active")

# (start, end, created) of a deletion
Deletion = tuple[float, float, float]


def split_uuid(uuid: str, end: float) -> str:
    """The uuid of the part after `end` of the span `uuid` split by a deletion ending there."""
    return str(uuid5(_SPLIT_NS, f"{uuid}@{end!r}"))


def intersecting(conn: sqlite3.Connection, spans: Sequence[Span]) -> list[Deletion]:
    """The deletions reaching into the extent of `spans`."""
    if conn.execute("SELECT 1 FROM deletion LIMIT 1").fetchone() is None:
        return []
    lo = min(s.start for s in spans)
    hi = max(s.end for s in spans)
    return conn.execute('SELECT start, "end", created FROM deletion WHERE start < ? AND '
                        '"end" > ?', (hi, lo)).fetchall()


def clip(spans: list[Span], deletions: Sequence[Deletion]) -> list[Span]:
    """`spans` without the time of the deletions made after their start; a span is replaced
    by its parts (none: wholly deleted), counters shared by length."""
    if not deletions:
        return spans
    by_start = sorted(deletions)
    starts = [d[0] for d in by_start]
    longest = max(b - a for a, b, _ in by_start)
    out: list[Span] = []
    for s in spans:
        near = by_start[bisect_left(starts, s.start - longest):bisect_left(starts, s.end)]
        cuts = sorted((made, a, b) for a, b, made in near if b > s.start and made > s.start)
        if not cuts:
            out.append(s)
            continue
        parts = [(s.uuid, s.start, s.end)]
        for _, a, b in cuts:  # in the order they were made, as delete_range cut
            kept = []
            for u, p, q in parts:
                if q <= a or p >= b:
                    kept.append((u, p, q))
                    continue
                if p < a:
                    kept.append((u, p, a))
                if q > b:
                    kept.append((split_uuid(u, b) if p < a else u, b, q))
            parts = kept
        length = s.end - s.start
        for u, p, q in parts:
            out.append(s.replace(uuid=u, start=p, end=q, **{
                c: round(getattr(s, c) * (q - p) / length) for c in _COUNTERS}))
    return out
