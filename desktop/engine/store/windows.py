"""Overlap-resolved pieces of many short windows read in one query (a temporary table of the
windows joined to the spans), instead of one query per window."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from desktop.engine.store.rollups import Key
from desktop.engine.timeline import resolve_raw


def raw_windows(conn: sqlite3.Connection, windows: Sequence[tuple[float, float]],
                max_duration: float, priority: dict[int, int]
                ) -> list[list[tuple[float, float, Key]]]:
    """For each [lo, hi) of `windows`, what rollups.raw_pieces(conn, lo, hi) gives."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS piece_windows "
                 "(i INTEGER PRIMARY KEY, lo REAL NOT NULL, hi REAL NOT NULL)")
    conn.execute("DELETE FROM temp.piece_windows")
    conn.executemany("INSERT INTO temp.piece_windows (i, lo, hi) VALUES (?, ?, ?)",
                     [(i, lo, hi) for i, (lo, hi) in enumerate(windows)])
    items: list[list] = [[] for _ in windows]
    get = priority.get
    for i, a, b, o, u, act in conn.execute(
            'SELECT w.i, s.start, s."end", s.origin, s.uuid, s.activity '
            "FROM temp.piece_windows w JOIN span s INDEXED BY span_start "
            'ON s.start < w.hi AND s.start >= w.lo - ? AND s."end" > w.lo', (max_duration,)):
        items[i].append((a, b, get(o, 0), u, (act, o)))
    return [resolve_raw(found, lo, hi) for found, (lo, hi) in zip(items, windows, strict=True)]
