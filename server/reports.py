"""Summaries of a user's history from the per-day rollups, named the way the desktop's
analytics names them (default rules classify category and productivity), in WakaTime's shapes
(`desktop.engine.api.shapes`, shared with the local API)."""

from __future__ import annotations

import time
import uuid as uuidlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from desktop.engine.analytics import PRODUCTIVITY_NAMES, PULSE_WEIGHTS, UNCATEGORIZED, UNKNOWN
from desktop.engine.api import shapes
from desktop.engine.rules import Rules
from desktop.engine.span import ACTIVITY_FIELDS, Classification, Span
from server.history import History, zone
from server.models import Device, User

_FIELD = {name: i for i, name in enumerate(ACTIVITY_FIELDS)}
DIMENSIONS = ("project", "language", "editor", "category", "productivity", "app", "site",
              "branch", "file", "device", "source", "os", "entity")
Key = tuple[int, int]  # (activity id, origin id)
# What summaries and the dashboard filter on: (WakaTime's list, our dimension) per filter.
FILTERS = {"project": ("projects", "project"), "language": ("languages", "language"),
           "editor": ("editors", "editor"), "os": ("operating_systems", "os"),
           "machine": ("machines", "device"), "branch": ("branches", "branch")}


class Namer:
    """Names (activity, origin) keys along a dimension; classifications cached per activity."""

    def __init__(self, history: History) -> None:
        self.history = history
        self.rules = Rules.load(None)
        self._classes: dict[int, Classification] = {}

    def prime(self, aids: set[int]) -> None:
        """Classify these activities now, their rows read in bulk (not one query each)."""
        missing = {a for a in aids if a not in self._classes}
        if missing:
            rows = self.history.activity_rows(missing)
            for aid in missing:
                self._classes[aid] = self.rules.classify(Span(0.0, 0.0, "", "", "", *rows[aid]))

    def classify(self, aid: int) -> Classification:
        found = self._classes.get(aid)
        if found is None:
            fields = self.history.activity_rows([aid])[aid]
            found = self._classes[aid] = self.rules.classify(Span(0.0, 0.0, "", "", "", *fields))
        return found

    def namer(self, dim: str, keys: set[tuple[int, int]], devices: dict[str, str]
              ) -> Callable[[tuple[int, int]], str]:
        """`devices`: each device's name ("device") or operating system ("os")."""
        if dim not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dim!r}")
        if dim in ("device", "source", "os"):
            origins = self.history.origin_rows({o for _, o in keys})
            if dim == "source":
                return lambda k: origins[k[1]][0]
            if dim == "os":
                return lambda k: devices.get(origins[k[1]][1]) or shapes.UNKNOWN_OS
            return lambda k: devices.get(origins[k[1]][1], origins[k[1]][1])
        acts = self.history.activity_rows({a for a, _ in keys})
        if dim == "entity":  # WakaTime's: the file, else the site or app
            file, site, app = _FIELD["file"], _FIELD["site"], _FIELD["app"]
            return lambda k: acts[k[0]][file] or acts[k[0]][site] or acts[k[0]][app] or UNKNOWN
        if dim == "category":
            return lambda k: self.classify(k[0]).category or UNCATEGORIZED
        if dim == "productivity":
            return lambda k: PRODUCTIVITY_NAMES.get(self.classify(k[0]).productivity, UNKNOWN)
        col = _FIELD[dim]
        if dim == "project":
            return lambda k: self.classify(k[0]).project or acts[k[0]][col] or UNKNOWN
        return lambda k: acts[k[0]][col] or UNKNOWN


@dataclass
class Report:
    """A user's time over local days first..last."""

    user: User
    first: date
    last: date
    per_day: dict[date, dict[tuple[int, int], float]]

    @property
    def total(self) -> float:
        return sum(sum(d.values()) for d in self.per_day.values())


@dataclass
class Summary:
    """A user's time over local days first..last, summed over the range in the database:
    per (activity, origin) and per day, without the per-day breakdown a `Report` holds."""

    user: User
    first: date
    last: date
    keys: dict[tuple[int, int], float]
    daily: dict[date, float]

    @property
    def total(self) -> float:
        return sum(self.keys.values())

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


