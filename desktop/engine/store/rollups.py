"""Incremental rollups: overlap-resolved seconds per quarter hour and per UTC day.

A quarter hour (900 s) is the grain because every time zone in use today is offset from UTC
by a multiple of 15 minutes: a quarter always lies inside one local hour, so hour/day
bucketing from quarters is exact in any zone. Days (UTC) make long ranges cheap. A range
[start, end) is answered from day rollups for its whole UTC days, quarter rollups for its
whole quarters, and raw spans (resolved on the fly) only for the partial quarters at its ends.

Rollups are rebuilt for "dirty" quarters inside the transaction that changed their spans.
"""

from __future__ import annotations

import math
import sqlite3
from collections import defaultdict
from collections.abc import Iterable

from desktop.engine.timeline import resolve_raw

QUARTER = 900
QUARTERS_PER_DAY = 96
DAY = QUARTER * QUARTERS_PER_DAY

Key = tuple[int, int]  # (activity id, origin id)


def quarters_of(start: float, end: float) -> range:
    """The quarter indexes [start, end) touches."""
    return range(math.floor(start / QUARTER), math.ceil(end / QUARTER))


def raw_pieces(conn: sqlite3.Connection, lo: float, hi: float, max_duration: float,
               priority: dict[int, int]) -> list[tuple[float, float, Key]]:
    """Resolved (start, end, (activity, origin)) pieces of the raw spans within [lo, hi)."""
    rows = conn.execute(
        'SELECT start, "end", origin, uuid, activity FROM span '
        'WHERE start < ? AND start >= ? AND "end" > ?', (hi, lo - max_duration, lo))
    items = [(a, b, priority.get(o, 0), u, (act, o)) for a, b, o, u, act in rows]
    return resolve_raw(items, lo, hi)


