"""Overlap-resolved seconds by local hour of day, weekday or date, summed inside SQLite from
the quarter totals (rollup_total) instead of one Python step per quarter.

The caller gives the range's runs of quarters with one UTC offset, (first, end, offset in
quarters); every zone in use is offset by whole quarters (see rollups), so a quarter's local
day is (quarter + offset) // 96 and its local hour ((quarter + offset) % 96) // 4.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence

from desktop.engine.store import rollups

PER_DAY = rollups.QUARTERS_PER_DAY
# What a quarter `bucket` (offset by :off) is keyed by; day 0 (1970-01-01) was a Thursday.
KEYS = {"hour": f"((bucket + :off) % {PER_DAY}) / 4",
        "weekday": f"((bucket + :off) / {PER_DAY} + 3) % 7",
        "day": f"(bucket + :off) / {PER_DAY}"}


def key_of(unit: str, quarter: int, offset: int) -> int:
    local = quarter + offset
    if unit == "hour":
        return (local % PER_DAY) // 4
    return (local // PER_DAY + 3) % 7 if unit == "weekday" else local // PER_DAY


def grouped(conn: sqlite3.Connection, start: float, end: float, max_duration: float,
            priority: dict[int, int], runs: Sequence[tuple[int, int, int]], unit: str
            ) -> dict[int, float]:
    """Seconds within [start, end) by local hour (0-23), weekday (Monday 0) or day number
    (`unit`); `runs` must cover every quarter the range touches."""
    if unit not in KEYS:
        raise ValueError(unit)
    (q0, q1), pieces = rollups.edge_quarters(conn, start, end, max_duration, priority)
    acc: dict[int, float] = defaultdict(float)
    for a, b, off in runs:
        lo, hi = max(a, q0), min(b, q1)
        if hi > lo:
            for key, secs in conn.execute(
                    f"SELECT {KEYS[unit]} AS k, SUM(seconds) FROM rollup_total "
                    "WHERE bucket >= :lo AND bucket < :hi GROUP BY k",
                    {"off": off, "lo": lo, "hi": hi}):
                acc[key] += secs
    for (q, _), secs in rollups.by_quarter(pieces).items():
        off = next(o for a, b, o in runs if a <= q < b)
        acc[key_of(unit, q, off)] += secs
    return acc
