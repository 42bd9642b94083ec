"""Users' histories on the server: spans in the engine's shared tables, written idempotently by
uuid (a newer `updated` wins), deletions applied as ranges, a change sequence for downloads,
and per-day summaries (overlap-resolved like the desktop's rollups) kept current."""

from __future__ import annotations

import threading
import time
import uuid as uuidlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from desktop.engine.heartbeats import WAKATIME_TIMEOUT, checked_text
from desktop.engine.span import ACTIVITY_FIELDS, FLAG_INDICES, Span, source_priority
from desktop.engine.store import beats as beatlib
from desktop.engine.store.deletions import split_uuid
from desktop.engine.store.store import _key_hash
from desktop.engine.timeline import resolve_raw
from server.db import Database
from server.models import Device, User

COUNTERS = ("keystrokes", "clicks", "scrolls", "moves", "lines_added", "lines_deleted",
            "idle_to_active")
SPAN_FIELDS: tuple[str, ...] = Span.__slots__
_COLS = 'uuid, start, "end", activity, origin, ' + ", ".join(COUNTERS) + ", updated"
_NCOLS = 6 + len(COUNTERS)
_UPSERT = (f"INSERT INTO span ({_COLS}) VALUES %s ON CONFLICT (uuid) DO UPDATE SET "
           + ", ".join(f"{c} = excluded.{c}" for c in
                       ("start", '"end"', "activity", "origin", *COUNTERS, "updated")))
_IN = 500
MAX_SPAN = 7 * 86400.0
DAY = 86400


def chunks(seq: Sequence, n: int = _IN) -> Iterable[Sequence]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def marks(n: int) -> str:
    return ", ".join(["%s"] * n)


@dataclass(frozen=True)
class Written:
    written: int  # inserted or replaced by a newer version
    unchanged: int  # already there, same or newer version
    refused: int  # uuid owned by another user


