"""Heartbeats as stored, and the spans they make: WakaTime's rule, whatever the arrival.

Every accepted heartbeat is kept (table `heartbeat`, per origin: a source on a device) with the
hash of its join key, the activity its span gets and its line changes. An origin's spans are a
function of its heartbeats alone, taken in (time, key) order: consecutive heartbeats less than
the timeout apart join, and the time between them belongs to the earlier one; a run of joined
heartbeats with one key is one span, from its first heartbeat to the heartbeat after its last
(or to its last, when the next is a timeout away or there is none). A span's uuid comes from
its origin, start and key, so the same heartbeats give the same spans in any order.

A heartbeat that arrives late re-joins the runs around it (splits one, extends one, bridges
two) in the transaction that stores it. Each row keeps the start of its run (`run`), so that
only the neighbourhood is read: the stored heartbeats among the new ones and the one on either
side, plus sums over the rest of the runs they belong to. A span that stops being produced is
retired (zero length, same uuid) rather than deleted, so sync carries the change to other
machines.

Heartbeats with key `STOP` make no span: markers where a stream stopped (the browser lost
focus, a range was deleted) and activities the rules exclude.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from desktop.engine.digests import blake2b, uuid5
from desktop.engine.span import ACTIVITY_FIELDS, Span
from watchers.records import Record

STOP = 0
TIMEOUTS = {"editor": 15 * 60.0, "browser": 120.0}  # by source, unless configured otherwise
# Heartbeats are accepted up to a year late (desktop.engine.heartbeats.MAX_AGE): those of runs
# that ended longer ago than this can no longer change, and are forgotten (their spans stay).
KEEP = 368 * 86400.0
IMPORTED_PREFIX = "wakatime:"  # sources of heartbeats from WakaTime data dumps: never forgotten
SPAN_NS = uuidlib.UUID("2f4de0a8-4b7c-5d21-8c1e-6a0b9d3e7f15")
Execute = Callable[[str, Sequence[Any]], Any]  # SQL with %s placeholders -> cursor
Deleted = Callable[[float, float], list[tuple[float, float]]]  # ranges the user deleted
Many = Callable[[str, list[tuple]], None]  # "INSERT ... VALUES %s" for many rows


def hash64(value: Any) -> int:
    """A stable signed 64-bit hash of `repr(value)` (a key or an identity)."""
    digest = blake2b(repr(value).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True) or 1  # 0 is STOP's


def span_uuid(device: str, source: str, start: float, key: int) -> str:
    return str(uuid5(SPAN_NS, f"{device}\x1f{source}\x1f{start!r}\x1f{key}"))


class Beat(Record):
    __slots__ = (  # noqa: RUF023 (in the order of __init__'s arguments)
        "time", "key", "activity", "added", "deleted", "ident", "run", "id", "glued")

    def __init__(self, time: float, key: int, activity: int | None, added: int = 0,
                 deleted: int = 0, ident: int = 0, run: float | None = None,
                 id: int | None = None, glued: bool = False) -> None:
        self.time = time
        self.key = key
        self.activity = activity  # the span's activity (None with STOP)
        self.added = added
        self.deleted = deleted
        self.ident = ident  # equal (time, ident) in one origin: the same heartbeat sent twice
        self.run = run  # its run's start as stored; None: not stored yet
        self.id = id
        self.glued = glued  # joins the one before whatever the gap (stands for a run's middle)


class Run(Record):
    __slots__ = (  # noqa: RUF023 (in the order of __init__'s arguments)
        "start", "end", "key", "activity", "added", "deleted", "members")

    def __init__(self, start: float, end: float, key: int, activity: int | None, added: int,
                 deleted: int, members: list[Beat] | None = None) -> None:
        self.start = start
        self.end = end
        self.key = key
        self.activity = activity
        self.added = added
        self.deleted = deleted
        self.members: list[Beat] = [] if members is None else members

    @property
    def counts(self) -> bool:
        return self.key != STOP and self.activity is not None


def runs(beats: Iterable[Beat], timeout: float, follower: float | None = None) -> list[Run]:
    """The runs of `beats` (sorted by time, then key); `follower`: the time of the heartbeat
    after the last one, if any (it ends the last run)."""
    out: list[Run] = []
    cur: Run | None = None
    last = 0.0
    for b in beats:
        if cur is not None:
            joined = b.glued or b.time - last < timeout
            if joined and b.key == cur.key:
                cur.members.append(b)
                cur.added += b.added
                cur.deleted += b.deleted
                last = b.time
                continue
            cur.end = b.time if joined else last
            out.append(cur)
        cur = Run(b.time, b.time, b.key, b.activity, b.added, b.deleted, [b])
        last = b.time
    if cur is not None:
        cur.end = follower if follower is not None and follower - last < timeout else last
        out.append(cur)
    return out


class Change(Record):
    """What storing heartbeats changed in one origin."""

    __slots__ = ("upsert", "retire", "moved", "run_of")  # noqa: RUF023

    def __init__(self, upsert: list[Run] | None = None, retire: list[Run] | None = None,
                 moved: list[Run] | None = None, run_of: dict[int, Run] | None = None) -> None:
        self.upsert: list[Run] = [] if upsert is None else upsert  # new or changed spans
        # spans no longer produced (old extents)
        self.retire: list[Run] = [] if retire is None else retire
        self.moved: list[Run] = [] if moved is None else moved  # old extents of the changed ones
        self.run_of: dict[int, Run] = {} if run_of is None else run_of  # id(Beat given) -> run


def diff(before: list[Run], after: list[Run]) -> Change:
    """The spans to write for `before` to become `after`; a span that has no length and had
    none is not written."""
    old = {(r.start, r.key): r for r in before if r.counts and r.end > r.start}
    new = {(r.start, r.key): r for r in after if r.counts}
    change = Change()
    for k, r in new.items():
        was = old.get(k)
        if was is None and r.end <= r.start:
            continue
        if was is None or (was.end, was.added, was.deleted, was.activity) != (
                r.end, r.added, r.deleted, r.activity):
            change.upsert.append(r)
            if was is not None:
                change.moved.append(was)
    change.retire = [r for k, r in old.items() if k not in new]
    return change


def span_of(device: str, source: str, run: Run, fields: Sequence[Any], retired: bool) -> Span:
    """The span `run` makes (`fields`: its activity's, in ACTIVITY_FIELDS order); retired: of
    no length, counting nothing."""
    return Span(run.start, run.start if retired else run.end, source, device,
                span_uuid(device, source, run.start, run.key),
                **dict(zip(ACTIVITY_FIELDS, fields, strict=True)),
                lines_added=0 if retired else run.added,
                lines_deleted=0 if retired else run.deleted)


class BeatTable:
    """The `heartbeat` table through an executor (the desktop's sqlite3 connection or the
    server's Database), inside the caller's write transaction."""

    _COLS = "id, time, key, activity, added, deleted, ident, run"

    def __init__(self, execute: Execute, many: Many) -> None:
        self.execute = execute
        self.many = many

    def _beats(self, rows: Iterable[tuple]) -> list[Beat]:
        return [Beat(t, k, a, ad, de, ident, run, i) for i, t, k, a, ad, de, ident, run in rows]

    def neighbourhood(self, origin: int, lo: float, hi: float
                      ) -> tuple[list[Beat], float | None, tuple[Beat, float] | None]:
        """What joining heartbeats in [lo, hi] needs: the stored ones of [lo, hi] and their
        neighbours on either side, led by the rest of the first one's run and followed by the
        rest of the last one's run (each as a summary beat and a glued last one); the time of
        the heartbeat after all that; and the summary of the rows after the last neighbour
        with its time (those rows follow their run if its start moves)."""
        inner = self._beats(self.execute(
            f"SELECT {self._COLS} FROM heartbeat WHERE origin = %s AND time >= %s AND "
            "time <= %s ORDER BY time, key", (origin, lo, hi)).fetchall())
        before = self._beats(self.execute(
            f"SELECT {self._COLS} FROM heartbeat WHERE origin = %s AND time = (SELECT MAX(time) "
            "FROM heartbeat WHERE origin = %s AND time < %s) ORDER BY key",
            (origin, origin, lo)).fetchall())
        after = self._beats(self.execute(
            f"SELECT {self._COLS} FROM heartbeat WHERE origin = %s AND time = (SELECT MIN(time) "
            "FROM heartbeat WHERE origin = %s AND time > %s) ORDER BY key",
            (origin, origin, hi)).fetchall())
        beats = before + inner + after
        if not beats:
            return [], None, None
        first, last = beats[0], beats[-1]
        head = self.run_part(origin, first, "time < %s", first.time)
        tail = self.run_part(origin, last, "time > %s", last.time)
        end = tail[-1].time if tail else last.time
        row = self.execute("SELECT time FROM heartbeat WHERE origin = %s AND time > %s "
                           "ORDER BY time LIMIT 1", (origin, end)).fetchone()
        return (head + beats + tail, row[0] if row else None,
                (tail[0], last.time) if tail else None)

    def run_part(self, origin: int, like: Beat, where: str, bound: float) -> list[Beat]:
        """The rows of `like`'s run on one side of `bound` (`where`), as a beat carrying their
        line sums and a glued one at the last of them."""
        lo, hi, added, deleted, n = self.execute(
            f"SELECT MIN(time), MAX(time), SUM(added), SUM(deleted), COUNT(*) FROM heartbeat "
            f"WHERE origin = %s AND run = %s AND {where}", (origin, like.run, bound)).fetchone()
        if not n:
            return []
        part = [Beat(lo, like.key, like.activity, added, deleted, run=like.run)]
        if hi > lo:
            part.append(Beat(hi, like.key, like.activity, run=like.run, glued=True))
        return part

    def insert(self, origin: int, beats: Sequence[Beat]) -> None:
        if not beats:
            return
        self.many("INSERT INTO heartbeat (origin, time, key, activity, added, deleted, ident, "
                  "run) VALUES %s", [(origin, b.time, b.key, b.activity, b.added, b.deleted,
                                      b.ident, b.run) for b in beats])

    def renumber(self, origin: int, after: list[Run], tail: tuple[Beat, float] | None
                 ) -> None:
        """Store each stored heartbeat's new run start; the rows summed in `tail` (after its
        time) follow the run they are part of."""
        for r in after:
            for b in r.members:
                if b.id is not None and b.run != r.start:
                    self.execute("UPDATE heartbeat SET run = %s WHERE id = %s", (r.start, b.id))
                elif tail is not None and b is tail[0] and b.run != r.start:
                    self.execute("UPDATE heartbeat SET run = %s WHERE origin = %s AND run = %s "
                                 "AND time > %s", (r.start, origin, b.run, tail[1]))

    def prune(self, before: float, among: Sequence[int] | None = None) -> int:
        """Forget the heartbeats of whole runs that ended before `before` (of the origins
        `among`, when given); how many."""
        only = "" if among is None else f" AND origin IN ({', '.join(map(str, map(int, among)))})"
        return self.execute(
            f"DELETE FROM heartbeat WHERE run < %s{only} AND (origin, run) IN (SELECT origin, "
            f"run FROM heartbeat WHERE run < %s{only} GROUP BY origin, run HAVING MAX(time) < %s)",
            (before, before, before)).rowcount

    def origins(self, lo: float, hi: float, among: Sequence[int] | None = None) -> list[int]:
        """The origins with heartbeats in [lo, hi) (of `among`, when given)."""
        rows = self.execute("SELECT DISTINCT origin FROM heartbeat WHERE time >= %s AND "
                            "time < %s", (lo, hi)).fetchall()
        return [r[0] for r in rows if among is None or r[0] in among]


def clusters(beats: list[Beat], timeout: float) -> list[list[Beat]]:
    """Sorted new heartbeats in groups, cut where they lie far apart (each group reads only
    the stored heartbeats of its own stretch)."""
    out: list[list[Beat]] = []
    for b in beats:
        if out and b.time - out[-1][-1].time <= 2 * timeout:
            out[-1].append(b)
        else:
            out.append([b])
    return out


def add(table: BeatTable, origin: int, beats: Sequence[Beat], timeout: float,
        deleted: Deleted | None = None) -> tuple[Change, list[bool]]:
    """Store new heartbeats of one origin and re-join the runs around them; those in a range
    `deleted` names are dropped (a late one must not bring deleted time back). Returns the
    spans to write and, per heartbeat, whether it was new (False: sent before)."""
    position = {id(b): i for i, b in enumerate(beats)}
    new_flags = [False] * len(beats)
    total = Change()
    for group in clusters(sorted(beats, key=lambda b: (b.time, b.key)), timeout):
        gone = deleted(group[0].time, group[-1].time) if deleted else []
        old, follower, tail = table.neighbourhood(origin, group[0].time, group[-1].time)
        known = {(b.time, b.ident) for b in old if b.id is not None}
        fresh = []
        for b in group:
            if any(a <= b.time < z for a, z in gone):
                continue
            if (b.time, b.ident) not in known:
                known.add((b.time, b.ident))
                fresh.append(b)
                new_flags[position[id(b)]] = True
        if not fresh:  # all sent before: their runs as they are
            twin = {(m.time, m.ident): r for r in runs(old, timeout, follower)
                    for m in r.members}
            total.run_of.update((id(b), twin[b.time, b.ident]) for b in group
                                if (b.time, b.ident) in twin)
            continue
        after = runs(sorted(old + fresh, key=lambda b: (b.time, b.key)), timeout, follower)
        change = diff(runs(old, timeout, follower), after)
        twin = {}
        for r in after:
            for b in r.members:
                if b.id is None and b.run is None:
                    b.run = r.start
                    change.run_of[id(b)] = r
                else:
                    twin[b.time, b.ident] = r
        change.run_of.update((id(b), twin[b.time, b.ident]) for b in group
                             if id(b) not in change.run_of and (b.time, b.ident) in twin)
        table.renumber(origin, after, tail)
        table.insert(origin, fresh)
        total.upsert += change.upsert
        total.retire += change.retire
        total.moved += change.moved
        total.run_of.update(change.run_of)
    return _latest(total), new_flags


def cut(table: BeatTable, origin: int, start: float, end: float, timeout: float) -> Change:
    """Delete the heartbeats of [start, end) and keep the spans around exactly as a deletion
    clips them: a stop marker at `start` ends the run that reached it, and a heartbeat at `end`
    carries on the run that crossed it. Returns the spans to write."""
    old, follower, tail = table.neighbourhood(origin, start, end)
    if not old:
        return Change()
    before = runs(old, timeout, follower)
    kept = [b for b in old if not start <= b.time < end]
    markers = []
    if any(b.time < start for b in old):
        markers.append(Beat(start, STOP, None, ident=hash64(("cut", start))))
    crossing = next((r for r in before if r.start < end < r.end and r.counts), None)
    if crossing is not None:
        markers.append(Beat(end, crossing.key, crossing.activity, ident=hash64(("cut", end))))
    after = runs(sorted(kept + markers, key=lambda b: (b.time, b.key)), timeout, follower)
    for r in after:
        for b in r.members:
            if b.id is None and b.run is None:
                b.run = r.start
    table.renumber(origin, after, tail)
    table.execute("DELETE FROM heartbeat WHERE origin = %s AND time >= %s AND time < %s",
                  (origin, start, end))
    table.insert(origin, markers)
    return diff(before, after)


def _latest(change: Change) -> Change:
    """A span changed by two groups: its last version only; retired then made again: kept."""
    spans = {(r.start, r.key): r for r in change.upsert}
    change.upsert = list(spans.values())
    change.retire = [r for r in change.retire if (r.start, r.key) not in spans]
    return change
