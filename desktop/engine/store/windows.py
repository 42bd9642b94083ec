"""Overlap-resolved pieces of many short windows read in one query (a temporary table of the
windows joined to the spans), instead of one query per window."""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections.abc import Sequence

from desktop.engine.store.rollups import Key
from desktop.engine.timeline import resolve_raw


def raw_windows(conn: sqlite3.Connection, windows: Sequence[tuple[float, float]],
                max_duration: float, priority: dict[int, int]
                ) -> list[list[tuple[float, float, Key]]]:
    """For each [lo, hi) of `windows`, what rollups.raw_pieces(conn, lo, hi) gives."""
    _fill(conn, windows)
    items: list[list] = [[] for _ in windows]
    get = priority.get
    for i, a, b, o, u, act in conn.execute(
            'SELECT w.i, s.start, s."end", s.origin, s.uuid, s.activity '
            "FROM temp.piece_windows w JOIN span s "
            'ON s.start < w.hi AND s.start >= w.lo - ? AND s."end" > w.lo', (max_duration,)):
        items[i].append((a, b, get(o, 0), u, (act, o)))
    return [resolve_raw(found, lo, hi) for found, (lo, hi) in zip(items, windows, strict=True)]


def activity_windows(conn: sqlite3.Connection, windows: Sequence[tuple[float, float]],
                     max_duration: float, priority: dict[int, int]
                     ) -> list[list[tuple[float, float, int]]]:
    """raw_windows naming each piece by its activity alone: (start, end, activity). Faster on
    many spans: the priority is computed in SQL, so each row is a resolve_raw item as read
    (start, end, priority, uuid, activity, window), and the rows are split by window."""
    _fill(conn, windows)
    cases = " ".join(f"WHEN {int(o)} THEN {int(p)}" for o, p in priority.items() if p)
    rank = f"CASE s.origin {cases} ELSE 0 END" if cases else "0"
    rows = conn.execute(
        f'SELECT s.start, s."end", {rank}, s.uuid, s.activity, w.i '
        "FROM temp.piece_windows w JOIN span s "
        'ON s.start < w.hi AND s.start >= w.lo - ? AND s."end" > w.lo ORDER BY w.i',
        (max_duration,)).fetchall()
    at = [row[5] for row in rows]
    out, k = [], 0
    for i, (lo, hi) in enumerate(windows):
        j = bisect_right(at, i, k)
        out.append(resolve_raw(rows[k:j], lo, hi))
        k = j
    return out


def _fill(conn: sqlite3.Connection, windows: Sequence[tuple[float, float]]) -> None:
    """The windows into temp.piece_windows, numbered in order."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS piece_windows "
                 "(i INTEGER PRIMARY KEY, lo REAL NOT NULL, hi REAL NOT NULL)")
    conn.execute("DELETE FROM temp.piece_windows")
    conn.executemany("INSERT INTO temp.piece_windows (i, lo, hi) VALUES (?, ?, ?)",
                     [(i, lo, hi) for i, (lo, hi) in enumerate(windows)])
