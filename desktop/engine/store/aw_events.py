"""The raw ActivityWatch buckets and events imported (tables aw_bucket and aw_event), read and
written on a connection inside the caller's write transaction (Store.replace_derived); what
they mean is desktop.engine.io.activitywatch's business."""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Iterable

from desktop.engine.uuids import text_of

Row = tuple[str, str, str, float, float, str]  # host, bucket, key, start, end, data (JSON)

_SAVE = ('INSERT INTO aw_event (host, bucket, key, start, "end", data) VALUES (?, ?, ?, ?, ?, ?) '
         'ON CONFLICT (host, bucket, key, start) DO UPDATE SET "end" = excluded."end", '
         'data = excluded.data WHERE (excluded."end", excluded.data) > (aw_event."end", '
         'aw_event.data)')


def save(conn: sqlite3.Connection, buckets: Iterable[tuple[str, str, str]],
         events: Iterable[Row]) -> tuple[int, int]:
    """Store (host, bucket, type) buckets and events. An event already stored (same host,
    bucket, key and start) is replaced only by a longer version of it (heartbeats only ever
    extend an event), so the order of imports does not matter. Returns how many buckets
    and events were new or changed."""
    new = 0
    for bucket in buckets:
        new += conn.execute("INSERT INTO aw_bucket (host, bucket, type) VALUES (?, ?, ?) "
                            "ON CONFLICT (host, bucket) DO NOTHING", bucket).rowcount
    return new, conn.executemany(_SAVE, events).rowcount


def buckets(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return conn.execute("SELECT host, bucket, type FROM aw_bucket ORDER BY host, bucket"
                        ).fetchall()


def components(conn: sqlite3.Connection, gap: float) -> list[tuple[float, float]]:
    """The stored events' time cut where nothing happens for more than `gap` seconds: runs
    [first start, last end + gap) of events (of every host and bucket) each within `gap` of
    the next."""
    out: list[tuple[float, float]] = []
    for start, end in conn.execute('SELECT start, "end" FROM aw_event ORDER BY start'):
        if out and start <= out[-1][1]:
            if end + gap > out[-1][1]:
                out[-1] = (out[-1][0], end + gap)
        else:
            out.append((start, end + gap))
    return out


def touched(runs: list[tuple[float, float]], times: Iterable[float]
            ) -> list[tuple[float, float]]:
    """The runs (sorted, disjoint) holding some of `times`."""
    firsts = [a for a, _ in runs]
    return [runs[i] for i in sorted({bisect.bisect_right(firsts, t) - 1 for t in times})
            if i >= 0]


def events(conn: sqlite3.Connection, runs: list[tuple[float, float]]) -> list[Row]:
    """The events starting in the runs."""
    out: list[Row] = []
    for lo, hi in runs:
        out += conn.execute('SELECT host, bucket, key, start, "end", data FROM aw_event '
                            "WHERE start >= ? AND start < ?", (lo, hi))
    return out


def stored_spans(conn: sqlite3.Connection, sources: tuple[str, ...],
                 runs: list[tuple[float, float]]) -> list[tuple[str, str, float, float]]:
    """(uuid, device, start, end) of the live (not zero-length) spans of `sources`
    overlapping the runs."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'max_duration'").fetchone()
    longest = float(row[0]) if row else 0.0
    marks = ",".join("?" * len(sources))
    out: list[tuple[str, str, float, float]] = []
    for lo, hi in runs:
        out += ((text_of(u), *rest) for u, *rest in conn.execute(
            f'SELECT s.uuid, o.device, s.start, s."end" FROM span s '
            f'JOIN origin o ON o.id = s.origin WHERE o.source IN ({marks}) AND s.start < ? '
            f'AND s.start >= ? AND s."end" > ? AND s."end" > s.start',
            (*sources, hi, lo - longest, lo)))
    return out