def zone(user: User) -> tzinfo:
    try:
        return ZoneInfo(user.timezone or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


class History:
    def __init__(self, db: Database, *, timeout: float = WAKATIME_TIMEOUT) -> None:
        self.db = db
        self.beats = beatlib.BeatTable(db.execute, db.many)
        self.timeout = timeout  # heartbeats join when closer than this
        self._activities: dict[tuple, int] = {}
        self._origins: dict[tuple[str, str], int] = {}
        self._origin_rows: dict[int, tuple[str, str]] = {}
        self._activity_rows: dict[int, tuple] = {}
        self._devices: dict[str, int] = {}
        self._lock = threading.Lock()

    # -- identities ------------------------------------------------------------------------

    def deleted(self, user: User) -> beatlib.Deleted:
        """The ranges `user` deleted, as joining heartbeats asks for them."""
        return lambda lo, hi: self.db.execute(
            'SELECT d.start, d."end" FROM deletion d JOIN deletion_owner o ON o.uuid = d.uuid '
            'WHERE o."user" = %s AND d.start <= %s AND d."end" > %s', (user.id, hi, lo)
        ).fetchall()

    def prune_heartbeats(self, before: float) -> int:
        """Forget heartbeats of runs that ended before `before` (their spans stay)."""
        with self.db.user_lock():
            return self.beats.prune(before)

    def claim_device(self, user: User, device: str, name: str = "") -> None:
        """Make `device` the user's; PermissionError if it is someone else's."""
        owner = self._devices.get(device)
        if owner is None:
            Device.insert(id=device, user=user.id, name=name[:128], last_seen=time.time()
                          ).on_conflict_ignore().execute()
            owner = Device.get_by_id(device).user
            self._devices[device] = owner
        if owner != user.id:
            raise PermissionError(f"device {device} belongs to another user")

    def devices(self, user: User) -> dict[str, str]:
        return {d.id: d.name or d.id for d in Device.select().where(Device.user == user.id)}

    def intern(self, spans: Sequence[Span]) -> tuple[list[int], list[int]]:
        """Activity and origin ids of `spans`, inserting the new ones."""
        keys = [s.activity_key() for s in spans]
        missing = {k for k in keys if k not in self._activities}
        if missing:
            by_hash = {_key_hash(k): k for k in missing}
            hashes = list(by_hash)
            rows = [(h, *by_hash[h]) for h in hashes]
            self.db.many(f"INSERT INTO activity (key_hash, {', '.join(ACTIVITY_FIELDS)}) "
                         f"VALUES %s ON CONFLICT (key_hash) DO NOTHING", rows)
            for part in chunks(hashes):
                for aid, h in self.db.execute(
                        f"SELECT id, key_hash FROM activity WHERE key_hash IN "
                        f"({marks(len(part))})", list(part)):
                    self._activities[by_hash[h]] = aid
        return [self._activities[k] for k in keys], [self.origin_id(s.source, s.device)
                                                      for s in spans]

    def origin_id(self, source: str, device: str) -> int:
        oid = self._origins.get((source, device))
        if oid is None:
            self.db.execute("INSERT INTO origin (source, device) VALUES (%s, %s) "
                            "ON CONFLICT (source, device) DO NOTHING", (source, device))
            oid = self.db.execute("SELECT id FROM origin WHERE source = %s AND device = %s",
                                  (source, device)).fetchone()[0]
            self._origins[source, device] = oid
            self._origin_rows[oid] = (source, device)
        return oid

    def origin_rows(self, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        missing = [i for i in set(ids) if i not in self._origin_rows]
        for part in chunks(missing):
            for oid, source, device in self.db.execute(
                    f"SELECT id, source, device FROM origin WHERE id IN ({marks(len(part))})",
                    list(part)):
                self._origin_rows[oid] = (source, device)
        return self._origin_rows

    def activity_rows(self, ids: Iterable[int]) -> dict[int, tuple]:
        missing = [i for i in set(ids) if i not in self._activity_rows]
        for part in chunks(missing):
            for aid, *values in self.db.execute(
                    f"SELECT id, {', '.join(ACTIVITY_FIELDS)} FROM activity WHERE id IN "
                    f"({marks(len(part))})", list(part)):
                for i in FLAG_INDICES:
                    values[i] = bool(values[i])
                self._activity_rows[aid] = tuple(values)
        return self._activity_rows

    # -- writing ---------------------------------------------------------------------------

    def put_spans(self, user: User, spans: Sequence[Span], updated: Sequence[float]) -> Written:
        """Insert spans, or replace them by uuid when `updated` is newer than the stored one.
        Their devices must be the user's (claim_device first)."""
        return self.put_many([(user, spans, updated)])[0]

    def put_many(self, batches: Sequence[tuple[User, Sequence[Span], Sequence[float]]], *,
                 locked: bool = False, also: Sequence[tuple[str, Sequence]] = ()
                 ) -> list[Written]:
        """`put_spans` for several (user, spans, updated) at once, in one transaction (group
        commit; `locked`: the caller holds their `user_lock` already; `also`: more inserts
        (`Database.many`'s) to send with the spans'). A later batch sees the earlier ones: a
        uuid written twice needs a newer `updated` the second time."""
        prepared = []
        for user, spans, updated in batches:
            mine = {d for d, u in self._devices.items() if u == user.id}
            if any(s.device not in mine for s in spans):
                raise PermissionError("span from a device not claimed by this user")
            latest: dict[str, int] = {}
            for i, s in enumerate(spans):  # a batch holding two versions: the newer one
                j = latest.get(s.uuid)
                if j is None or updated[i] >= updated[j]:
                    latest[s.uuid] = i
            order = sorted(latest.values())
            prepared.append((user, mine, [spans[i] for i in order], [updated[i] for i in order]))
        if not any(p[2] for p in prepared) and not also:
            return [Written(0, 0, 0) for _ in prepared]
        try:
            if locked:
                return self._write(prepared, also)
            with self.db.user_lock(*sorted({p[0].id for p in prepared})):
                return self._write(prepared, also)
        except BaseException:
            self.forget_ids()  # ids interned in the rolled-back transaction are gone
            raise

    def _write(self, prepared: list, also: Sequence[tuple[str, Sequence]]) -> list[Written]:
        existing: dict[str, tuple[float, float, float, str]] = {}
        for part in chunks(list({s.uuid for p in prepared for s in p[2]})):
            for u, a, b, upd, dev in self.db.execute(
                    f'SELECT s.uuid, s.start, s."end", s.updated, o.device FROM span s '
                    f"JOIN origin o ON o.id = s.origin WHERE s.uuid IN "
                    f"({marks(len(part))})", list(part)):
                existing[u] = (a, b, upd, dev)
        out, todo, changes, dirty = [], {}, {}, set()
        for user, mine, spans, updated in prepared:
            tz = zone(user)
            wrote = refused = 0
            for s, upd in zip(spans, updated, strict=True):
                old = existing.get(s.uuid)
                if old is not None:
                    if old[3] not in mine:
                        refused += 1
                        continue
                    if upd <= old[2]:
                        continue
                    dirty |= {(user.id, d) for d in _days(old[0], old[1], tz)}
                todo[s.uuid] = (s, upd)
                changes[s.uuid] = user.id
                existing[s.uuid] = (s.start, s.end, upd, s.device)
                dirty |= {(user.id, d) for d in _days(s.start, s.end, tz)}
                wrote += 1
            out.append(Written(wrote, len(spans) - wrote - refused, refused))
        if todo:
            pairs = list(todo.values())
            aids, oids = self.intern([s for s, _ in pairs])
            rows = [(s.uuid, s.start, s.end, a, o, *(getattr(s, c) for c in COUNTERS), upd)
                    for (s, upd), a, o in zip(pairs, aids, oids, strict=True)]
            self._note_duration(max(s.end - s.start for s, _ in pairs))
            also = [(_UPSERT, rows),
                    ('INSERT INTO change ("user", kind, uuid) VALUES %s',
                     [(uid, "span", u) for u, uid in changes.items()]),
                    ('INSERT INTO user_day_dirty ("user", day) VALUES %s ON CONFLICT DO NOTHING',
                     sorted(dirty)), *also]
        self.db.many_at_once(also)
        return out

    def forget_ids(self) -> None:
        with self._lock:
            self._activities.clear()
            self._origins.clear()

    def _note_duration(self, longest: float) -> None:
        if longest > self.max_duration():
            self.db.execute("INSERT INTO meta (key, value) VALUES ('max_duration', %s) ON "
                            "CONFLICT (key) DO UPDATE SET value = excluded.value",
                            (repr(float(longest)),))
            self._max_duration = (time.monotonic(), float(longest))

    _max_duration: tuple[float, float] = (-1e9, 0.0)

    def max_duration(self) -> float:
        at, value = self._max_duration
        if time.monotonic() - at > 5:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'max_duration'").fetchone()
            value = float(row[0]) if row else 0.0
            self._max_duration = (time.monotonic(), value)
        return value

    def _mark(self, user: int, days: Iterable[int]) -> None:
        self.db.many('INSERT INTO user_day_dirty ("user", day) VALUES %s ON CONFLICT DO NOTHING',
                     [(user, d) for d in sorted(days)])

    def delete_range(self, user: User, uuid: str, device: str, start: float, end: float,
                     created: float) -> bool:
        """Apply a deletion (the desktop's delete_range, by its uuid) to the user's spans;
        False if it was applied before."""
        if self.db.execute("SELECT 1 FROM deletion WHERE uuid = %s", (uuid,)).fetchone():
            return False
        tz = zone(user)
        now = time.time()
        with self.db.user_lock(user.id):
            self.db.execute('INSERT INTO deletion (uuid, device, start, "end", created) '
                            "VALUES (%s, %s, %s, %s, %s)", (uuid, device, start, end, created))
            self.db.execute('INSERT INTO deletion_owner (uuid, "user") VALUES (%s, %s)',
                            (uuid, user.id))
            # Heartbeats in the range go, and the spans joined from them are clipped the same
            # way, so that a late heartbeat re-joins with what is left.
            mine = set(self.user_origins(user))
            for origin in self.beats.origins(start - self.timeout, end + self.timeout, mine):
                source, dev = self.origin_rows([origin])[origin]
                change = beatlib.cut(self.beats, origin, start, end, self.timeout)
                rows = self.activity_rows({r.activity for r in (*change.upsert, *change.retire)})
                spans = [beatlib.span_of(dev, source, r, rows[r.activity], False)
                         for r in change.upsert]
                spans += [beatlib.span_of(dev, source, r, rows[r.activity], True)
                          for r in change.retire]
                self.put_many([(user, spans, [now] * len(spans))], locked=True)
            rows = self.db.execute(
                f'SELECT s.id, s.uuid, s.start, s."end", s.activity, s.origin, '
                f'{", ".join("s." + c for c in COUNTERS)} FROM span s JOIN origin o ON '
                f'o.id = s.origin JOIN device d ON d.id = o.device WHERE d."user" = %s AND '
                f's.start < %s AND s.start >= %s AND s."end" > %s',
                (user.id, end, start - self.max_duration(), start)).fetchall()
            changed = []
            sets = ", ".join(f"{c} = %s" for c in COUNTERS)
            for sid, u, a, b, act, org, *counts in rows:
                if a >= start and b <= end:
                    self.db.execute("DELETE FROM span WHERE id = %s", (sid,))
                    continue
                length = b - a
                if a < start:
                    left = [round(c * (start - a) / length) for c in counts]
                    self.db.execute(f'UPDATE span SET "end" = %s, updated = %s, {sets} '
                                    f"WHERE id = %s", (start, now, *left, sid))
                    changed.append(u)
                if b > end:
                    right = [round(c * (b - end) / length) for c in counts]
                    if a < start:
                        new = split_uuid(u, end)
                        self.db.execute(
                            f"INSERT INTO span ({_COLS}) VALUES ({marks(_NCOLS)}) "
                            f"ON CONFLICT (uuid) DO NOTHING", (new, end, b, act, org, *right, now))
                        changed.append(new)
                    else:
                        self.db.execute(f"UPDATE span SET start = %s, updated = %s, {sets} "
                                        f"WHERE id = %s", (end, now, *right, sid))
                        changed.append(u)
            self.db.many('INSERT INTO change ("user", kind, uuid) VALUES %s',
                         [(user.id, "deletion", uuid)] + [(user.id, "span", u) for u in changed])
            self._mark(user.id, _days(start, end, tz))
        return True

    # -- reading changes -------------------------------------------------------------------

    def changes(self, user: User, cursor: int, limit: int) -> tuple[list[dict], int, bool]:
        """What changed after `cursor`: spans (current versions) and deletions, in sequence
        order, each uuid once; the new cursor; whether more follow."""
        rows = self.db.execute('SELECT seq, kind, uuid FROM change WHERE "user" = %s AND '
                               "seq > %s ORDER BY seq LIMIT %s",
                               (user.id, cursor, limit + 1)).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        if not rows:
            return [], cursor, False
        last: dict[tuple[str, str], int] = {}
        for seq, kind, u in rows:
            last[kind, u] = seq
        spans = self.spans_by_uuid([u for k, u in last if k == "span"])
        dels = {}
        duuids = [u for k, u in last if k == "deletion"]
        for part in chunks(duuids):
            for u, dev, a, b, c in self.db.execute(
                    f'SELECT uuid, device, start, "end", created FROM deletion WHERE uuid IN '
                    f"({marks(len(part))})", list(part)):
                dels[u] = {"uuid": u, "device": dev, "start": a, "end": b, "created": c}
        out = []
        for (kind, u), seq in sorted(last.items(), key=lambda kv: kv[1]):
            if kind == "span" and u in spans:
                out.append({"seq": seq, "span": spans[u]})
            elif kind == "deletion" and u in dels:
                out.append({"seq": seq, "deletion": dels[u]})
        return out, rows[-1][0], more

    def spans_by_uuid(self, uuids: Sequence[str]) -> dict[str, dict]:
        out: dict[str, dict] = {}
        raw = []
        for part in chunks(list(uuids)):
            raw += self.db.execute(
                f'SELECT uuid, start, "end", activity, origin, {", ".join(COUNTERS)}, updated '
                f"FROM span WHERE uuid IN ({marks(len(part))})", list(part)).fetchall()
        acts = self.activity_rows({r[3] for r in raw})
        origins = self.origin_rows({r[4] for r in raw})
        for u, a, b, act, org, *rest in raw:
            source, device = origins[org]
            data = {"uuid": u, "start": a, "end": b, "source": source, "device": device,
                    **dict(zip(ACTIVITY_FIELDS, acts[act], strict=True)),
                    **dict(zip(COUNTERS, rest[:-1], strict=True)), "updated": rest[-1]}
            out[u] = data
        return out

    def span_count(self, user: User) -> int:
        return self.db.execute(
            'SELECT COUNT(*) FROM span s JOIN origin o ON o.id = s.origin JOIN device d ON '
            'd.id = o.device WHERE d."user" = %s', (user.id,)).fetchone()[0]

    # -- per-day summaries -----------------------------------------------------------------

    def refresh(self, user: User | None = None, first: date | None = None,
                last: date | None = None) -> int:
        """Recompute the dirty days (of `user`, or everyone's; only those first..last when
        given: what a report of those days reads), their day totals and their weeks, a week
        per transaction; returns how many days."""
        sql = 'SELECT "user", day FROM user_day_dirty'
        args: tuple = ()
        if user is not None:
            sql, args = sql + ' WHERE "user" = %s', (user.id,)
            if first is not None and last is not None:
                sql += " AND day >= %s AND day <= %s"
                args += (first.toordinal(), last.toordinal())
        weeks: dict[tuple[int, int], list[int]] = defaultdict(list)
        for uid, day in self.db.execute(sql, args).fetchall():
            weeks[uid, week_of(day)].append(day)
        users: dict[int, User] = {}
        maxd = self.max_duration()
        for (uid, week), days in sorted(weeks.items()):
            owner = users.get(uid) or users.setdefault(uid, user if user and user.id == uid
                                                       else User.get_by_id(uid))
            with self.db.user_lock(uid):
                for day in days:
                    self._recompute(owner, day, maxd)
                self.db.execute('DELETE FROM user_week WHERE "user" = %s AND week = %s',
                                (uid, week))
                self.db.execute(
                    'INSERT INTO user_week ("user", week, activity, origin, seconds) SELECT '
                    '"user", %s, activity, origin, SUM(seconds) FROM user_day WHERE "user" = %s '
                    'AND day >= %s AND day <= %s GROUP BY "user", activity, origin',
                    (week, uid, 7 * week + 1, 7 * week + 7))
                self.db.execute(f'DELETE FROM user_day_dirty WHERE "user" = %s AND day IN '
                                f"({marks(len(days))})", (uid, *days))
        return sum(len(d) for d in weeks.values())

    def pieces(self, user: User, day: date, maxd: float | None = None
               ) -> list[tuple[float, float, tuple[int, int]]]:
        """The user's local `day` as sorted, non-overlapping (start, end, (activity, origin))
        pieces: every moment once, won by the most specific source."""
        tz = zone(user)
        lo = datetime.combine(day, datetime.min.time(), tz).timestamp()
        hi = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz).timestamp()
        rows = self.db.execute(
            'SELECT s.start, s."end", s.origin, s.uuid, s.activity, o.source FROM span s '
            'JOIN origin o ON o.id = s.origin JOIN device d ON d.id = o.device '
            'WHERE d."user" = %s AND s.start < %s AND s.start >= %s AND s."end" > %s',
            (user.id, hi, lo - (self.max_duration() if maxd is None else maxd), lo)
        ).fetchall()
        return resolve_raw([(a, b, source_priority(src), u, (act, org))
                            for a, b, org, u, act, src in rows], lo, hi)

    def _recompute(self, user: User, day: int, maxd: float) -> None:
        acc: dict[tuple[int, int], float] = defaultdict(float)
        for a, b, key in self.pieces(user, date.fromordinal(day), maxd):
            acc[key] += b - a
        for table in ("user_day", "user_day_total"):
            self.db.execute(f'DELETE FROM {table} WHERE "user" = %s AND day = %s',
                            (user.id, day))
        self.db.many('INSERT INTO user_day ("user", day, activity, origin, seconds) VALUES %s',
                     [(user.id, day, a, o, s) for (a, o), s in acc.items() if s > 0])
        total = sum(s for s in acc.values() if s > 0)
        if total:
            self.db.execute('INSERT INTO user_day_total ("user", day, seconds, computed) '
                            "VALUES (%s, %s, %s, %s)", (user.id, day, total, time.time()))

    def day_totals(self, user: User, first: date, last: date
                   ) -> list[tuple[int, int, int, float]]:
        """(day ordinal, activity, origin, seconds) for local days first..last."""
        self.refresh(user, first, last)
        return self.db.execute(
            'SELECT day, activity, origin, seconds FROM user_day WHERE "user" = %s AND '
            "day >= %s AND day <= %s", (user.id, first.toordinal(), last.toordinal())
        ).fetchall()

    def totals(self, user: User, first: date, last: date, origins: Sequence[int] | None = None
               ) -> dict[tuple[int, int], float]:
        """Seconds per (activity, origin) over local days first..last (of these origins):
        whole weeks from the weekly rollups, the days at either end from the daily ones."""
        self.refresh(user, first, last)
        lo, hi = first.toordinal(), last.toordinal()
        w1, w2 = -(-(lo - 1) // 7), (hi - 7) // 7  # the weeks lying wholly inside
        out: dict[tuple[int, int], float] = defaultdict(float)
        parts = [("user_day", "day", lo, hi)]
        if w1 <= w2:
            parts = [("user_week", "week", w1, w2), ("user_day", "day", lo, 7 * w1),
                     ("user_day", "day", 7 * w2 + 8, hi)]
        for table, col, a, b in parts:
            if a > b:
                continue
            sql, args = _where(user, col, a, b, origins)
            for act, org, secs in self.db.execute(
                    f"SELECT activity, origin, SUM(seconds) FROM {table} WHERE {sql} "
                    f"GROUP BY activity, origin", args):
                out[act, org] += secs
        return dict(out)

    def daily(self, user: User, first: date, last: date, origins: Sequence[int] | None = None
              ) -> dict[int, float]:
        """Seconds per local day (ordinal) over first..last (of these origins)."""
        self.refresh(user, first, last)
        sql, args = _where(user, "day", first.toordinal(), last.toordinal(), origins)
        if origins is None:
            return dict(self.db.execute(f"SELECT day, seconds FROM user_day_total WHERE {sql}",
                                        args))
        return dict(self.db.execute(
            f"SELECT day, SUM(seconds) FROM user_day WHERE {sql} GROUP BY day", args))

    def user_origins(self, user: User) -> list[int]:
        return [r[0] for r in self.db.execute(
            'SELECT o.id FROM origin o JOIN device d ON d.id = o.device WHERE d."user" = %s',
            (user.id,))]


def week_of(day: int) -> int:
    """The rollup week of a day ordinal: week w holds days 7w+1..7w+7 (Monday to Sunday)."""
    return (day - 1) // 7


def _where(user: User, col: str, first: int, last: int, origins: Sequence[int] | None
           ) -> tuple[str, list]:
    sql = f'"user" = %s AND {col} >= %s AND {col} <= %s'
    args: list = [user.id, first, last]
    if origins is not None:
        sql += f" AND origin IN ({marks(len(origins))})" if origins else " AND 0 = 1"
        args += list(origins)
    return sql, args


def _days(start: float, end: float, tz: tzinfo) -> set[int]:
    """Local day ordinals [start, end] touches."""
    first = datetime.fromtimestamp(start, tz).date().toordinal()
    last = datetime.fromtimestamp(max(start, end), tz).date().toordinal()
    return set(range(first, last + 1))


def span_from_wire(data: Any) -> tuple[Span, float]:
    """A span sent by a desktop, validated; ValueError names the field."""
    if not isinstance(data, dict):
        raise ValueError("span: expected an object")
    try:
        uuidlib.UUID(str(data.get("uuid")))
    except ValueError:
        raise ValueError("uuid: not a UUID") from None
    values: dict[str, Any] = {}
    for name in ("start", "end", "updated"):
        v = data.get(name)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError(f"{name}: expected a number")
        if not 0 < v < 4e9:  # NaN too; a huge int compares without becoming a float
            raise ValueError(f"{name}: out of range")
        values[name] = float(v)
    if values["end"] < values["start"] or values["end"] - values["start"] > MAX_SPAN:
        raise ValueError("end: before start or more than 7 days after it")
    for name in ("source", "device"):
        v = data.get(name)
        if not isinstance(v, str) or not 0 < len(v) <= 64:
            raise ValueError(f"{name}: expected a string of 1 to 64 characters")
        values[name] = checked_text(name, v)
    for name in ACTIVITY_FIELDS:
        v = data.get(name)
        if name in ("private", "audible"):
            if not isinstance(v, bool | None):
                raise ValueError(f"{name}: expected true or false")
            values[name] = bool(v)
        elif v is not None:
            if not isinstance(v, str) or len(v) > 4096:
                raise ValueError(f"{name}: expected a string (at most 4096 characters)")
            values[name] = checked_text(name, v)
    for name in COUNTERS:
        v = data.get(name, 0)
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**31:
            raise ValueError(f"{name}: expected a non-negative integer")
        values[name] = v
    updated = values.pop("updated")
    return Span(uuid=str(uuidlib.UUID(str(data["uuid"]))), **values), updated


def span_to_wire(span: Span, updated: float) -> dict[str, Any]:
    return {**{name: getattr(span, name) for name in SPAN_FIELDS}, "updated": updated}
