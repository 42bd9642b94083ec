"""The span store: one SQLite file (WAL), raw spans plus incremental rollups."""

from __future__ import annotations

import gc
import json
import math
import sqlite3
import threading
import time
import uuid as uuidlib
from binascii import crc32
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from itertools import chain, compress, count, repeat
from operator import attrgetter, gt, itemgetter, sub
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.engine import paths
from desktop.engine.digests import blake2b
from desktop.engine.span import (
    ACTIVITY_FIELDS,
    FLAG_INDICES,
    Classification,
    Span,
    source_priority,
)
from desktop.engine.store import achievements as achievementlib
from desktop.engine.store import beats as beatlib
from desktop.engine.store import (
    classifications,
    day_digests,
    deletions,
    named_blocks,
    rollups,
    time_sums,
    windows,
)
from desktop.engine.store import commits as commitlib
from desktop.engine.store.db import (
    SCHEMA_VERSION,
    StoreError,
    connect,
    explain,
    open_database,
    schema_version,
)
from desktop.engine.uuids import prefix_range, stored, stored_all, text_of

if TYPE_CHECKING:
    from desktop.engine.gitlog import Change, Commit

_activity_key = attrgetter(*ACTIVITY_FIELDS)


def _activity_keys(spans: Iterable[Span]) -> list[tuple]:
    """`list(map(_activity_key, spans))`, with the fields read in bytecode (tests check it is
    ACTIVITY_FIELDS)."""
    return [(s.app, s.title, s.url, s.site, s.file, s.project, s.branch, s.language, s.editor,
             s.browser, s.terminal, s.private, s.audible, s.category) for s in spans]


_first = itemgetter(0)
_COUNTERS = "keystrokes, clicks, scrolls, moves, lines_added, lines_deleted, idle_to_active"
# The span rows _prepare builds, in this order.
_COLUMNS = f'uuid, start, "end", {_COUNTERS}, activity, origin, updated'
_INSERT = f"INSERT INTO span ({_COLUMNS}) VALUES ({', '.join('?' * len(_COLUMNS.split(',')))})"
_UPSERT = _INSERT + " ON CONFLICT (uuid) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in
    ("start", '"end"', "activity", "origin", *_COUNTERS.split(", "), "updated"))
_ADD = _INSERT + " ON CONFLICT (uuid) DO NOTHING"
_ADD_ACTIVITY = (f"INSERT INTO activity (id, key_hash, {', '.join(ACTIVITY_FIELDS)}) "
                 f"VALUES ({', '.join('?' * (len(ACTIVITY_FIELDS) + 2))})")
_SELECT_SPANS = (f'SELECT start, "end", origin, uuid, activity, {_COUNTERS} FROM span '
                 'WHERE start < ? AND start >= ? AND "end" > ? AND "end" > start ORDER BY start')
# Spans prepared and written at a time (and add_spans' progress granularity): a chunk's
# objects and rows stay in the CPU's caches across _prepare's passes and the insert (20,000 at
# a time took 1.4 times as long to prepare as 2,000).
_CHUNK = 2_000
_IN = 500         # parameters per IN (...) list
_BULK = 20_000    # ids from which reading a whole table beats IN (...) lists
_HEARTBEAT_PART = 5000  # heartbeats joined between two progress reports
_NAMED_DAYS = 60  # days per statement when named rollups are built
# The spans sync pushes: the device's own, and those of other devices edited here.
_PUSHED = "(o.device = ? OR s.uuid IN (SELECT uuid FROM span_edit))"


def _digest(key: tuple) -> bytes:
    """The activity's 16-byte hash; without a user-set category (the key's last field), the
    hash of the key before that field existed, so stored activities keep theirs."""
    if key and key[-1] is None:
        key = key[:-1]
    return blake2b(repr(key).encode(), digest_size=16).digest()


def _key_hash(key: tuple) -> str:
    """The hash as hex: activity.key_hash on the server (server.history)."""
    return _digest(key).hex()


def key_digest(key: tuple) -> bytes:
    """activity.key_hash in the store (schema step 24): 4 bytes (bytes, which the column's text
    affinity leaves as they are) of the fields that tell most activities apart. Distinct
    activities may share one, those differing in other fields only or by chance: they are
    told apart by their fields. (The key's repr and blake2b cost four times as much: a new
    title's share of ingest.)"""
    return hash_fields(key[0], key[1], key[2], key[4], key[5])


def hash_fields(app: str | None, title: str | None, url: str | None, file: str | None,
                project: str | None) -> bytes:
    """key_digest from those fields (None as ""): the CRC-32 of their UTF-8."""
    return crc32(f"{app or ''}\x1f{title or ''}\x1f{url or ''}\x1f{file or ''}\x1f"
                 f"{project or ''}".encode("utf-8", "surrogatepass")).to_bytes(4, "little")


def _time_parts(times: list[float], indices: list[int]) -> Iterator[list[int]]:
    """`indices` (sorted by `times`) in parts of about _HEARTBEAT_PART, never splitting one
    time between two parts."""
    lo = 0
    while lo < len(indices):
        hi = min(lo + _HEARTBEAT_PART, len(indices))
        while hi < len(indices) and times[hi] == times[hi - 1]:
            hi += 1
        yield indices[lo:hi]
        lo = hi


def _chunks(seq: list, n: int) -> Iterator[list]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused, for a bulk write: it makes a few tuples per span, none
    in a cycle (reference counts free them), whose count sets off collections that each walk
    many objects (a full one, every object of the process): a sixth of what add_spans does
    outside SQLite. Left as it was if something else disabled it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _migrated(path: Path, timeout: float) -> sqlite3.Connection:
    """The file's schema brought up to date through Peewee (it and the migrations are loaded
    only then), and the connection it was done on, to go on with (a database in memory has
    only that one)."""
    import peewee

    from desktop.engine.store import migrations

    db = open_database(path, timeout)
    try:
        migrations.migrate(db)
    except BaseException as exc:
        db.close()
        if isinstance(exc, peewee.PeeweeException):
            raise explain(exc, path) from exc
        raise
    return db.connection()