class Reports:
    def __init__(self, history: History) -> None:
        self.history = history
        self.names = Namer(history)

    def report(self, user: User, first: date, last: date, device: str | None = None) -> Report:
        per_day: dict[date, dict[tuple[int, int], float]] = {
            first + timedelta(days=i): defaultdict(float)
            for i in range((last - first).days + 1)}
        origins = None
        rows = self.history.day_totals(user, first, last)
        if device:
            origins = self.history.origin_rows({r[2] for r in rows})
        for day, act, org, secs in rows:
            if origins is not None and origins[org][1] != device:
                continue
            per_day[date.fromordinal(day)][act, org] += secs
        return Report(user, first, last, per_day)

    def summary(self, user: User, first: date, last: date, device: str | None = None
                ) -> Summary:
        origins = None
        if device:
            origins = [o for o, (_, dev) in self.history.origin_rows(
                self.history.user_origins(user)).items() if dev == device]
        keys = self.history.totals(user, first, last, origins)
        daily = {date.fromordinal(d): s for d, s in
                 self.history.daily(user, first, last, origins).items()}
        return Summary(user, first, last, keys, daily)

    def kept(self, report: Report, filters: dict[str, str | None]) -> Report:
        """`report` kept to the time whose name along each filter's dimension (a `FILTERS`
        key) is the filter's value, as WakaTime's lists name it ("Unknown Project")."""
        wanted = {f: v for f, v in filters.items() if v}
        if not wanted:
            return report
        keys = {k for day in report.per_day.values() for k in day}
        self.names.prime({a for a, _ in keys})
        names = {f: self._display(*FILTERS[f], report.user, keys) for f in wanted}
        ok: dict[Key, bool] = {k: all(names[f](k) == v for f, v in wanted.items())
                               for k in keys}
        return Report(report.user, report.first, report.last, {
            day: {k: s for k, s in acc.items() if ok[k]} for day, acc in report.per_day.items()})

    def by(self, report: Report, dim: str, days: list[date] | None = None
           ) -> list[tuple[str, float]]:
        acc: dict[tuple[int, int], float] = defaultdict(float)
        for day in days or report.per_day:
            for key, secs in report.per_day[day].items():
                acc[key] += secs
        return self.named(report.user, acc, dim)

    def named(self, user: User, acc: dict[tuple[int, int], float], dim: str,
              devices: dict[str, str] | None = None) -> list[tuple[str, float]]:
        """Seconds per (activity, origin) summed by name along `dim`, largest first."""
        if devices is None:
            devices = self.history.devices(user) if dim == "device" else \
                self.device_os(user) if dim == "os" else {}
        name = self.names.namer(dim, set(acc), devices)
        out: dict[str, float] = defaultdict(float)
        for key, secs in acc.items():
            out[name(key)] += secs
        return sorted(((n, s) for n, s in out.items() if s > 0), key=lambda t: (-t[1], t[0]))

    def pulse(self, report: Report) -> float | None:
        items = dict(self.by(report, "productivity"))
        total = sum(items.values())
        if not total:
            return None
        weight = {PRODUCTIVITY_NAMES[level]: w for level, w in PULSE_WEIGHTS.items()}
        return sum(s * weight.get(n, 50.0) for n, s in items.items()) / total

    def daily_totals(self, report: Report) -> dict[date, float]:
        return {d: sum(v.values()) for d, v in report.per_day.items()}

    # -- WakaTime shapes -------------------------------------------------------------------

    def device_os(self, user: User) -> dict[str, str]:
        """The operating system of each of the user's devices that told one."""
        return {d.id: d.os for d in Device.select(Device.id, Device.os).where(
            Device.user == user.id) if d.os}

    def wakatime_lists(self, user: User, acc: dict[Key, float], *, machines: bool = True
                       ) -> tuple[dict[str, list[tuple[str, float]]], dict[str, Any]]:
        """Seconds by name for each of WakaTime's lists, and the machines' ids (`machines`
        False: no machines, for someone else's eyes)."""
        lists = {name: self.named(user, acc, dim) for name, dim in shapes.DIMENSIONS.items()
                 if name != "machines"}
        lists["operating_systems"] = self.named(user, acc, "os")
        extra: dict[str, Any] = {}
        if machines:
            origins = self.history.origin_rows({o for _, o in acc})
            per_device: dict[str, float] = defaultdict(float)
            for (_, org), secs in acc.items():
                per_device[origins[org][1]] += secs
            names = self.history.devices(user)
            lists["machines"] = [(names.get(d, d), s) for d, s in per_device.items()]
            extra["machines"] = {names.get(d, d): {"machine_name_id": d} for d in per_device}
        return lists, extra

    def wakatime_day(self, report: Report, day: date, text: str) -> dict[str, Any]:
        acc = report.per_day[day]
        lists, extra = self.wakatime_lists(report.user, acc)
        return shapes.summary_day(lists, sum(acc.values()), day, zone(report.user), text, extra)

    def wakatime_stats(self, summary: Summary, span: shapes.StatsRange, *, owner: bool = True
                       ) -> dict[str, Any]:
        user = summary.user
        lists, extra = self.wakatime_lists(user, summary.keys, machines=owner)
        return shapes.stats(lists, summary.total, summary.daily, span, zone(user),
                            {"id": user_uuid(user), "username": user.name}, extra)

    # -- a day's timeline ------------------------------------------------------------------

    def durations(self, user: User, day: date, slice_by: str, project: str | None = None,
                  branches: set[str] | None = None) -> dict[str, Any]:
        """WakaTime's durations of a day, sliced by a `shapes.SLICES` key."""
        pieces = self.history.pieces(user, day)
        keys = {k for _, _, k in pieces}
        project_of = self._display("projects", "project", user, keys)
        branch_of = self.names.namer("branch", keys, {})
        dim = {"entity": "entity", "machine": "device", "os": "os"}.get(slice_by, slice_by)
        lists = {"project": "projects", "language": "languages", "editor": "editors",
                 "category": "categories", "os": "operating_systems", "entity": "entities",
                 "branch": "branches"}
        value_of = self._display(lists.get(slice_by, "machines"), dim, user, keys)
        kept = [(a, b, k) for a, b, k in pieces if (not project or project_of(k) == project)
                and (not branches or branch_of(k) in branches)]
        data = shapes.merge_durations(((a, b, project_of(k), value_of(k)) for a, b, k in kept),
                                      slice_by)
        found = {branch_of(k) for _, _, k in pieces} - {UNKNOWN}
        return shapes.durations(data, found, day, zone(user))

    def _display(self, list_name: str, dim: str, user: User, keys: set[Key]
                 ) -> Callable[[Key], str]:
        devices = self.history.devices(user) if dim == "device" else \
            self.device_os(user) if dim == "os" else {}
        name = self.names.namer(dim, keys, devices)
        return lambda k: shapes.display_name(list_name, name(k))

    def last_seen(self, user: User) -> tuple[float | None, str | None]:
        """When the user's latest time ended, and its project."""
        self.history.refresh(user)
        row = self.history.db.execute('SELECT MAX(day) FROM user_day_total WHERE "user" = %s',
                                      (user.id,)).fetchone()
        pieces = self.history.pieces(user, date.fromordinal(row[0])) if row and row[0] else []
        if not pieces:
            return None, None
        key = pieces[-1][2]
        return pieces[-1][1], self._display("projects", "project", user, {key})(key)

    def first_day(self, user: User) -> date | None:
        self.history.refresh(user)
        row = self.history.db.execute('SELECT MIN(day) FROM user_day_total WHERE "user" = %s',
                                      (user.id,)).fetchone()
        return date.fromordinal(row[0]) if row and row[0] else None

    def projects(self, user: User, query: str = "") -> list[dict[str, Any]]:
        """WakaTime's projects: each project's first and last moment, latest first."""
        self.history.refresh(user)
        rows = self.history.db.execute(
            'SELECT activity, origin, MIN(day), MAX(day) FROM user_day WHERE "user" = %s '
            "GROUP BY activity, origin", (user.id,)).fetchall()
        name_of = self._display("projects", "project", user, {(a, o) for a, o, _, _ in rows})
        days: dict[str, tuple[int, int]] = {}
        for act, org, lo, hi in rows:
            name = name_of((act, org))
            if query.lower() in name.lower():
                old = days.get(name, (lo, hi))
                days[name] = (min(old[0], lo), max(old[1], hi))
        edges: dict[int, dict[str, tuple[float, float]]] = {}

        def edge(name: str, day: int, last: bool) -> float | None:
            """When the project's time began (or ended) on `day`."""
            if day not in edges:
                found = edges[day] = {}
                for a, b, key in self.history.pieces(user, date.fromordinal(day)):
                    project = name_of(key)
                    found[project] = (found.get(project, (a, 0.0))[0], b)
            span = edges[day].get(name)
            return None if span is None else span[1] if last else span[0]

        now = time.time()
        tz = zone(user)
        out = [shapes.project(name, edge(name, lo, False), edge(name, hi, True), tz, now)
               for name, (lo, hi) in days.items()]
        return sorted(out, key=lambda p: p["last_heartbeat_at"] or "", reverse=True)

    def goal(self, user: User) -> dict[str, Any] | None:
        """The user's daily goal (daily_goal_minutes of any time), over the last 7 days."""
        if not user.daily_goal_minutes:
            return None
        tz = zone(user)
        today = datetime.now(tz).date()
        first = today - timedelta(days=6)
        daily = self.history.daily(user, first, today)
        actual = {first + timedelta(days=i): daily.get((first + timedelta(days=i)).toordinal(),
                                                       0.0) for i in range(7)}
        seconds = user.daily_goal_minutes * 60.0
        return shapes.goal(goal_id=shapes.goal_id(f"user:{user.id}"),
                           title=shapes.goal_title(seconds), goal_seconds=seconds,
                           actual=actual, today=today, tz=tz,
                           owner={"id": user_uuid(user), "username": user.name,
                                  "display_name": user.name, "full_name": user.name,
                                  "email": user.email, "photo": None},
                           created=user.created)


def user_uuid(user: User) -> str:
    """A user's id as WakaTime writes ids (a UUID), stable."""
    return str(uuidlib.uuid5(shapes.NAMESPACE, f"user:{user.id}"))
