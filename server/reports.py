"""Summaries of a user's history from the per-day rollups, named the way the desktop's
analytics names them (default rules classify category and productivity), in WakaTime's shapes
(the desktop's local API helpers, reused)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from desktop.engine.analytics import PRODUCTIVITY_NAMES, PULSE_WEIGHTS, UNCATEGORIZED, UNKNOWN
from desktop.engine.api import shapes
from desktop.engine.api.shapes import duration_parts
from desktop.engine.rules import Rules
from desktop.engine.span import ACTIVITY_FIELDS, Classification, Span
from server.history import History, zone
from server.models import User

_FIELD = {name: i for i, name in enumerate(ACTIVITY_FIELDS)}
DIMENSIONS = ("project", "language", "editor", "category", "productivity", "app", "site",
              "branch", "file", "device", "source")


class Namer:
    """Names (activity, origin) keys along a dimension; classifications cached per activity."""

    def __init__(self, history: History) -> None:
        self.history = history
        self.rules = Rules.load(None)
        self._classes: dict[int, Classification] = {}

    def classify(self, aid: int) -> Classification:
        found = self._classes.get(aid)
        if found is None:
            fields = self.history.activity_rows([aid])[aid]
            found = self._classes[aid] = self.rules.classify(Span(0.0, 0.0, "", "", "", *fields))
        return found

    def namer(self, dim: str, keys: set[tuple[int, int]], devices: dict[str, str]
              ) -> Callable[[tuple[int, int]], str]:
        if dim not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dim!r}")
        if dim in ("device", "source"):
            origins = self.history.origin_rows({o for _, o in keys})
            if dim == "source":
                return lambda k: origins[k[1]][0]
            return lambda k: devices.get(origins[k[1]][1], origins[k[1]][1])
        acts = self.history.activity_rows({a for a, _ in keys})
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
            devices = self.history.devices(user) if dim == "device" else {}
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

    def wakatime_day(self, report: Report, day: date, text: str) -> dict[str, Any]:
        total = sum(report.per_day[day].values())
        lists = {}
        for name, dim in shapes.DIMENSIONS.items():
            if name == "machines":
                continue
            items = self.by(report, dim, [day])
            lists[name] = [{"name": (n[:1].upper() + n[1:]) if name == "categories" else n,
                            **duration_parts(s),
                            "percent": round(100 * s / total, 2) if total else 0.0}
                           for n, s in items]
        machines = [{"name": n, **duration_parts(s),
                     "percent": round(100 * s / total, 2) if total else 0.0}
                    for n, s in self.by(report, "device", [day])]
        tz = zone(report.user)
        start = datetime.combine(day, datetime.min.time(), tz)
        return {"grand_total": duration_parts(total), **lists, "dependencies": [],
                "operating_systems": [], "machines": machines,
                "range": {"date": day.isoformat(), "start": start.isoformat(),
                          "end": (start + timedelta(days=1)).isoformat(), "text": text,
                          "timezone": str(tz)}}

    def wakatime_stats(self, report: Summary, range_name: str) -> dict[str, Any]:
        total = report.total
        days = report.days
        data: dict[str, Any] = {
            "range": range_name, "total_seconds": round(total, 3),
            "human_readable_total": duration_parts(total)["text"],
            "daily_average": round(total / days, 3) if days else 0.0,
            "human_readable_daily_average": duration_parts(total / days if days else 0)["text"],
            "start": report.first.isoformat(), "end": report.last.isoformat(),
            "timezone": str(zone(report.user)), "username": report.user.name,
            "is_up_to_date": True, "status": "ok",
        }
        for name, dim in shapes.DIMENSIONS.items():
            if dim == "file":
                continue
            data[name] = [{"name": n, **duration_parts(s),
                           "percent": round(100 * s / total, 2) if total else 0.0}
                          for n, s in self.named(report.user, report.keys, dim)]
        best = max(report.daily.items(), key=lambda kv: kv[1], default=None)
        data["best_day"] = ({"date": best[0].isoformat(), "total_seconds": round(best[1], 3),
                             "text": duration_parts(best[1])["text"]}
                            if best and best[1] > 0 else None)
        return data