class Store:
    """Opens (or creates) the database at `path` and brings its schema up to date.

    One connection serves every thread; a lock serialises access. Errors of the database
    (locked, corrupt, unwritable) surface as StoreError with a message for the user.
    """

    def __init__(self, path: str | Path, *, device: str | None = None,
                 timeout: float = 5.0, refuse_heartbeats: str | None = None,
                 on_upgrade: Callable[[int, int], None] | None = None) -> None:
        """`refuse_heartbeats`: why this store must not take heartbeats (one in memory while
        the real file cannot be opened: a heartbeat is acknowledged only once on disk);
        `on_upgrade(found, new)`: called before a file made by an older version is brought
        to the current schema (a long history takes a while, once)."""
        self.path = Path(path)
        self._refuse_heartbeats = refuse_heartbeats
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._activity_ids: dict[tuple, int] = {}
        self._activity_rows: dict[int, tuple] = {}
        self._origin_ids: dict[tuple[str, str], int] = {}
        self._origins: dict[int, tuple[str, str]] = {}
        self._priority: dict[int, int] = {}
        self._max_duration = 0.0
        self._data_version: int | None = None
        self._writes = 0  # write transactions committed through this Store
        self._all_activities_cached = False  # then a cache miss is a new activity
        self._next_activity_id: int | None = None  # within the current write transaction
        # Activities upsert_spans made for one span, which no other span was given since:
        # id -> (that span's uuid as stored, activity key). See _forget_replaced.
        self._sole: dict[int, tuple[bytes | str, tuple]] = {}
        self._timeouts: dict[str, float] = {}  # heartbeat timeouts saved in meta, by source
        # Why the last write failed (disk full, read-only...); None once one succeeds.
        self.write_error: StoreError | None = None
        self._conn = conn = connect(self.path, timeout)
        try:
            found = schema_version(conn)
            if found != SCHEMA_VERSION:
                if on_upgrade is not None and 0 < found < SCHEMA_VERSION:
                    on_upgrade(found, SCHEMA_VERSION)
                conn.close()
                self._conn = conn = _migrated(self.path, timeout)
            meta = dict(conn.execute("SELECT key, value FROM meta"))
            if "device" not in meta:
                meta["device"] = str(uuidlib.uuid4())
                conn.execute("INSERT INTO meta (key, value) VALUES ('device', ?) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             (meta["device"],))
            self.device: str = device or meta["device"]
            self._sync(conn)
            self._all_activities_cached = conn.execute(
                "SELECT 1 FROM activity LIMIT 1").fetchone() is None
        except sqlite3.Error as exc:
            conn.close()
            raise explain(exc, self.path) from exc
        except RuntimeError as exc:
            conn.close()
            raise StoreError(f"{self.path}: {exc}") from exc
        except StoreError:
            conn.close()
            raise

    # -- plumbing -------------------------------------------------------------------------

    def _sync(self, conn: sqlite3.Connection) -> None:
        """Pick up what other connections (processes) committed: origins, longest span."""
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            if self._data_version is not None:  # another process wrote: maybe activities
                self._all_activities_cached = False
                self._sole.clear()  # and spans that use them
            self._data_version = version
            self._load_origins(conn)
            row = conn.execute("SELECT value FROM meta WHERE key = 'max_duration'").fetchone()
            self._max_duration = max(self._max_duration, float(row[0]) if row else 0.0)

    def _load_origins(self, conn: sqlite3.Connection) -> None:
        self._origins = {oid: (src, dev) for oid, src, dev in
                         conn.execute("SELECT id, source, device FROM origin")}
        self._origin_ids = {v: k for k, v in self._origins.items()}
        self._priority = {oid: source_priority(src) for oid, (src, _) in self._origins.items()}

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                conn = self._conn
                self._sync(conn)
                yield conn
            except sqlite3.Error as exc:
                raise explain(exc, self.path) from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taking the write lock up front (BEGIN IMMEDIATE)."""
        with self._lock:
            try:
                conn = self._conn
                conn.execute("BEGIN IMMEDIATE")
                self._next_activity_id = None
                self._sync(conn)
            except sqlite3.Error as exc:
                self.write_error = explain(exc, self.path)
                raise self.write_error from exc
            try:
                yield conn
                conn.execute("COMMIT")
                self._writes += 1
                self.write_error = None
            except BaseException as exc:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                # Ids handed out inside the failed transaction no longer exist.
                self._activity_ids.clear()
                self._sole.clear()
                self._timeouts.clear()
                self._data_version = None
                self._all_activities_cached = False
                try:
                    self._load_origins(conn)
                except sqlite3.Error:
                    self._origins, self._origin_ids, self._priority = {}, {}, {}
                if isinstance(exc, sqlite3.Error):
                    self.write_error = explain(exc, self.path)
                    raise self.write_error from exc
                raise

    def _intern_activities(self, conn: sqlite3.Connection, keys: Iterable[tuple]
                           ) -> tuple[list[int], list[tuple]]:
        """Activity ids of `keys`, and the rows of the activities not stored yet. Their ids
        are handed out here, without a read-back: the caller's transaction holds the write
        lock, and inserts the rows before it commits. Each key is hashed once (a key is a
        long tuple, and its hash is not cached): `first` numbers the distinct keys."""
        first: dict[tuple, int] = {}
        positions = list(map(first.setdefault, keys, count()))
        ids = self._activity_ids
        slot = [0] * len(positions)  # the id of each key, at the position it first comes
        # By hash: [(key, position)], one but for keys whose hashes collide.
        missing: dict[bytes, list[tuple[tuple, int]]] = {}
        for key, position in first.items():
            aid = ids.get(key)
            if aid is None:
                missing.setdefault(key_digest(key), []).append((key, position))
            else:
                slot[position] = aid
        rows: list[tuple] = []
        if missing and not self._all_activities_cached:
            for part in _chunks(list(missing), _IN):
                for aid, h, *fields in conn.execute(
                        f"SELECT id, key_hash, {', '.join(ACTIVITY_FIELDS)} FROM activity "
                        f"WHERE key_hash IN ({','.join('?' * len(part))})", part):
                    waiting = missing.get(h, ())
                    found = tuple(fields)
                    for i, (key, position) in enumerate(waiting):
                        if key == found:
                            ids[key] = slot[position] = aid
                            del waiting[i]
                            break
                    if not waiting:
                        missing.pop(h, None)
        if missing:
            if self._next_activity_id is None:
                self._next_activity_id = conn.execute(
                    "SELECT COALESCE(MAX(id), 0) + 1 FROM activity").fetchone()[0]
            aid = self._next_activity_id
            # In the order of the index on key_hash: SQLite appends to it.
            for h in sorted(missing):
                for key, position in missing[h]:
                    rows.append((aid, h, *key))
                    ids[key] = slot[position] = aid
                    aid += 1
            self._next_activity_id = aid
        return list(map(slot.__getitem__, positions)), rows

    def _origin_id(self, conn: sqlite3.Connection, source: str, device: str) -> int:
        oid = self._origin_ids.get((source, device))
        if oid is None:
            cur = conn.execute("INSERT INTO origin (source, device) VALUES (?, ?) "
                               "ON CONFLICT (source, device) DO NOTHING", (source, device))
            if cur.rowcount:
                oid = cur.lastrowid
            else:
                oid = conn.execute("SELECT id FROM origin WHERE source = ? AND device = ?",
                                   (source, device)).fetchone()[0]
            self._origin_ids[source, device] = oid
            self._origins[oid] = (source, device)
            self._priority[oid] = source_priority(source)
        return oid

    def _prepare(self, conn: sqlite3.Connection, spans: list[Span], dirty: set[int],
                 now: float) -> tuple[list[tuple], list[tuple]]:
        """Rows for the activity table (new activities) and the span table (written at
        `now`: one time for all the chunks of a write, which refresh tells from the spans
        written before it by that time); adds the quarters the spans cover to `dirty`. Per
        span, the fields are read in comprehensions (bytecode reads a slot for a fraction of
        what attrgetter costs) and the rest is done in whole-list passes (the work per span is
        most of what add_spans adds to SQLite's)."""
        aids, activities = self._intern_activities(conn, _activity_keys(spans))
        sources = [s.source for s in spans]
        devices = [s.device for s in spans]
        machines = set(devices)
        if len(machines) == 1:  # (sets of strings, no pair made per span: one device writes)
            device = machines.pop() or self.device
            by_source = {source: self._origin_id(conn, source, device)
                         for source in set(sources)}
            oids = (repeat(by_source.popitem()[1], len(spans)) if len(by_source) == 1
                    else map(by_source.__getitem__, sources))
        else:
            origins = {key: self._origin_id(conn, key[0], key[1] or self.device)
                       for key in set(zip(sources, devices, strict=True))}
            oids = map(origins.__getitem__, zip(sources, devices, strict=True))
        rows = [(u, s.start, s.end, s.keystrokes, s.clicks, s.scrolls, s.moves, s.lines_added,
                 s.lines_deleted, s.idle_to_active, aid, oid, now)
                for u, s, aid, oid in zip(stored_all([s.uuid for s in spans]), spans, aids, oids,
                                          strict=True)]
        # The quarters of both ends of each span with time, and the longest span.
        starts = [s.start for s in spans]
        ends = [s.end for s in spans]
        timed = list(map(gt, ends, starts))
        dirty.update(rollups.quarters_at(sorted(chain(compress(starts, timed),
                                                      compress(ends, timed)))))
        q = rollups.QUARTER
        longest = max(map(sub, ends, starts), default=0.0)  # (one without time: not > 0)
        if longest > q:  # spans over several quarters: the ones in between too
            for a, b in zip(starts, ends, strict=True):
                if b - a > q:
                    dirty.update(rollups.quarters_of(a, b))
        if longest > self._max_duration:
            self._max_duration = longest
            conn.execute("INSERT INTO meta (key, value) VALUES ('max_duration', ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                         (repr(longest),))
        return activities, rows

    # -- writing --------------------------------------------------------------------------

    def upsert_spans(self, spans: Iterable[Span], *, edited: bool = False,
                     pulled: bool = False, refresh: bool = False) -> None:
        """Insert, or update by uuid (the tracker re-sends its open span as it grows).
        `edited`: the user changed them here (those of other devices are then pushed by
        sync); `pulled`: sync brought them (a newer version than any edit made here);
        `refresh`: bring the rollups up to date in the same transaction (the tracker's
        writer: new spans are rolled up from memory, not read back).
        Unless edited, spans are clipped by the deletions made after their start
        (desktop.engine.store.deletions): a re-sent span does not bring deleted time back."""
        spans = list(spans)
        if not spans:
            return
        with _collector_paused(), self._write() as conn:
            # (a helper: its rows are freed before the collector runs again, which then
            # walks what is still alive of what the write made)
            self._upsert(conn, spans, edited, pulled, refresh)

    def _upsert(self, conn: sqlite3.Connection, spans: list[Span], edited: bool,
                pulled: bool, refresh: bool) -> None:
        dirty: set[int] = set()
        if not edited:
            spans = deletions.clip(spans, deletions.intersecting(conn, spans))
            if not spans:
                if refresh:
                    rollups.refresh(conn, self._max_duration, self._priority)
                return
        was: dict[bytes | str, int] = {}  # the stored spans' activities, by stored uuid
        if refresh:  # (the primary key's first column: a search each)
            first = conn.execute("SELECT MIN(start) FROM span").fetchone()[0]
            last = conn.execute("SELECT MAX(start) FROM span").fetchone()[0]
        activities: list[tuple] = []
        items: list[rollups.RawItem] = []  # Fresh.items, made while a chunk's rows are cached
        priority = self._priority
        fresh = True
        now = time.time()
        # Each uuid's activity in its last row, for _forget_replaced: only in a write that may
        # be the tracker's flush (see there).
        final: dict[bytes | str, int] | None = {} if len(spans) <= _IN else None
        # Each chunk's rows are freed after it (all of a write's weighed ~260 B a span).
        for part in _chunks(spans, _CHUNK):
            new, rows = self._prepare(conn, part, dirty, now)
            conn.executemany(_ADD_ACTIVITY, new)
            if conn.executemany(_ADD, rows).rowcount != len(rows):
                fresh = False  # some were stored (re-sent, pulled) or came twice
                self._update_stored(conn, rows, was, dirty)
            activities += new
            # (rows in _COLUMNS order: activity, origin at 10, 11)
            if final is not None:
                final.update((r[0], r[10]) for r in rows)  # (a uuid's later row wins)
            if refresh and fresh:
                items += [(r[1], r[2], priority[r[11]], r[0], (r[10], r[11])) for r in rows]
        self._forget_replaced(conn, final, activities, was)
        if edited:
            conn.executemany("INSERT OR IGNORE INTO span_edit (uuid) VALUES (?)", [
                (stored(s.uuid),) for s in spans if s.device and s.device != self.device])
        elif pulled:
            conn.executemany("DELETE FROM span_edit WHERE uuid = ?",
                             [(stored(s.uuid),) for s in spans])
        if refresh and fresh:
            items.sort(key=_first)
            rollups.refresh(conn, self._max_duration, priority, rollups.Fresh(
                items, dirty, now, (math.inf, -math.inf) if first is None else (first, last)))
        else:
            rollups.mark_dirty(conn, dirty)
            if refresh:
                rollups.refresh(conn, self._max_duration, self._priority)

    @staticmethod
    def _update_stored(conn: sqlite3.Connection, rows: list[tuple], was: dict[bytes | str, int],
                       dirty: set[int]) -> None:
        """Update the stored spans among `rows` (a chunk some of whose uuids were stored
        before it, or come twice): a row that reads back as one of `rows` needs no update
        for itself (inserted just now, or stored so before); the others were stored, as they
        read (their activities go to `was`, their quarters to `dirty`). A uuid's later row
        wins, also over one an earlier chunk of the same write inserted."""
        given = set(rows)
        for part in _chunks([r[0] for r in rows], _IN):
            for row in conn.execute(f"SELECT {_COLUMNS} FROM span WHERE uuid IN "
                                    f"({','.join('?' * len(part))})", part):
                if row not in given:
                    was[row[0]] = row[-3]
                    dirty.update(rollups.quarters_of(row[1], row[2]))
        seen: set[bytes | str] = set()
        conn.executemany(_UPSERT, [  # the stored ones and the later rows of a uuid
            r for r in rows if r[0] in was or r[0] in seen or seen.add(r[0])])

    def _forget_replaced(self, conn: sqlite3.Connection, final: dict[bytes | str, int] | None,
                         activities: list[tuple], was: dict[bytes | str, int]) -> None:
        """Delete the activities that only the write's spans (`final`: each uuid's activity in
        its last row of the write; None for a write of over _IN spans) used before this upsert
        gave them another: the tracker re-sends its open span as it grows with its latest
        title, and a title with a clock makes a new activity at every flush, which nothing
        refers to once the next one replaces it. Known from this Store's own writes (cleared
        when another process writes); the old spans' quarters are dirty, so their rollups go
        too. Only an id below the span's new one goes: ids are never handed out twice (they
        are MAX + 1)."""
        sole = self._sole
        if not (activities or sole):
            return
        if final is None:  # over _IN spans, not a flush of the tracker (its open span and
            sole.clear()   # those it ended since the last): a pull or a backlog, whose spans
            return         # are not re-sent as they grow
        made = {row[0]: row for row in activities}
        uses = Counter(final.values())
        user = dict(zip(final.values(), final, strict=True))  # activity -> a span of it
        for aid in list(sole):
            if aid in uses and (uses[aid] > 1 or user[aid] != sole[aid][0]):
                del sole[aid]  # another span has it now
        for aid, row in made.items():
            if uses[aid] == 1:
                sole[aid] = (user[aid], row[2:])
        gone = [old for uuid, old in was.items()
                if sole.get(old, ("",))[0] == uuid and old < final[uuid]]
        if gone:
            for aid in gone:
                self._activity_ids.pop(sole.pop(aid)[1], None)
                self._activity_rows.pop(aid, None)
            ids = json.dumps(gone)
            conn.execute("DELETE FROM activity WHERE id IN (SELECT value FROM json_each(?))",
                         (ids,))
            classifications.drop_activities(conn, gone)
        # The open span comes back in every flush; closed ones do not.
        self._sole = {aid: v for aid, v in sole.items() if v[0] in final}

    def add_spans(self, spans: Iterable[Span],
                  progress: Callable[[int, int], None] | None = None) -> int:
        """Insert spans whose uuid is new, leave the others untouched; returns how many
        were new. One transaction: an import lands whole or not at all."""
        spans = list(spans)
        added = done = 0
        with _collector_paused(), self._write() as conn:
            self._sole.clear()  # its spans may share the activities of the open span
            now = time.time()
            for part in _chunks(spans, _CHUNK):
                added += self._add(conn, part, now)  # (its rows freed before the collector runs)
                done += len(part)
                if progress:
                    progress(done, len(spans))
        return added

    def _add(self, conn: sqlite3.Connection, spans: list[Span], now: float) -> int:
        dirty: set[int] = set()
        activities, rows = self._prepare(conn, spans, dirty, now)
        conn.executemany(_ADD_ACTIVITY, activities)
        new = conn.executemany(_ADD, rows).rowcount
        if new:
            rollups.mark_dirty(conn, dirty)
        return new

    def add_heartbeats(self, items: Sequence[tuple[str, beatlib.Beat, Span | None]],
                       timeouts: Mapping[str, float],
                       progress: Callable[[int, int], None] | None = None, *,
                       forward: Sequence[tuple[str, str] | None] | None = None
                       ) -> tuple[list[str | None], list[bool]]:
        """Store heartbeats, each as (source, stored form, the span it would start as it may
        be stored, or None for one that makes no span), and re-join the spans around them
        (desktop.engine.store.beats) per origin (the source on the span's device; this device
        for one without a span) with each source's timeout (remembered for deletions), in one
        transaction: when this returns, they are on disk. Heartbeats in a range the user
        deleted are dropped. Returns per heartbeat its span's uuid and whether it was new."""
        if self._refuse_heartbeats is not None:
            raise StoreError(self._refuse_heartbeats, "unwritable")
        by_origin: dict[tuple[str, str], list[int]] = {}
        for i, (source, _, proto) in enumerate(items):
            device = self.device if proto is None else proto.device or self.device
            by_origin.setdefault((source, device), []).append(i)
        by_source = {source for source, _ in by_origin}
        span_ids: list[str | None] = [None] * len(items)
        new = [False] * len(items)
        with self._write() as conn:
            self._sole.clear()  # (see add_spans)
            table = self._beat_table(conn)
            protos = [(beat, proto) for _, beat, proto in items if proto is not None]
            aids, activities = self._intern_activities(
                conn, [_activity_key(proto) for _, proto in protos])
            conn.executemany(_ADD_ACTIVITY, activities)
            for (beat, _), aid in zip(protos, aids, strict=True):
                beat.activity = aid
            for _, beat, proto in items:
                if proto is None:
                    beat.key, beat.activity = beatlib.STOP, None
            changed = {s: float(timeouts[s]) for s in by_source
                       if self._timeouts.get(s) != float(timeouts[s])}
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                             "DO UPDATE SET value = excluded.value",
                             [(f"timeout:{s}", repr(t)) for s, t in changed.items()])
            self._timeouts.update(changed)
            done = 0
            for (source, device), indices in by_origin.items():
                origin = self._origin_id(conn, source, device)
                indices.sort(key=lambda i: (items[i][1].time, items[i][1].key))
                # In parts, for progress: a later part sees the earlier ones as stored.
                for part in _time_parts([items[i][1].time for i in indices], indices):
                    change, fresh = beatlib.add(table, origin, [items[i][1] for i in part],
                                                timeouts[source], self._deleted(conn))
                    for i, was_new in zip(part, fresh, strict=True):
                        run = change.run_of.get(id(items[i][1]))
                        new[i] = was_new
                        if run is not None and run.counts:
                            span_ids[i] = beatlib.span_uuid(device, source, run.start, run.key)
                    self._apply(conn, source, origin, change)
                    if forward:
                        conn.executemany(
                            "INSERT INTO upstream_queue (machine, body, queued) VALUES (?, ?, ?)",
                            [(*forward[i], time.time()) for i in part if new[i] and forward[i]])
                    done += len(part)
                    if progress:
                        progress(done, len(items))
        return span_ids, new

    @staticmethod
    def _beat_table(conn: sqlite3.Connection) -> beatlib.BeatTable:
        return beatlib.BeatTable(
            lambda sql, args: conn.execute(sql.replace("%s", "?"), args),
            lambda sql, rows: conn.executemany(
                sql.replace("VALUES %s", "VALUES (" + ", ".join("?" * len(rows[0])) + ")"),
                rows))

    @staticmethod
    def _deleted(conn: sqlite3.Connection) -> beatlib.Deleted:
        return lambda lo, hi: conn.execute(
            'SELECT start, "end" FROM deletion WHERE start <= ? AND "end" > ?', (hi, lo)
        ).fetchall()

    def _apply(self, conn: sqlite3.Connection, source: str, origin: int,
               change: beatlib.Change) -> None:
        """Write what joining changed in `origin`'s spans (new, grown, retired)."""
        device = self._origins[origin][1]
        now = time.time()
        rows = [(stored(beatlib.span_uuid(device, source, r.start, r.key)), r.start, r.end,
                 0, 0, 0, 0, r.added, r.deleted, 0, r.activity, origin, now)
                for r in change.upsert]
        rows += [(stored(beatlib.span_uuid(device, source, r.start, r.key)), r.start, r.start,
                  0, 0, 0, 0, 0, 0, 0, r.activity, origin, now) for r in change.retire]
        conn.executemany(_UPSERT, rows)
        dirty: set[int] = set()
        for r in (*change.upsert, *change.retire, *change.moved):
            dirty.update(rollups.quarters_of(r.start, r.end))
        rollups.mark_dirty(conn, dirty)
        longest = max((r[2] - r[1] for r in rows), default=0.0)
        if longest > self._max_duration:
            self._max_duration = longest
            conn.execute("INSERT INTO meta (key, value) VALUES ('max_duration', ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                         (repr(longest),))

    def prune_heartbeats(self, before: float) -> int:
        """Forget heartbeats too old to be joined with any that may still come (whole runs
        that ended before `before`); their spans stay. Imported ones are kept: a further
        dump may overlap them at any age. Returns how many."""
        with self._write() as conn:
            live = [o for o, (source, _) in self._origins.items()
                    if not source.startswith(beatlib.IMPORTED_PREFIX)]
            return self._beat_table(conn).prune(before, live) if live else 0

    def replace_derived(self, derive: Callable[[sqlite3.Connection], tuple[list[Span], set[str]]],
                        progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
        """Spans derived from raw records, replacing what was derived before, in ONE write
        transaction (all or nothing). `derive(conn)` stores its raw records and returns (the
        spans derived now, the uuids of the stored spans they replace). Derived spans that are
        new or changed are upserted (unchanged ones are not touched); replaced uuids no longer
        derived are retired: end = start (zero length: nothing reads them), same uuid, newer
        `updated`, so that sync pushes the change. Returns (spans new or revived, retired)."""
        added = retired = done = 0
        with self._write() as conn:
            self._sole.clear()  # (see add_spans)
            spans, replaced = derive(conn)
            if progress:
                progress(0, len(spans))
            now = time.time()
            dirty: set[int] = set()
            for part in _chunks(spans, _IN):
                old = {u: row for u, *row in conn.execute(
                    f'SELECT uuid, start, "end", {_COUNTERS}, activity, origin FROM span '
                    f"WHERE uuid IN ({','.join('?' * len(part))})",
                    [stored(s.uuid) for s in part])}
                activities, rows = self._prepare(conn, part, set(), now)
                conn.executemany(_ADD_ACTIVITY, activities)
                changed = [r for r in rows if tuple(old.get(r[0], ())) != r[1:-1]]
                for r in changed:
                    was = old.get(r[0])
                    if was is None or was[1] <= was[0]:
                        added += 1
                    if was is not None:
                        dirty.update(rollups.quarters_of(was[0], was[1]))
                    dirty.update(rollups.quarters_of(r[1], r[2]))
                conn.executemany(_UPSERT, changed)
                done += len(part)
                if progress:
                    progress(done, len(spans))
            gone = [stored(u) for u in sorted(replaced - {s.uuid for s in spans})]
            for part in _chunks(gone, _IN):
                marks = ",".join("?" * len(part))
                for a, b in conn.execute(f'SELECT start, "end" FROM span WHERE uuid IN ({marks}) '
                                         f'AND "end" > start', part):
                    dirty.update(rollups.quarters_of(a, b))
                retired += conn.execute(f'UPDATE span SET "end" = start, updated = ? WHERE '
                                        f'uuid IN ({marks}) AND "end" > start', (now, *part)
                                        ).rowcount
            rollups.mark_dirty(conn, dirty)
        return added, retired

    def delete_range(self, start: float, end: float, *, uuid: str | None = None,
                     device: str | None = None) -> int:
        """Remove the time in [start, end) from the history (every source and device).

        Spans crossing an edge are clipped (one covering the whole range is split in two,
        the later part under a uuid derived from the original). Returns spans affected.
        The deletion is recorded (for sync) under `uuid`/`device` when given (a deletion
        made on another device; applied once), else a new uuid and this device."""
        if end <= start:
            return 0
        record = (uuid or str(uuidlib.uuid4()), device or self.device)
        with self._write() as conn:
            self._sole.clear()  # a split span shares its activity
            if uuid is not None and conn.execute("SELECT 1 FROM deletion WHERE uuid = ?",
                                                 (stored(uuid),)).fetchone():
                return 0
            table = self._beat_table(conn)
            timeouts = {**beatlib.TIMEOUTS, **{k[8:]: float(v) for k, v in conn.execute(
                "SELECT key, value FROM meta WHERE key LIKE 'timeout:%'")}}
            widest = max(timeouts.values())
            for origin in table.origins(start - widest, end + widest):
                source = self._origins[origin][0]
                self._apply(conn, source, origin, beatlib.cut(
                    table, origin, start, end, timeouts.get(source, widest)))
            rows = conn.execute(
                f'SELECT uuid, start, "end", activity, origin, {_COUNTERS} FROM span '
                f'WHERE start < ? AND start >= ? AND "end" > ?',
                (end, start - self._max_duration, start)).fetchall()
            now = time.time()
            for u, a, b, act, org, *counts in rows:
                if a >= start and b <= end:
                    conn.execute("DELETE FROM span WHERE uuid = ?", (u,))
                    continue
                length = b - a
                if a < start:
                    left = [round(c * (start - a) / length) for c in counts]
                    conn.execute(
                        f'UPDATE span SET "end" = ?, updated = ?, '
                        f'{", ".join(c + " = ?" for c in _COUNTERS.split(", "))} '
                        f"WHERE uuid = ?", (start, now, *left, u))
                if b > end:
                    right = [round(c * (b - end) / length) for c in counts]
                    if a < start:
                        conn.execute(_INSERT, (stored(deletions.split_uuid(text_of(u), end)),
                                               end, b, *right, act, org, now))
                    else:
                        conn.execute(
                            f'UPDATE span SET start = ?, updated = ?, '
                            f'{", ".join(c + " = ?" for c in _COUNTERS.split(", "))} '
                            f"WHERE uuid = ?", (end, now, *right, u))
            conn.execute("INSERT INTO deletion (uuid, device, start, \"end\", created) "
                         "VALUES (?, ?, ?, ?, ?)",
                         (stored(record[0]), record[1], start, end, now))
            rollups.mark_dirty(conn, rollups.quarters_of(start, end))
        return len(rows)

    def refresh_rollups(self) -> int:
        """Bring the rollups up to date with the spans written so far (reads do it too);
        returns how many quarter hours were recomputed."""
        with self._write() as conn:
            return rollups.refresh(conn, self._max_duration, self._priority)

    # -- reading --------------------------------------------------------------------------

    def spans(self, start: float, end: float) -> list[Span]:
        """Raw spans overlapping [start, end), ordered by start (retired ones, of no length,
        left out)."""
        with self._read() as conn:
            rows = conn.execute(_SELECT_SPANS, (end, start - self._max_duration, start)
                                ).fetchall()
        fields = self.activities({r[4] for r in rows})
        origins = self._origins
        return [Span(a, b, *origins[o], text_of(u), *fields[act], *counts)
                for a, b, o, u, act, *counts in rows]

    def span_by_uuid(self, uuid: str) -> Span | None:
        """The stored span whose uuid is (or, unambiguously, starts with) `uuid`, in any
        case."""
        select = f'SELECT start, "end", origin, uuid, activity, {_COUNTERS} FROM span '
        with self._read() as conn:
            rows = conn.execute(select + "WHERE typeof(uuid) = 'text' AND uuid LIKE ? LIMIT 2",
                                (uuid.replace("%", "").replace("_", "") + "%",)).fetchall()
            found = prefix_range(uuid)
            if found is not None:
                rows += conn.execute(select + "WHERE uuid BETWEEN ? AND ? LIMIT 2", found)
        if len(rows) != 1:
            return None
        a, b, o, u, act, *counts = rows[0]
        return Span(a, b, *self._origins[o], text_of(u), *self.activities({act})[act],
                    *counts)

    def first_start(self) -> float | None:
        with self._read() as conn:
            return conn.execute('SELECT MIN(start) FROM span WHERE "end" > start').fetchone()[0]

    @contextmanager
    def _rollups(self) -> Iterator[sqlite3.Connection]:
        """Read access to up-to-date rollups (recomputing dirty quarters first)."""
        with self._read() as conn:
            if conn.execute("SELECT 1 FROM rollup_dirty LIMIT 1").fetchone():
                self.refresh_rollups()
            yield conn

    def seconds_by_activity(self, start: float, end: float, *, whole_days: bool = True
                            ) -> dict[tuple[int, int], float]:
        """Overlap-resolved seconds per (activity id, origin id) in [start, end). Without
        `whole_days` the whole UTC days inside the range (`whole_days(start, end)`) are left
        out, for callers that take those from the named rollups."""
        with self._rollups() as conn:
            return rollups.totals(conn, start, end, self._max_duration, self._priority,
                                  whole_days)

    @staticmethod
    def whole_days(start: float, end: float) -> tuple[int, int]:
        """The UTC days [d0, d1) (epoch // 86400) that lie wholly inside [start, end)."""
        return rollups.split(start, end)[2]

    def seconds_by_quarter(self, start: float, end: float, *, whole_quarters: bool = True,
                           activities: Collection[int] | None = None
                           ) -> dict[tuple[int, tuple[int, int]], float]:
        """Overlap-resolved seconds per (quarter index, (activity id, origin id)); without
        `whole_quarters` only the partial quarters at the ends of the range (the whole ones,
        `whole_quarters(start, end)`, come from the named quarter rollups); only of these
        `activities` when given."""
        with self._rollups() as conn:
            return rollups.per_quarter(conn, start, end, self._max_duration, self._priority,
                                       whole_quarters, activities)

    def pieces(self, start: float, end: float) -> list[tuple[float, float, tuple[int, int]]]:
        """Overlap-resolved (start, end, (activity id, origin id)) pieces of [start, end), as
        the rollups are made of."""
        with self._rollups() as conn:
            return rollups.raw_pieces(conn, start, end, self._max_duration, self._priority)

    def pieces_of(self, spans: Sequence[tuple[float, float]]
                  ) -> list[list[tuple[float, float, tuple[int, int]]]]:
        """`pieces(lo, hi)` for each [lo, hi) of `spans`, in one query."""
        with self._rollups() as conn:
            return windows.raw_windows(conn, spans, self._max_duration, self._priority)

    def activity_pieces_of(self, spans: Sequence[tuple[float, float]]
                           ) -> list[list[tuple[float, float, int]]]:
        """`pieces_of(spans)` with each piece's activity id alone (faster on many)."""
        with self._rollups() as conn:
            return windows.activity_windows(conn, spans, self._max_duration, self._priority)

    def day_digests(self, key: str, days: Collection[int]) -> dict[int, str]:
        """The stored insights digests of those of `days` that are current (day_digests)."""
        with self._rollups() as conn:  # pending changes first invalidate what they touch
            found = day_digests.load(conn, key, days)
        wanted = set(days)
        return {d: body for d, body in found.items() if d in wanted}

    def claim_day_digests(self, key: str, days: Collection[int]) -> None:
        """Before computing the digests of `days` (see day_digests: claim, then fill)."""
        with self._write() as conn:
            rollups.refresh(conn, self._max_duration, self._priority)
            day_digests.claim(conn, key, days)

    def fill_day_digests(self, key: str, bodies: Mapping[int, str]) -> int:
        """Store the digests computed since `claim_day_digests`, except those of days written
        to meanwhile; returns how many were stored."""
        with self._write() as conn:
            rollups.refresh(conn, self._max_duration, self._priority)
            return day_digests.fill(conn, key, bodies)

    def change_stamp(self) -> tuple[int, int]:
        """Changes when anything was written: here (a count of commits) or by another
        connection (SQLite's data_version); for caches of derived figures."""
        with self._read() as conn:
            return self._writes, conn.execute("PRAGMA data_version").fetchone()[0]

    def activity_ids(self) -> list[int]:
        with self._read() as conn:
            return [i for (i,) in conn.execute("SELECT id FROM activity")]

    @staticmethod
    def whole_quarters(start: float, end: float) -> tuple[int, int]:
        """The quarter indexes [q0, q1) wholly inside [start, end) (maybe empty)."""
        return math.ceil(start / rollups.QUARTER), math.floor(end / rollups.QUARTER)

    def quarter_sums(self, start: float, end: float) -> dict[int, float]:
        """Overlap-resolved seconds per quarter index in [start, end), everything."""
        with self._rollups() as conn:
            return rollups.quarter_sums(conn, start, end, self._max_duration, self._priority)

    def time_sums(self, start: float, end: float, runs: Sequence[tuple[int, int, int]],
                  unit: str) -> dict[int, float]:
        """Overlap-resolved seconds in [start, end) by local hour, weekday or day number, for
        the UTC offsets of `runs` (time_sums.grouped)."""
        with self._rollups() as conn:
            return time_sums.grouped(conn, start, end, self._max_duration, self._priority,
                                     runs, unit)

    # Named rollups: per UTC day, seconds by a dimension's value as analytics names it.

    def named_missing(self, fingerprint: str, dim: str, d0: int, d1: int) -> list[int]:
        """Days in [d0, d1) with spans whose named rollup for (fingerprint, dim) is missing."""
        with self._rollups() as conn:
            return [d for (d,) in conn.execute(
                "SELECT a.day FROM active_day a WHERE a.day >= ? AND a.day < ? AND NOT EXISTS "
                "(SELECT 1 FROM named_done n WHERE n.fingerprint = ? AND n.dim = ? "
                "AND n.day = a.day)", (d0, d1, fingerprint, dim))]

    def rollup_ids(self, days: Collection[int], column: str) -> set[int]:
        """Distinct activity (`column` "activity") or origin ids in the quarter rollups of
        UTC `days`."""
        if column not in ("activity", "origin"):
            raise ValueError(column)
        with self._rollups() as conn:
            self._temp_days(conn, days)
            return {i for (i,) in conn.execute(
                f"SELECT DISTINCT q.{column} FROM temp.named_days d JOIN rollup_quarter q "
                f"ON q.bucket >= d.day * {rollups.QUARTERS_PER_DAY} "
                f"AND q.bucket < (d.day + 1) * {rollups.QUARTERS_PER_DAY}")}

    @staticmethod
    def _temp_days(conn: sqlite3.Connection, days: Collection[int]) -> None:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS named_days (day INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp.named_days")
        conn.executemany("INSERT INTO temp.named_days (day) VALUES (?)",
                         [(int(d),) for d in days])

    def save_named(self, fingerprint: str, dim: str, days: Collection[int],
                   names: dict[int, str], column: str) -> set[int]:
        """Build the named rollups of `days` from the quarter rollups, each row named by
        `names` of its activity (or origin: `column`), and store them as current under the
        key `fingerprint` (named_blocks.key_of; adopt_rules for a change of rules). The sums
        run inside SQLite, a few weeks at a time (ten years of quarters would otherwise sort
        millions of rows at once).

        Returns the ids found in those days without a name (written since `rollup_ids`):
        then nothing is stored, and the caller names them and calls again."""
        if column not in ("activity", "origin"):
            raise ValueError(column)
        per_day = rollups.QUARTERS_PER_DAY
        in_days = (f"JOIN rollup_quarter q ON q.bucket >= d.day * {per_day} "
                   f"AND q.bucket < (d.day + 1) * {per_day}")
        parts = list(_chunks(sorted(days), _NAMED_DAYS))
        with self._write() as conn:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS named_map "
                         "(id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            conn.execute("DELETE FROM temp.named_map")
            conn.executemany("INSERT INTO temp.named_map (id, name) VALUES (?, ?)",
                             names.items())
            unnamed: set[int] = set()
            for part in parts:
                self._temp_days(conn, part)
                unnamed.update(i for (i,) in conn.execute(
                    f"SELECT DISTINCT q.{column} FROM temp.named_days d {in_days} "
                    f"WHERE q.{column} NOT IN (SELECT id FROM temp.named_map)"))
            if unnamed:
                return unnamed
            for part in parts:
                self._temp_days(conn, part)
                for day in part:
                    conn.execute("DELETE FROM rollup_named WHERE fingerprint = ? AND dim = ? "
                                 "AND day = ?", (fingerprint, dim, day))
                    conn.execute("DELETE FROM rollup_named_quarter WHERE fingerprint = ? "
                                 "AND dim = ? AND bucket >= ? AND bucket < ?",
                                 (fingerprint, dim, day * per_day, (day + 1) * per_day))
                conn.execute(
                    "INSERT INTO rollup_named_quarter (fingerprint, dim, bucket, value, seconds) "
                    f"SELECT ?, ?, q.bucket, m.name, SUM(q.seconds) FROM temp.named_days d "
                    f"{in_days} JOIN temp.named_map m ON m.id = q.{column} "
                    f"GROUP BY q.bucket, m.name", (fingerprint, dim))
                conn.execute(
                    "INSERT INTO rollup_named (fingerprint, dim, day, value, seconds) "
                    "SELECT ?, ?, d.day, n.value, SUM(n.seconds) FROM temp.named_days d "
                    "JOIN rollup_named_quarter n ON n.fingerprint = ? AND n.dim = ? "
                    f"AND n.bucket >= d.day * {per_day} AND n.bucket < (d.day + 1) * {per_day} "
                    "GROUP BY d.day, n.value", (fingerprint, dim, fingerprint, dim))
                conn.executemany("INSERT INTO named_done (fingerprint, dim, day) "
                                 "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                                 [(fingerprint, dim, d) for d in part])
        return set()

    def names(self, fingerprint: str, dim: str, ids: Collection[int]) -> dict[int, str] | None:
        """The name along `dim` of each activity of `ids` (named_blocks.names) in one query;
        None when the rules name `dim` and one has no classification of `fingerprint`."""
        with self._read() as conn:
            found = classifications.base(conn, fingerprint)
            named, todo = named_blocks.names(
                conn, -classifications.SPAN if found is None else found, dim, ids)
        return None if todo else named

    def named_block_totals(self, fingerprint: str, dim: str,
                           parts: Sequence[tuple[int, int, int]]) -> dict[str, float] | set[int]:
        """Seconds by name of `dim` in the blocks of days (size, b0, b1) of `parts`
        (named_blocks.split), building those not current first; or the activities to
        classify (for the classifier `fingerprint`) first."""
        key = named_blocks.key_of(dim)
        with self._rollups() as conn:
            if not any(named_blocks.missing(conn, key, dim, *part) for part in parts):
                return named_blocks.totals(conn, key, dim, parts)
        with self._write() as conn:  # rollups brought up to date in the same transaction
            rollups.refresh(conn, self._max_duration, self._priority)
            unclassified: set[int] = set()
            for size, b0, b1 in parts:
                todo = named_blocks.missing(conn, key, dim, size, b0, b1)
                unclassified |= named_blocks.build(conn, fingerprint, dim, size, todo)
            return unclassified or named_blocks.totals(conn, key, dim, parts)

    def adopt_rules(self, was: str | None, fingerprint: str, changed: Collection[int] | None
                    ) -> None:
        """The named rows of the names rules set (named_blocks.RULES) now stand for the
        classifier `fingerprint`: those of the days where the activities in `changed` have
        time are no longer current. They stood for `was`; when that is no longer so (another
        process adopted other rules meanwhile), or `changed` is None (unknown), none are."""
        with self._write() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?",
                               (named_blocks.NAMED_RULES,)).fetchone()
            if changed is None or row is None or row[0] != was:
                for table in ("rollup_named", "rollup_named_quarter", "named_done",
                              "rollup_named_block", "named_block_done"):  # rows of older
                    conn.execute(f"DELETE FROM {table} WHERE fingerprint != ''")  # versions
            elif changed:
                days = {d for d0, d1 in named_blocks.activity_days(conn, changed, exact=True)
                        for d in range(d0, d1)}
                conn.executemany("DELETE FROM named_done WHERE fingerprint = ? AND day = ?",
                                 [(named_blocks.RULES, d) for d in days])
                named_blocks.invalidate(conn, days, named_blocks.RULES)
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                         "DO UPDATE SET value = excluded.value",
                         (named_blocks.NAMED_RULES, fingerprint))
            classifications.forget(conn, fingerprint)

    def classified_otherwise(self, was: str, fingerprint: str) -> set[int] | None:
        """The activities the classifier `fingerprint` classifies otherwise than `was` did
        (or `was` did not); None when some activity has no classification of `fingerprint`
        stored (then which changed is unknown)."""
        with self._read() as conn:
            stored = classifications.count(conn, fingerprint)
            if stored < conn.execute("SELECT COUNT(*) FROM activity").fetchone()[0]:
                return None
            new = classifications.base(conn, fingerprint)
            old = classifications.base(conn, was)
            if old is None:
                old = -classifications.SPAN  # no row there
            return {i for (i,) in conn.execute(
                "SELECT n.id - :new FROM classified n LEFT JOIN classified o "
                "ON o.id = n.id - :new + :old WHERE n.id >= :new AND n.id < :new + :span "
                "AND (o.id IS NULL OR o.project IS NOT n.project "
                "OR o.category IS NOT n.category OR o.productivity IS NOT n.productivity)",
                {"new": new, "old": old, "span": classifications.SPAN})}

    def named_quarters(self, fingerprint: str, dim: str, q0: int, q1: int,
                       value: str | None = None) -> list[tuple[int, str, float]]:
        """(quarter, value, seconds) of the named quarter rollups in [q0, q1)."""
        sql = ("SELECT bucket, value, seconds FROM rollup_named_quarter WHERE fingerprint = ? "
               "AND dim = ? AND bucket >= ? AND bucket < ?")
        args: tuple = (fingerprint, dim, q0, q1)
        if value is not None:
            sql, args = sql + " AND value = ?", (*args, value)
        with self._read() as conn:
            return conn.execute(sql, args).fetchall()

    def named_days(self, fingerprint: str, dim: str, value: str,
                   runs: Sequence[tuple[int, int, int]]) -> dict[int, float]:
        """Seconds by local day number of `value` along `dim` in the named quarter rollups of
        the quarters of `runs` (time_sums.named_days)."""
        with self._read() as conn:
            return time_sums.named_days(conn, fingerprint, dim, value, runs)

    def activities(self, ids: Iterable[int]) -> dict[int, tuple]:
        """Activity fields (in ACTIVITY_FIELDS order) by id."""
        missing = [i for i in set(ids) if i not in self._activity_rows]
        if missing:
            select = f"SELECT id, {', '.join(ACTIVITY_FIELDS)} FROM activity"
            with self._read() as conn:
                # Many: one scan of the table (a query per _IN ids costs more).
                parts = [[]] if len(missing) > _BULK else _chunks(missing, _IN)
                for part in parts:
                    rows = conn.execute(f"{select} WHERE id IN ({','.join('?' * len(part))})",
                                        part) if part else conn.execute(select)
                    for aid, *fields in rows:
                        for i in FLAG_INDICES:
                            fields[i] = bool(fields[i])
                        self._activity_rows[aid] = tuple(fields)
        return {i: self._activity_rows[i] for i in ids if i in self._activity_rows}

    def activity_columns(self, ids: Collection[int], columns: Sequence[str]
                         ) -> dict[int, tuple]:
        """`columns` (of ACTIVITY_FIELDS, flags as stored) of the activities `ids`: for many,
        one narrow query instead of whole rows."""
        if not set(columns) <= set(ACTIVITY_FIELDS):
            raise ValueError(columns)
        select = f"SELECT id, {', '.join(columns)} FROM activity"
        wanted = set(ids)
        with self._read() as conn:
            if len(wanted) > _BULK:  # many: one query, the ids as one JSON array
                return {i: tuple(rest) for i, *rest in conn.execute(
                    f"{select} WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(list(wanted)),))}
            return {i: tuple(rest) for part in _chunks(list(wanted), _IN) for i, *rest in
                    conn.execute(f"{select} WHERE id IN ({','.join('?' * len(part))})", part)}

    def origins(self) -> dict[int, tuple[str, str]]:
        """(source, device) by origin id."""
        with self._read() as conn:
            self._load_origins(conn)
            return dict(self._origins)

    def cached_classifications(self, fingerprint: str, ids: Collection[int]
                               ) -> dict[int, Classification]:
        out: dict[int, Classification] = {}
        made: dict[tuple, Classification] = {}  # few distinct ones: each built once
        with self._read() as conn:
            lo = classifications.base(conn, fingerprint)
            if lo is None:
                return out
            if len(ids) > _BULK:  # many: every row of the fingerprint, those of `ids` kept
                wanted = ids if isinstance(ids, set | frozenset | dict) else set(ids)
                rows = (r for r in conn.execute(
                    "SELECT id - ?, project, category, productivity FROM classified "
                    "WHERE id >= ? AND id < ?", (lo, lo, lo + classifications.SPAN))
                    if r[0] in wanted)
            else:
                rows = (r for part in _chunks(list(ids), _IN) for r in conn.execute(
                    f"SELECT id - ?, project, category, productivity FROM classified "
                    f"WHERE id IN ({','.join('?' * len(part))})", (lo, *(lo + a for a in part))))
            for aid, *found in rows:
                key = tuple(found)
                hit = made.get(key)
                out[aid] = hit if hit is not None else made.setdefault(key, Classification(*key))
        return out

    def save_classifications(self, fingerprint: str, found: dict[int, Classification],
                             keep: str | None = None) -> None:
        """Remember what the classifier `fingerprint` made of activities; forget other
        fingerprints (rules changed: their results are stale) but `keep` (for
        `classified_otherwise`). A classification's project is the activity's own when the
        classifier sets none (Rules do so; Analytics gives other classifiers' so): the named
        rollups of projects read no activity row."""
        with self._write() as conn:
            classifications.forget(conn, fingerprint, keep)
            lo = classifications.base_for(conn, fingerprint)
            conn.executemany(
                "INSERT INTO classified (id, project, category, productivity) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(lo + a, c.project, c.category, c.productivity)
                 for a, c in sorted(found.items())])

    # -- sync (desktop.engine.sync) ---------------------------------------------------------

    def changed_spans(self, after: tuple[float, str | None], device: str, limit: int
                      ) -> list[tuple[Span, float]]:
        """(span, updated) of `device`'s spans (and of the spans edited here) written after
        the position `after`, (updated, uuid) in that order (uuid None: before any uuid)."""
        upd, last = after
        with self._read() as conn:
            rows = conn.execute(
                f'SELECT s.start, s."end", s.origin, s.uuid, s.activity, '
                f'{", ".join("s." + c for c in _COUNTERS.split(", "))}, s.updated '
                f"FROM span s JOIN origin o ON o.id = s.origin WHERE {_PUSHED} AND "
                "(s.updated > ? OR (s.updated = ? AND (? IS NULL OR s.uuid > ?))) "
                "ORDER BY s.updated, s.uuid LIMIT ?",
                (device, upd, upd, last, None if last is None else stored(last), limit)
            ).fetchall()
        fields = self.activities({r[4] for r in rows})
        origins = self._origins
        return [(Span(a, b, *origins[o], text_of(u), *fields[act], *counts), updated)
                for a, b, o, u, act, *counts, updated in rows]

    def count_changed(self, after: float, device: str) -> int:
        with self._read() as conn:
            return conn.execute("SELECT COUNT(*) FROM span s JOIN origin o ON o.id = s.origin "
                                f"WHERE {_PUSHED} AND s.updated > ?", (device, after)
                                ).fetchone()[0]

    def versions_here(self, uuids: Collection[str]) -> dict[str, float]:
        """`updated` of those of `uuids` that are this device's spans or were edited here
        (sync keeps them unless the server's version is newer)."""
        out: dict[str, float] = {}
        with self._read() as conn:
            for part in _chunks(list(map(stored, uuids)), _IN):
                out.update((text_of(u), updated) for u, updated in conn.execute(
                    f"SELECT s.uuid, s.updated FROM span s JOIN origin o ON o.id = s.origin "
                    f"WHERE s.uuid IN ({','.join('?' * len(part))}) AND {_PUSHED}",
                    (*part, self.device)))
        return out

    def deletions_since(self, after: float, device: str) -> list[dict[str, float | str]]:
        """The deletions `device` made after `after` (by `created`)."""
        with self._read() as conn:
            return [{"uuid": text_of(u), "device": d, "start": a, "end": b, "created": c}
                    for u, d, a, b, c in conn.execute(
                        'SELECT uuid, device, start, "end", created FROM deletion WHERE '
                        "device = ? AND created > ? ORDER BY created", (device, after))]

    def meta(self, key: str) -> str | None:
        with self._read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, values: dict[str, str]) -> None:
        with self._write() as conn:
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                             "DO UPDATE SET value = excluded.value", list(values.items()))

    # -- repositories (desktop.engine.commits) ---------------------------------------------

    def files_after(self, activity_id: int) -> list[tuple[int, str | None, str]]:
        """(activity id, project, file) of activities with a file, ids above `activity_id`."""
        with self._read() as conn:
            return conn.execute("SELECT id, project, file FROM activity WHERE id > ? AND "
                                "file IS NOT NULL ORDER BY id", (activity_id,)).fetchall()

    def repositories(self) -> dict[str, tuple[str, str, set[str]]]:
        """(project, refs fingerprint, the user's addresses) by repository root."""
        with self._read() as conn:
            return commitlib.repositories(conn)

    def commit_hashes(self, root: str) -> set[str]:
        with self._read() as conn:
            return commitlib.hashes(conn, root)

    def commits(self, root: str) -> list[Commit]:
        """The commits read from the repository at `root`, oldest author date first."""
        with self._read() as conn:
            return commitlib.commits(conn, root)

    def commits_after(self, rowid: int, limit: int) -> list[tuple[int, str, Commit, set[str]]]:
        with self._read() as conn:
            return commitlib.after(conn, rowid, limit)

    def save_commits(self, root: str, project: str, change: Change, emails: set[str]) -> None:
        with self._write() as conn:
            commitlib.save(conn, root, project, change, emails)

    # -- achievements (desktop.engine.achievements) ----------------------------------------

    def achievements(self) -> dict[str, tuple[str, bool]]:
        with self._read() as conn:
            return achievementlib.earned(conn)

    def save_achievements(self, found: dict[str, str], notified: bool) -> list[str]:
        with self._write() as conn:
            return achievementlib.save(conn, found, notified)

    def first_days(self, fingerprint: str, dim: str) -> dict[str, int]:
        with self._read() as conn:
            return achievementlib.first_days(conn, fingerprint, dim)

    def day_signatures(self, d0: int, d1: int) -> dict[int, tuple]:
        with self._rollups() as conn:
            return rollups.day_signatures(conn, d0, d1)

    def change_token(self) -> tuple:
        with self._read() as conn:
            return achievementlib.change_token(conn)

    def lines_by_day(self, since: float = 0.0) -> dict[int, int]:
        with self._read() as conn:
            return achievementlib.lines_by_day(conn, since)

    # -- care -----------------------------------------------------------------------------

    def integrity_check(self) -> list[str]:
        """Problems found in the file; [] when it is fine."""
        with self._read() as conn:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
            problems += [f"foreign key: {r}" for r in conn.execute("PRAGMA foreign_key_check")]
        return problems

    def backup(self, keep: int = 7) -> Path:
        """An online copy in the `backups` folder beside the file; keeps the newest `keep`."""
        folder = paths.backups_dir(self.path.parent)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        target = folder / f"timeforged-{stamp}.sqlite3"
        with self._read() as conn:
            copy = sqlite3.connect(target)
            try:
                conn.backup(copy)
            finally:
                copy.close()
        for old in sorted(folder.glob("timeforged-*.sqlite3"))[:-keep]:
            old.unlink()
        return target

    def close(self) -> None:
        with self._lock:
            self._conn.close()