def by_quarter(pieces: Iterable[tuple[float, float, Key]]) -> dict[tuple[int, Key], float]:
    """Seconds per (quarter, key), cutting pieces at quarter boundaries."""
    acc: dict[tuple[int, Key], float] = defaultdict(float)
    for a, b, key in pieces:
        q = int(a // QUARTER)
        while True:
            edge = (q + 1) * QUARTER
            if b <= edge:
                acc[q, key] += b - a
                break
            acc[q, key] += edge - a
            a = edge
            q += 1
    return acc


def _windows(quarters: Iterable[int]) -> list[tuple[int, int]]:
    """Runs of consecutive quarters as [first, last + 1), at most a day long."""
    out: list[tuple[int, int]] = []
    for q in sorted(quarters):
        if out and out[-1][1] == q and q - out[-1][0] < QUARTERS_PER_DAY:
            out[-1] = (out[-1][0], q + 1)
        else:
            out.append((q, q + 1))
    return out


def clean_windows(conn: sqlite3.Connection, dirty: set[int],
                  max_duration: float) -> set[tuple[int, int]]:
    """The windows of `dirty` that no stored span overlaps (ask before inserting)."""
    out = set()
    for q0, q1 in _windows(dirty):
        lo, hi = q0 * QUARTER, q1 * QUARTER
        if conn.execute('SELECT 1 FROM span WHERE start < ? AND start >= ? AND "end" > ? '
                        'LIMIT 1', (hi, lo - max_duration, lo)).fetchone() is None:
            out.add((q0, q1))
    return out


def refresh(conn: sqlite3.Connection, dirty: set[int], max_duration: float,
            priority: dict[int, int], fresh: list | None = None,
            clean: set[tuple[int, int]] = frozenset()) -> None:
    """Recompute the rollups of the dirty quarters and of the days holding them.

    `clean` windows (see clean_windows) held no spans before the `fresh` items
    ((start, end, priority, uuid, (activity, origin))) were inserted: they are rolled up
    from those items in memory instead of being read back.
    """
    if not dirty:
        return
    windows = _windows(dirty)
    rows: list[tuple[int, int, int, float]] = []
    if clean and fresh:
        clean_q = {q for q0, q1 in clean for q in range(q0, q1)}
        rows = [(q, act, org, secs) for (q, (act, org)), secs in
                by_quarter(resolve_raw(fresh)).items() if q in clean_q]
    for q0, q1 in windows:
        conn.execute("DELETE FROM rollup_quarter WHERE bucket >= ? AND bucket < ?", (q0, q1))
        if (q0, q1) in clean:
            continue
        lo, hi = q0 * QUARTER, q1 * QUARTER
        rows += [(q, act, org, secs) for (q, (act, org)), secs in
                 by_quarter(raw_pieces(conn, lo, hi, max_duration, priority)).items()]
    conn.executemany(
        "INSERT INTO rollup_quarter (bucket, activity, origin, seconds) VALUES (?,?,?,?)", rows)
    for day in sorted({q // QUARTERS_PER_DAY for q in dirty}):
        conn.execute("DELETE FROM rollup_day WHERE day = ?", (day,))
        conn.execute(
            "INSERT INTO rollup_day (day, activity, origin, seconds) "
            "SELECT ?, activity, origin, SUM(seconds) FROM rollup_quarter "
            "WHERE bucket >= ? AND bucket < ? GROUP BY activity, origin",
            (day, day * QUARTERS_PER_DAY, (day + 1) * QUARTERS_PER_DAY))


def _split(start: float, end: float):
    """Cut [start, end) into (raw edges, whole-quarter range, whole-day range)."""
    q0, q1 = math.ceil(start / QUARTER), math.floor(end / QUARTER)
    if q0 >= q1:
        return [(start, end)], [], (0, 0)
    raw = [(a, b) for a, b in ((start, q0 * QUARTER), (q1 * QUARTER, end)) if b > a]
    d0, d1 = -(-q0 // QUARTERS_PER_DAY), q1 // QUARTERS_PER_DAY
    if d0 >= d1:
        return raw, [(q0, q1)], (0, 0)
    quarters = [(a, b) for a, b in ((q0, d0 * QUARTERS_PER_DAY), (d1 * QUARTERS_PER_DAY, q1))
                if b > a]
    return raw, quarters, (d0, d1)


def totals(conn: sqlite3.Connection, start: float, end: float, max_duration: float,
           priority: dict[int, int]) -> dict[Key, float]:
    """Overlap-resolved seconds per (activity, origin) within [start, end)."""
    acc: dict[Key, float] = defaultdict(float)
    raw, quarters, (d0, d1) = _split(start, end)
    if d1 > d0:
        for act, org, secs in conn.execute(
                "SELECT activity, origin, SUM(seconds) FROM rollup_day "
                "WHERE day >= ? AND day < ? GROUP BY activity, origin", (d0, d1)):
            acc[act, org] += secs
    for q0, q1 in quarters:
        for act, org, secs in conn.execute(
                "SELECT activity, origin, SUM(seconds) FROM rollup_quarter "
                "WHERE bucket >= ? AND bucket < ? GROUP BY activity, origin", (q0, q1)):
            acc[act, org] += secs
    for lo, hi in raw:
        for a, b, key in raw_pieces(conn, lo, hi, max_duration, priority):
            acc[key] += b - a
    return acc


def per_quarter(conn: sqlite3.Connection, start: float, end: float, max_duration: float,
                priority: dict[int, int]) -> dict[tuple[int, Key], float]:
    """Overlap-resolved seconds per (quarter, (activity, origin)) within [start, end)."""
    q0, q1 = math.ceil(start / QUARTER), math.floor(end / QUARTER)
    if q0 >= q1:
        return by_quarter(raw_pieces(conn, start, end, max_duration, priority))
    acc: dict[tuple[int, Key], float] = defaultdict(float)
    for q, act, org, secs in conn.execute(
            "SELECT bucket, activity, origin, seconds FROM rollup_quarter "
            "WHERE bucket >= ? AND bucket < ?", (q0, q1)):
        acc[q, (act, org)] += secs
    for lo, hi in ((start, q0 * QUARTER), (q1 * QUARTER, end)):
        if hi > lo:
            for k, secs in by_quarter(raw_pieces(conn, lo, hi, max_duration, priority)).items():
                acc[k] += secs
    return acc
