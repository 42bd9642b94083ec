"""Incremental rollups: overlap-resolved seconds per quarter hour and per UTC day.

A quarter hour (900 s) is the grain because every time zone in use today is offset from UTC
by a multiple of 15 minutes: a quarter always lies inside one local hour, so hour/day
bucketing from quarters is exact in any zone. Days (UTC) make long ranges cheap. A range
[start, end) is answered from day rollups for its whole UTC days, quarter rollups for its
whole quarters, and raw spans (resolved on the fly) only for the partial quarters at its ends.

Writes only mark the quarters they touch as dirty (in the same transaction, so a crash
cannot lose the mark); `refresh` recomputes dirty quarters from their raw spans (resolved a
window of consecutive quarters at a time, written a batch of whole days at a time) before the
rollups are read, and marks the named rollups of their days stale. A write that inserted only
new spans can instead refresh in its own transaction with those spans still in memory
(`Fresh`): only the spans stored before them are read back, none for a window they cannot
reach.
"""

from __future__ import annotations

import json
import math
import sqlite3
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import NamedTuple

from desktop.engine.store import bulk, day_digests, named_blocks
from desktop.engine.timeline import RawItem, resolve_raw

QUARTER = 900
QUARTERS_PER_DAY = 96
DAY = QUARTER * QUARTERS_PER_DAY
_QUARTER = float(QUARTER)

Key = tuple[int, int]  # (activity id, origin id)


def quarters_of(start: float, end: float) -> range:
    """The quarter indexes [start, end) touches."""
    return range(math.floor(start / QUARTER), math.ceil(end / QUARTER))


def quarters_at(times: list[float]) -> set[float]:
    """`{t // QUARTER for t in times}` of sorted `times`: a division per quarter, not per time
    (the times of a quarter found by bisection), for the many spans of a bulk write."""
    out: set[float] = set()
    i, n = 0, len(times)
    while i < n:
        q = times[i] // QUARTER
        out.add(q)
        i = bisect_left(times, (q + 1) * QUARTER, i + 1)
    return out


def mark_dirty(conn: sqlite3.Connection, quarters: Iterable[int]) -> None:
    conn.executemany("INSERT INTO rollup_dirty (bucket) VALUES (?) ON CONFLICT DO NOTHING",
                     ((int(q),) for q in quarters))


class Fresh(NamedTuple):
    """Spans a write transaction has just inserted (none of their uuids was stored before),
    as raw items sorted by start (payload: (activity, origin)), all written at `updated`.
    Their `quarters` are not marked dirty: refresh recomputes them too. `before`: the first
    and last start of the spans stored before them ((inf, -inf): none); a window no span of
    that range can reach into reads none back."""

    items: list[RawItem]
    quarters: set[int]
    updated: float
    before: tuple[float, float] = (-math.inf, math.inf)


_RAW = 'SELECT start, "end", origin, uuid, activity FROM span WHERE start < ? AND start >= ? '


def _raw_items(conn: sqlite3.Connection, lo: float, hi: float, max_duration: float,
               priority: dict[int, int]) -> list[RawItem]:
    """The stored spans reaching into [lo, hi) as raw items."""
    rows = conn.execute(_RAW + 'AND "end" > ?', (hi, lo - max_duration, lo))
    return [(a, b, priority.get(o, 0), u, (act, o)) for a, b, o, u, act in rows]


def _stored_before(conn: sqlite3.Connection, lo: float, hi: float, max_duration: float,
                   priority: dict[int, int], fresh: Fresh, here: int) -> list[RawItem]:
    """`_raw_items` but `fresh`'s spans, `here` of which reach into [lo, hi): those written at
    another time than theirs, as read (never read back: they are in memory); the others of
    their time too if some (another write at the very same clock reading: rare), by uuid."""
    args = (hi, lo - max_duration, lo, fresh.updated)
    rows = conn.execute(_RAW + 'AND "end" > ? AND updated <> ?', args).fetchall()
    if conn.execute('SELECT COUNT(*) FROM span WHERE start < ? AND start >= ? AND "end" > ? '
                    "AND updated = ?", args).fetchone()[0] > here:
        new = {it[3] for it in fresh.items}
        rows += [r for r in conn.execute(_RAW + 'AND "end" > ? AND updated = ?', args)
                 if r[3] not in new]
    return [(a, b, priority.get(o, 0), u, (act, o)) for a, b, o, u, act in rows]


