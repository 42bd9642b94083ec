"""A day's time by name: the day's rollup (`user_day`, per activity and origin) summed per
tuple of the names the dashboard charts and filters on, named by the summaries' own namers.
The heavy year of benchmarks/bench_dashboard.py is 288,000 rollup rows but 80,000 such tuples
(and a few dozen names per field a day), so the dashboard sums digests instead of rows.
Kept per process, each with the day's `user_day_total.computed` stamp: a day recomputed since
(by any process) is digested again."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from desktop.engine.api import shapes
from server.history import zone
from server.models import User
from server.reports import Key, Reports

log = logging.getLogger("timeforged.dashboard")

# A digest tuple's fields: (WakaTime's list that names it, our dimension); sites keep our
# name ("unknown": not browsing); "entities" are files here (a project page's).
FIELDS = (("categories", "category"), ("projects", "project"), ("languages", "language"),
          ("editors", "editor"), ("operating_systems", "os"), ("machines", "device"),
          ("branches", "branch"), ("sites", "site"), ("entities", "file"))
INDEX = {name: i for i, (name, _) in enumerate(FIELDS)}
Names = tuple[str, ...]


@dataclass(frozen=True)
class Digest:
    """A day's seconds per tuple of names, and per name of each field (for unfiltered
    views: a few dozen names a field instead of hundreds of tuples)."""

    names: dict[Names, float]
    fields: list[dict[str, float]]
    total: float
    _by: dict[int, dict[str, list[tuple[Names, float]]]] = field(default_factory=dict)

    def having(self, i: int, name: str) -> list[tuple[Names, float]]:
        """The tuples whose field `i` is `name` (indexed on first use, per field)."""
        index = self._by.get(i)
        if index is None:
            index = defaultdict(list)
            for names, secs in self.names.items():
                index[names[i]].append((names, secs))
            self._by[i] = index = dict(index)
        return index.get(name, [])


def digest(names: dict[Names, float]) -> Digest:
    fields: list[dict[str, float]] = [defaultdict(float) for _ in FIELDS]
    for key, secs in names.items():
        for i, name in enumerate(key):
            fields[i][name] += secs
    return Digest(names, [dict(f) for f in fields], sum(names.values()))


EMPTY = Digest({}, [{} for _ in FIELDS], 0.0)
# Digests kept per process (user-days; that heavy year's are ~70 KB a day), least recently
# used dropped.
MAX_DAYS = 3_000
# What a start digests ahead (Digests.warm): the year a dashboard shows, heatmap included.
WARM_DAYS = 53 * 7 + 7


class Digests:
    def __init__(self, reports: Reports) -> None:
        self.reports = reports
        # (user, day) -> ((the day's stamp, the machines' signature), its digest)
        self._days: OrderedDict[tuple[int, int], tuple[tuple[float, int], Digest]] = \
            OrderedDict()
        self._lock = threading.Lock()

    def warm(self, stop: threading.Event, recent_days: int = 14) -> None:
        """Digest the shown year of the users with time in the last `recent_days`, busiest
        first, as many as the cache keeps: a dashboard's first paint after a start then reads
        digests, not a year of rollup rows (seconds on a heavy year)."""
        began = time.monotonic()
        try:
            since = date.today().toordinal() - recent_days
            busiest = [uid for uid, _ in self.reports.history.db.execute(
                'SELECT "user", SUM(seconds) FROM user_day_total WHERE day >= %s '
                'GROUP BY "user" ORDER BY 2 DESC', (since,)).fetchall()]
            for uid in busiest[:MAX_DAYS // WARM_DAYS]:
                if stop.is_set():
                    return
                user = User.get_or_none(User.id == uid)
                if user is not None:
                    today = datetime.now(zone(user)).date()
                    self.days(user, min(today - timedelta(days=WARM_DAYS), date(today.year, 1, 1)),
                              today)
            log.info("dashboards digested ahead: %d users in %.1f s",
                     min(len(busiest), MAX_DAYS // WARM_DAYS), time.monotonic() - began)
        except Exception:  # a cold cache is only slower: never stop the server for it
            log.exception("digesting the dashboards ahead failed")

    def days(self, user: User, first: date, last: date) -> dict[int, Digest]:
        """Digests of the local days first..last that have time (by day ordinal), the
        rollups brought current first. A digest is kept while its day's stamp and the
        user's machines' names and operating systems are unchanged (an OS can be learnt
        after the day was recomputed)."""
        reports = self.reports
        history = reports.history
        history.refresh(user)
        devices = {"device": history.devices(user), "os": reports.device_os(user)}
        machines = hash(tuple(tuple(sorted(d.items())) for d in devices.values()))
        lo, hi = first.toordinal(), last.toordinal()
        stamps = {day: (stamp, machines) for day, stamp in history.db.execute(
            'SELECT day, computed FROM user_day_total WHERE "user" = %s AND day >= %s AND '
            "day <= %s", (user.id, lo, hi)).fetchall()}
        out: dict[int, Digest] = {}
        with self._lock:
            for day, stamp in stamps.items():
                found = self._days.get((user.id, day))
                if found and found[0] == stamp:
                    self._days.move_to_end((user.id, day))
                    out[day] = found[1]
        stale = sorted(set(stamps) - set(out))
        if stale:
            fresh = self._digest(user, stale, devices)
            with self._lock:
                for day, (stamp, digest) in fresh.items():
                    self._days[user.id, day] = ((stamp, machines), digest)
                    out[day] = digest
                while len(self._days) > MAX_DAYS:
                    self._days.popitem(last=False)
        return out

    def _digest(self, user: User, days: list[int], devices: dict[str, dict[str, str]]
                ) -> dict[int, tuple[float, Digest]]:
        """These days' digests from their rollup rows, read with their stamps in one
        statement (one snapshot: the rows are those the stamp names)."""
        wanted = set(days)
        rows = [r for r in self.reports.history.db.execute(
            'SELECT d.day, d.activity, d.origin, d.seconds, t.computed FROM user_day d JOIN '
            'user_day_total t ON t."user" = d."user" AND t.day = d.day WHERE d."user" = %s '
            "AND d.day >= %s AND d.day <= %s", (user.id, days[0], days[-1])).fetchall()
            if r[0] in wanted]
        label = self.labeller({(a, o) for _, a, o, _, _ in rows}, devices)
        stamps: dict[int, float] = {}
        acc: dict[int, dict[Names, float]] = defaultdict(lambda: defaultdict(float))
        for day, act, org, secs, stamp in rows:
            acc[day][label[act, org]] += secs
            stamps[day] = stamp
        return {day: (stamp, digest(acc[day])) for day, stamp in stamps.items()}

    def labeller(self, keys: set[Key], devices: dict[str, dict[str, str]]
                 ) -> dict[Key, Names]:
        """Each key's names, as the summaries' lists (and their filters) write them;
        `devices`: the user's machines' names ("device") and operating systems ("os")."""
        reports = self.reports
        reports.names.prime({a for a, _ in keys})
        namers: list[Callable[[Key], str]] = [
            reports.names.namer(dim, keys, devices.get(dim, {})) for _, dim in FIELDS]
        lists = [name for name, _ in FIELDS]
        return {k: tuple(name(k) if lst == "sites" else shapes.display_name(lst, name(k))
                         for lst, name in zip(lists, namers, strict=True)) for k in keys}
