"""Overlap-resolved seconds by local hour of day, weekday or date, summed inside SQLite from
the quarter totals (rollup_total) instead of one Python step per quarter.

The caller gives the range's runs of quarters with one UTC offset, (first, end, offset in
quarters); every zone in use is offset by whole quarters (see rollups), so a quarter's local
day is (quarter + offset) // 96 and its local hour ((quarter + offset) % 96) // 4.

No GROUP BY over the quarters (SQLite sorts every row it groups): a day's sum is one search
of the primary key, and a quarter's hour and weekday depend only on its slot, quarter % 672
(its quarter of the UTC day and the UTC day's weekday), whose sums are searches of the index
rollup_total_slot (schema step 17); a range of years costs about ten times a year.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence

from desktop.engine.store import rollups

PER_DAY = rollups.QUARTERS_PER_DAY
SLOTS = 7 * PER_DAY  # a week of quarters: quarter % SLOTS names the hour and the weekday
UNITS = ("hour", "weekday", "day")
# Seconds per slot in [lo, hi): the slots of negative quarters are negative in SQL.
_BY_SLOT = (f"WITH RECURSIVE s(k) AS (SELECT :k0 UNION ALL SELECT k + 1 FROM s "
            f"WHERE k < {SLOTS - 1}) SELECT k, (SELECT SUM(seconds) FROM rollup_total "
            f"WHERE bucket % {SLOTS} = k AND bucket >= :lo AND bucket < :hi) FROM s")
# Seconds per local day k of [lo, hi) at offset :off (day k starts at quarter k * 96 - off).
_BY_DAY = (f"WITH RECURSIVE d(k) AS (SELECT :d0 UNION ALL SELECT k + 1 FROM d "
           f"WHERE k + 1 < :d1) SELECT k, (SELECT SUM(seconds) FROM rollup_total "
           f"WHERE bucket >= MAX(k * {PER_DAY} - :off, :lo) "
           f"AND bucket < MIN((k + 1) * {PER_DAY} - :off, :hi)) FROM d")
# The same of the named quarter rollups of one name.
_NAMED_BY_DAY = (f"WITH RECURSIVE d(k) AS (SELECT :d0 UNION ALL SELECT k + 1 FROM d "
                 f"WHERE k + 1 < :d1) SELECT k, (SELECT SUM(seconds) FROM rollup_named_quarter "
                 f"WHERE fingerprint = :fp AND dim = :dim "
                 f"AND bucket >= MAX(k * {PER_DAY} - :off, :lo) "
                 f"AND bucket < MIN((k + 1) * {PER_DAY} - :off, :hi) AND value = :value) FROM d")
# Short ranges: one scan of their quarters.
_SHORT = {"hour": f"((bucket + :off) % {PER_DAY}) / 4",
          "weekday": f"((bucket + :off) / {PER_DAY} + 3) % 7"}


def key_of(unit: str, quarter: int, offset: int) -> int:
    local = quarter + offset
    if unit == "hour":
        return (local % PER_DAY) // 4
    return (local // PER_DAY + 3) % 7 if unit == "weekday" else local // PER_DAY


def _sums(conn: sqlite3.Connection, unit: str, lo: int, hi: int, off: int
          ) -> list[tuple[int, float]]:
    """(key, seconds) of the quarter totals in [lo, hi) at offset `off`."""
    args = {"lo": lo, "hi": hi, "off": off}
    if unit == "day":
        rows = conn.execute(_BY_DAY, {**args, "d0": (lo + off) // PER_DAY,
                                      "d1": (hi - 1 + off) // PER_DAY + 1})
        return [(k, secs) for k, secs in rows if secs is not None]
    if hi - lo < 2 * SLOTS:
        return conn.execute(f"SELECT {_SHORT[unit]} AS k, SUM(seconds) FROM rollup_total "
                            "WHERE bucket >= :lo AND bucket < :hi GROUP BY k", args).fetchall()
    rows = conn.execute(_BY_SLOT, {**args, "k0": -(SLOTS - 1) if lo < 0 else 0})
    return [(key_of(unit, k % SLOTS, off), secs) for k, secs in rows if secs is not None]


def grouped(conn: sqlite3.Connection, start: float, end: float, max_duration: float,
            priority: dict[int, int], runs: Sequence[tuple[int, int, int]], unit: str
            ) -> dict[int, float]:
    """Seconds within [start, end) by local hour (0-23), weekday (Monday 0) or day number
    (`unit`); `runs` must cover every quarter the range touches."""
    if unit not in UNITS:
        raise ValueError(unit)
    (q0, q1), pieces = rollups.edge_quarters(conn, start, end, max_duration, priority)
    acc: dict[int, float] = defaultdict(float)
    for a, b, off in runs:
        lo, hi = max(a, q0), min(b, q1)
        if hi > lo:
            for key, secs in _sums(conn, unit, lo, hi, off):
                acc[key] += secs
    for (q, _), secs in rollups.by_quarter(pieces).items():
        off = next(o for a, b, o in runs if a <= q < b)
        acc[key_of(unit, q, off)] += secs
    return acc


def named_days(conn: sqlite3.Connection, key: str, dim: str, value: str,
               runs: Sequence[tuple[int, int, int]]) -> dict[int, float]:
    """Seconds by local day number of the name `value` of `dim` in the named quarter rollups
    (stored under `key`) of the quarters of `runs`, which must be current."""
    acc: dict[int, float] = defaultdict(float)
    for lo, hi, off in runs:
        if hi > lo:
            for k, secs in conn.execute(_NAMED_BY_DAY, {
                    "fp": key, "dim": dim, "value": value, "lo": lo, "hi": hi, "off": off,
                    "d0": (lo + off) // PER_DAY, "d1": (hi - 1 + off) // PER_DAY + 1}):
                if secs is not None:
                    acc[k] += secs
    return acc