def raw_pieces(conn: sqlite3.Connection, lo: float, hi: float, max_duration: float,
               priority: dict[int, int]) -> list[tuple[float, float, Key]]:
    """Resolved (start, end, (activity, origin)) pieces of the raw spans within [lo, hi)."""
    return resolve_raw(_raw_items(conn, lo, hi, max_duration, priority), lo, hi)


def by_quarter(pieces: Iterable[tuple[float, float, Key]]) -> dict[tuple[int, Key], float]:
    """Seconds per (quarter, key), cutting pieces at quarter boundaries."""
    acc: dict[tuple[int, Key], float] = defaultdict(float)
    get = acc.get  # get and set cost less than `acc[q, key] += ...`: the same sums
    q, lo, edge = 0, 0.0, 0.0  # the quarter of the piece before, [lo, edge)
    for a, b, key in pieces:
        if not lo <= a < edge:  # (pieces in time order mostly start in the quarter before's)
            q = int(a // QUARTER)  # (a float division costs more than the rest of a piece)
            lo = q * _QUARTER  # (floats: compared with floats, an int costs a conversion)
            edge = lo + _QUARTER
        k = (q, key)
        if b > edge:  # over several quarters
            acc[k] = get(k, 0.0) + (edge - a)
            a, at, end = edge, q + 1, edge + _QUARTER
            while b > end:
                k = (at, key)
                acc[k] = get(k, 0.0) + (end - a)
                a = end
                at += 1
                end += _QUARTER
            k = (at, key)
        acc[k] = get(k, 0.0) + (b - a)
    return acc


def quarter_rows(pieces: Iterable[tuple[float, float, Key]]
                 ) -> list[tuple[int, int, int, float]]:
    """by_quarter's sums as rows (quarter, activity, origin, seconds) by quarter, a quarter's
    rows in the order of its pieces, for pieces in time order that do not overlap (resolve_raw
    gives them): a quarter is complete once a piece starts after it, so each quarter's sums
    are kept apart (keyed by the piece's own key, no (quarter, key) tuple made) and are
    written out in order, no sort."""
    out: list[tuple[int, int, int, float]] = []
    acc: dict[Key, float] = {}
    get = acc.get
    q, edge = 0, -math.inf  # the quarter being summed, and where it ends
    for a, b, key in pieces:
        if a >= edge:  # a later quarter: the one before is complete
            if acc:
                out += [(q, act, org, secs) for (act, org), secs in acc.items()]
                acc.clear()
            q = int(a // QUARTER)
            edge = q * _QUARTER + _QUARTER
        if b > edge:  # over several quarters: those before its last one are complete
            acc[key] = get(key, 0.0) + (edge - a)
            out += [(q, act, org, secs) for (act, org), secs in acc.items()]
            acc.clear()
            a, q, edge = edge, q + 1, edge + _QUARTER
            while b > edge:
                out.append((q, *key, edge - a))
                a = edge
                q += 1
                edge += _QUARTER
        acc[key] = get(key, 0.0) + (b - a)
    if acc:
        out += [(q, act, org, secs) for (act, org), secs in acc.items()]
    return out


def _windows(quarters: Iterable[float]) -> list[tuple[int, int]]:
    """Runs of consecutive quarters (whole numbers, maybe as floats) as [first, last + 1) in
    ints, at most a day long."""
    out: list[tuple[int, int]] = []
    for q in map(int, sorted(quarters)):
        if out and out[-1][1] == q and q - out[-1][0] < QUARTERS_PER_DAY:
            out[-1] = (out[-1][0], q + 1)
        else:
            out.append((q, q + 1))
    return out


def refresh(conn: sqlite3.Connection, max_duration: float, priority: dict[int, int],
            fresh: Fresh | None = None) -> int:
    """Recompute the rollups of the dirty quarters (and of `fresh`'s) and of the days holding
    them; returns how many quarters were dirty. Runs inside the caller's write transaction.
    The quarter rows and totals are summed in Python and written many rows a statement
    (bulk; a quarter's total sums its rows in the order of its pieces), the day rows summed
    from them in SQL, a batch of whole days at a time."""
    dirty = {q for (q,) in conn.execute("SELECT bucket FROM rollup_dirty")}
    if fresh is not None:
        dirty |= fresh.quarters
        starts = [it[0] for it in fresh.items]
    if not dirty:
        return 0
    windows = _windows(dirty)
    batch: list[tuple[int, int]] = []
    rows: list[tuple[int, int, int, float]] = []  # the batch's quarter rows, by quarter
    for i, (q0, q1) in enumerate(windows):
        lo, hi = q0 * _QUARTER, q1 * _QUARTER  # (floats: compared with the times)
        if fresh is None:
            items = _raw_items(conn, lo, hi, max_duration, priority)
        else:
            mine = fresh.items[bisect_left(starts, lo - max_duration):bisect_left(starts, hi)]
            if hi <= fresh.before[0] or lo - max_duration > fresh.before[1]:
                items = mine
            else:
                items = _stored_before(conn, lo, hi, max_duration, priority, fresh,
                                       sum(it[1] > lo for it in mine))
                items += mine
        rows += quarter_rows(resolve_raw(items, lo, hi))
        batch.append((q0, q1))
        # A batch ends where the next window starts on a later day than this one ends.
        if i + 1 == len(windows) or (len(rows) >= _BATCH_ROWS and windows[i + 1][0]
                                     // QUARTERS_PER_DAY > (q1 - 1) // QUARTERS_PER_DAY):
            _write_batch(conn, batch, rows)
            batch, rows = [], []
    days = sorted({q // QUARTERS_PER_DAY for q in dirty})
    named_blocks.invalidate(conn, days)
    named_blocks.build_activity_blocks(conn, named_blocks.past_blocks(days))
    day_digests.invalidate(conn, days)  # the insights' digests of those days: stale
    conn.execute("DELETE FROM rollup_dirty")
    return len(dirty)


_BATCH_ROWS = 50_000  # quarter rows from which refresh writes what it has (whole days)


def _write_batch(conn: sqlite3.Connection, windows: list[tuple[int, int]],
                 rows: list[tuple[int, int, int, float]]) -> None:
    """Replace the quarter rows of `windows` by `rows` (sorted by quarter), their quarter
    totals, and the day rows of the days they touch."""
    conn.executemany("DELETE FROM rollup_quarter WHERE bucket >= ? AND bucket < ?", windows)
    conn.executemany("DELETE FROM rollup_total WHERE bucket >= ? AND bucket < ?", windows)
    bulk.insert(conn, "INSERT INTO rollup_quarter (bucket, activity, origin, seconds)", rows, 4)
    totals: dict[int, float] = {}
    get = totals.get
    for q, _, _, secs in rows:
        totals[q] = get(q, 0.0) + secs
    bulk.insert(conn, "INSERT INTO rollup_total (bucket, seconds)", list(totals.items()), 2)
    days = sorted({d for q0, q1 in windows for d in range(q0 // QUARTERS_PER_DAY,
                                                          (q1 - 1) // QUARTERS_PER_DAY + 1)})
    each = [(day,) for day in days]
    conn.executemany("DELETE FROM rollup_day WHERE day = ?", each)
    conn.executemany(  # (in SQL: the tracker's flush would read its whole day back)
        "INSERT INTO rollup_day (day, activity, origin, seconds) "
        "SELECT ?1, activity, origin, SUM(seconds) FROM rollup_quarter "
        f"WHERE bucket >= ?1 * {QUARTERS_PER_DAY} AND bucket < (?1 + 1) * {QUARTERS_PER_DAY} "
        "GROUP BY activity, origin", each)
    conn.executemany("DELETE FROM named_done WHERE day = ?", each)  # its named rows: stale
    conn.executemany("INSERT INTO active_day (day) VALUES (?) ON CONFLICT DO NOTHING", each)


def split(start: float, end: float
          ) -> tuple[list[tuple[float, float]], list[tuple[int, int]], tuple[int, int]]:
    """Cut [start, end) into raw edges (times), whole quarters ([q0, q1) ranges) and whole
    UTC days ([d0, d1))."""
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
           priority: dict[int, int], whole_days: bool = True) -> dict[Key, float]:
    """Overlap-resolved seconds per (activity, origin) within [start, end); without
    `whole_days`, the whole UTC days inside the range are left out (see split)."""
    acc: dict[Key, float] = defaultdict(float)
    raw, quarters, (d0, d1) = split(start, end)
    if whole_days and d1 > d0:
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


def edge_quarters(conn: sqlite3.Connection, start: float, end: float, max_duration: float,
                   priority: dict[int, int]):
    """(whole quarter range, resolved raw pieces of the partial quarters at the ends)."""
    q0, q1 = math.ceil(start / QUARTER), math.floor(end / QUARTER)
    if q0 >= q1:
        return (0, 0), raw_pieces(conn, start, end, max_duration, priority)
    pieces = []
    for lo, hi in ((start, q0 * QUARTER), (q1 * QUARTER, end)):
        if hi > lo:
            pieces += raw_pieces(conn, lo, hi, max_duration, priority)
    return (q0, q1), pieces


def per_quarter(conn: sqlite3.Connection, start: float, end: float, max_duration: float,
                priority: dict[int, int], whole_quarters: bool = True,
                activities: Collection[int] | None = None) -> dict[tuple[int, Key], float]:
    """Overlap-resolved seconds per (quarter, (activity, origin)) within [start, end); only
    the partial quarters at the ends without `whole_quarters`; only these `activities` when
    given (selected in SQL: a project's quarters over years cost no Python loop over all),
    read from the days that may hold them alone (named_blocks.activity_days)."""
    (q0, q1), pieces = edge_quarters(conn, start, end, max_duration, priority)
    if activities is not None:
        pieces = [p for p in pieces if p[2][0] in activities]
    acc = by_quarter(pieces)
    if not whole_quarters or q0 >= q1:
        return acc
    sql, ids = ("SELECT bucket, activity, origin, seconds FROM rollup_quarter "
                "WHERE bucket >= ? AND bucket < ?", ())
    ranges = [(q0, q1)]
    if activities is not None:
        sql += " AND activity IN (SELECT value FROM json_each(?))"
        ids = (json.dumps(sorted(activities)),)
        ranges = [(max(q0, a * QUARTERS_PER_DAY), min(q1, b * QUARTERS_PER_DAY)) for a, b in
                  named_blocks.activity_days(conn, activities, q0 // QUARTERS_PER_DAY,
                                             -(-q1 // QUARTERS_PER_DAY))]
    for lo, hi in ranges:
        for q, act, org, secs in conn.execute(sql, (lo, hi, *ids)):
            acc[q, (act, org)] += secs
    return acc


def quarter_sums(conn: sqlite3.Connection, start: float, end: float, max_duration: float,
                 priority: dict[int, int]) -> dict[int, float]:
    """Overlap-resolved seconds per quarter within [start, end), all activities."""
    (q0, q1), pieces = edge_quarters(conn, start, end, max_duration, priority)
    acc: dict[int, float] = defaultdict(float)
    for (q, _), secs in by_quarter(pieces).items():
        acc[q] += secs
    for q, secs in conn.execute("SELECT bucket, seconds FROM rollup_total "
                                "WHERE bucket >= ? AND bucket < ?", (q0, q1)):
        acc[q] += secs
    return acc


def day_signatures(conn: sqlite3.Connection, d0: int, d1: int) -> dict[int, tuple]:
    """A value per UTC day of [d0, d1) that changes when the day's resolved time does (its
    rollups: what, and which quarters), for caches of figures derived from a day."""
    out: dict[int, tuple] = {}
    for day, rows, secs, what in conn.execute(
            "SELECT day, COUNT(*), SUM(seconds), SUM(seconds * (activity * 7919 + origin)) "
            "FROM rollup_day WHERE day >= ? AND day < ? GROUP BY day", (d0, d1)):
        out[day] = (rows, secs, what)
    for day, rows, when in conn.execute(
            f"SELECT bucket / {QUARTERS_PER_DAY} AS d, COUNT(*), SUM(seconds * bucket) "
            "FROM rollup_total WHERE bucket >= ? AND bucket < ? GROUP BY d",
            (d0 * QUARTERS_PER_DAY, d1 * QUARTERS_PER_DAY)):
        out[day] = (*out.get(day, ()), rows, when)
    return out
