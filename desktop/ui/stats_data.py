"""Everything the stats window shows for one period, computed in one go off the GUI thread.

Plain Python (no Qt): `load_stats(analytics, query)` asks the engine's Analytics and returns
plain data the charts draw as is.
"""

from __future__ import annotations

import calendar
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from desktop.engine.analytics import PRODUCTIVITY_NAMES, PULSE_WEIGHTS, UNKNOWN
from desktop.engine.formatting import format_duration

MODES = ("day", "week", "month")
BREAKDOWNS = ("project", "language", "app", "site", "category")
DRILL_DIMENSIONS = ("branch", "file", "language")
FILTER_DIMENSIONS = ("project", "language")
HEATMAP_DAYS = 28  # the heatmap looks at least this far back, to show a habit
TREND_DAYS = 14  # the day view's productivity trend covers the last two weeks
TOP = 10

Items = list[tuple[str, float]]


@dataclass(frozen=True)
class Period:
    mode: str  # "day" | "week" (Monday to Sunday) | "month"
    anchor: date

    @property
    def start(self) -> date:
        if self.mode == "week":
            return self.anchor - timedelta(days=self.anchor.weekday())
        if self.mode == "month":
            return self.anchor.replace(day=1)
        return self.anchor

    @property
    def end(self) -> date:
        """The day after the last one."""
        if self.mode == "week":
            return self.start + timedelta(days=7)
        if self.mode == "month":
            days = calendar.monthrange(self.anchor.year, self.anchor.month)[1]
            return self.start + timedelta(days=days)
        return self.anchor + timedelta(days=1)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]

    def shifted(self, steps: int) -> Period:
        if self.mode == "day":
            return replace(self, anchor=self.anchor + timedelta(days=steps))
        if self.mode == "week":
            return replace(self, anchor=self.anchor + timedelta(weeks=steps))
        month = self.anchor.year * 12 + self.anchor.month - 1 + steps
        year, month = divmod(month, 12)
        day = min(self.anchor.day, calendar.monthrange(year, month + 1)[1])
        return replace(self, anchor=date(year, month + 1, day))

    def label(self, today: date | None = None) -> str:
        if self.mode == "day":
            names = {} if today is None else {today: "Today", today - timedelta(days=1):
                                               "Yesterday"}
            prefix = names.get(self.anchor)
            text = f"{self.anchor:%A %d %B %Y}"
            return f"{prefix}, {text}" if prefix else text
        if self.mode == "week":
            last = self.end - timedelta(days=1)
            return f"Week {self.start.isocalendar()[1]}: {self.start:%d %b} – {last:%d %b %Y}"
        return f"{self.anchor:%B %Y}"

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


@dataclass(frozen=True)
class StatsQuery:
    period: Period
    filters: tuple[tuple[str, str], ...] = ()
    color_by: str = "category"  # "category" | "project"
    drill: str | None = None  # a project to break down
    goal_seconds: float = 0.0
    today: date = field(default_factory=date.today)


@dataclass
class TimelineRow:
    start: float  # hours since local midnight
    end: float
    key: str
    details: str


@dataclass
class Habits:
    key: tuple
    heatmap: list[list[float]] = field(default_factory=list)
    heatmap_span: tuple[date, date] | None = None
    trend_days: list[date] = field(default_factory=list)
    trend: list[float | None] = field(default_factory=list)
    streaks: Any = None
    elapsed: float = 0.0


@dataclass
class StatsData:
    query: StatsQuery
    total_seconds: float = 0.0
    coding_seconds: float = 0.0
    pulse: float | None = None
    totals: dict[str, Items] = field(default_factory=dict)
    timeline: list[TimelineRow] = field(default_factory=list)
    daily: dict[date, dict[str, float]] = field(default_factory=dict)
    distracting_seconds: float = 0.0
    distractions: Items = field(default_factory=list)
    drill: dict[str, Items] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)
    devices: list[tuple[str, str]] = field(default_factory=list)  # (id, label), this one first
    focus: Any = None  # FocusSummary of the period, when focus mode keeps stats
    elapsed: float = 0.0


def local_bounds(start: date, end: date, tz: ZoneInfo | None) -> tuple[datetime, datetime]:
    """[start, end) days as aware datetimes at local midnight."""
    return (datetime.combine(start, datetime.min.time(), tz),
            datetime.combine(end, datetime.min.time(), tz))


def _items(summary: Any, limit: int | None = TOP) -> Items:
    items = [(item.name, float(item.seconds)) for item in summary.items]
    return items if limit is None else items[:limit]


def load_stats(analytics: Any, query: StatsQuery, focus_stats: Any = None,
               device_names: Callable[[], dict[str, str]] | None = None) -> StatsData:
    """The period's own figures: totals, timeline or daily bars, pulse, distractions, and
    focus sessions (from `focus_stats`, engine.focus.stats); the devices to choose from
    (named by `device_names`, engine.device_names)."""
    began = time.perf_counter()
    tz = analytics.tz
    period = query.period
    filters = dict(query.filters) or None
    start, end = local_bounds(period.start, period.end, tz)
    data = StatsData(query)

    for dim in BREAKDOWNS:
        summary = analytics.summary(start, end, by=dim, filters=filters)
        data.totals[dim] = _items(summary)
        data.total_seconds = summary.total_seconds
    categories = dict(data.totals["category"])
    data.coding_seconds = categories.get("coding", 0.0)
    data.pulse = analytics.productivity_pulse(start, end) if not filters else _pulse_filtered(
        analytics, start, end, filters)

    # What the filters can choose from: everything in the period, unfiltered.
    for dim in FILTER_DIMENSIONS:
        data.options[dim] = [name for name, _ in _items(
            analytics.summary(start, end, by=dim), limit=None)]

    if device_names is not None:
        data.devices = device_labels(device_names(), analytics.store.device)

    if period.mode == "day":
        data.timeline = _timeline(analytics, start, end, tz, query.color_by, filters)
    else:
        data.daily = _daily(analytics, period, tz, query.color_by, filters)

    data.distracting_seconds, data.distractions = _distractions(analytics, start, end, filters)
    if query.drill:
        drill_filters = {**(filters or {}), "project": query.drill}
        data.drill = {dim: _items(analytics.summary(start, end, by=dim, filters=drill_filters))
                      for dim in DRILL_DIMENSIONS}
    if focus_stats is not None:
        lo, hi = start.timestamp(), end.timestamp()
        data.focus = focus_stats.summary(lo, hi, analytics.store.spans(lo, hi),
                                         analytics.classifier)
    data.elapsed = time.perf_counter() - began
    return data


def device_labels(names: dict[str, str], own: str) -> list[tuple[str, str]]:
    """(device id, label) with this device first and marked, the others by name."""
    others = sorted((name, device) for device, name in names.items() if device != own)
    own_label = f"{names.get(own, own[:8])} (this device)"
    return [(own, own_label), *((device, name) for name, device in others)]


def device_filter(query: StatsQuery) -> dict[str, str] | None:
    device = dict(query.filters).get("device")
    return {"device": device} if device else None


def focus_text(summary: Any) -> str:
    """Focus sessions of a period, in a few lines."""
    if summary is None:
        return "Focus mode keeps no statistics here."
    lines = [f"Sessions: {summary.completed} completed, {summary.abandoned} abandoned"
             + (f", {summary.running} running" if summary.running else ""),
             f"Time in focus: {format_duration(summary.focus_seconds)}",
             f"Coding inside focus: {format_duration(summary.coding_inside)}; "
             f"outside: {format_duration(summary.coding_outside)}"]
    if summary.attempts:
        top = sorted(summary.attempts_by_site.items(), key=lambda kv: -kv[1])[:5]
        lines.append(f"Blocked attempts: {summary.attempts} ("
                     + ", ".join(f"{site} {count}" for site, count in top) + ")")
    else:
        lines.append("Blocked attempts: none")
    return "\n".join(lines)


def habits_key(query: StatsQuery) -> tuple:
    """What the habits depend on: the device filter, not the others or the drill-down."""
    return (query.period, query.goal_seconds, query.today, device_filter(query))


def load_habits(analytics: Any, query: StatsQuery) -> Habits:
    """The slower, history-wide part: heatmap, productivity trend, goal streaks."""
    began = time.perf_counter()
    tz = analytics.tz
    period = query.period
    habits = Habits(habits_key(query))
    heat_start = min(period.start, period.end - timedelta(days=HEATMAP_DAYS))
    habits.heatmap_span = (heat_start, period.end)
    only = device_filter(query)
    habits.heatmap = analytics.heatmap(*local_bounds(heat_start, period.end, tz),
                                       filters=only)
    habits.trend_days = (period.days() if period.mode != "day" else
                         [period.anchor - timedelta(days=i)
                          for i in range(TREND_DAYS - 1, -1, -1)])
    habits.trend = [analytics.productivity_pulse(*local_bounds(d, d + timedelta(days=1), tz),
                                                 filters=only)
                    for d in habits.trend_days]
    if query.goal_seconds > 0:
        habits.streaks = analytics.streaks(query.goal_seconds,
                                           min(query.today, period.end - timedelta(days=1)),
                                           filters=only)
    habits.elapsed = time.perf_counter() - began
    return habits


def _pulse_filtered(analytics: Any, start: datetime, end: datetime,
                    filters: dict[str, str]) -> float | None:
    """The Productivity Pulse of the filtered time, with the engine's weights."""
    summary = analytics.summary(start, end, by="productivity", filters=filters)
    if summary.total_seconds <= 0:
        return None
    level = {name: lvl for lvl, name in PRODUCTIVITY_NAMES.items()}
    return sum(PULSE_WEIGHTS.get(level.get(i.name, 0), 50.0) * i.seconds
               for i in summary.items) / summary.total_seconds


def _timeline(analytics: Any, start: datetime, end: datetime, tz: ZoneInfo | None,
              color_by: str, filters: dict[str, str] | None) -> list[TimelineRow]:
    midnight = start.timestamp()
    rows: list[TimelineRow] = []
    for entry in analytics.timeline(start, end):
        span, cls = entry.span, entry.classification
        project = cls.project or span.project or UNKNOWN
        if filters and not _matches(filters, project=project, language=span.language or UNKNOWN,
                                    device=span.device):
            continue
        key = project if color_by == "project" else cls.category
        s = max(entry.start.timestamp(), midnight)
        e = min(entry.end.timestamp(), end.timestamp())
        if e <= s:
            continue
        rows.append(TimelineRow((s - midnight) / 3600, (e - midnight) / 3600, key,
                                _details(s, e, span, cls, project, tz)))
    return rows


def _matches(filters: dict[str, str], **values: str | None) -> bool:
    return all(values.get(k) == v for k, v in filters.items() if k in values)


def _details(s: float, e: float, span: Any, cls: Any, project: str | None,
             tz: ZoneInfo | None) -> str:
    when = (f"{datetime.fromtimestamp(s, tz):%H:%M}–{datetime.fromtimestamp(e, tz):%H:%M} "
            f"({format_duration(e - s)})")
    lines = [when, f"{span.app or 'unknown app'} · {cls.category}"]
    if project != UNKNOWN:
        lines.append(f"project: {project}" + (f" ({span.branch})" if span.branch else ""))
    if span.file:
        lines.append(f"file: {span.file}" + (f" [{span.language}]" if span.language else ""))
    if span.site:
        lines.append(f"site: {span.site}")
    if span.title:
        lines.append(span.title if len(span.title) <= 90 else span.title[:89] + "…")
    return "\n".join(lines)


def _daily(analytics: Any, period: Period, tz: ZoneInfo | None, color_by: str,
           filters: dict[str, str] | None) -> dict[date, dict[str, float]]:
    if not filters:
        return analytics.daily(period.start, period.end - timedelta(days=1), by=color_by)
    out: dict[date, dict[str, float]] = {}
    for day in period.days():
        summary = analytics.summary(*local_bounds(day, day + timedelta(days=1), tz),
                                    by=color_by, filters=filters)
        out[day] = dict(_items(summary, limit=None))
    return out


def _distractions(analytics: Any, start: datetime, end: datetime,
                  filters: dict[str, str] | None) -> tuple[float, Items]:
    """Time rated distracting or worse, and where it went: sites, or the app when no site."""
    total = 0.0
    where: dict[str, float] = defaultdict(float)
    for level in (-2, -1):
        rated = {**(filters or {}), "productivity": PRODUCTIVITY_NAMES[level]}
        sites = analytics.summary(start, end, by="site", filters=rated)
        total += sites.total_seconds
        for item in sites.items:
            if item.name != UNKNOWN:
                where[item.name] += item.seconds
        if any(item.name == UNKNOWN for item in sites.items):
            apps = analytics.summary(start, end, by="app", filters={**rated, "site": UNKNOWN})
            for item in apps.items:
                where[item.name] += item.seconds
    ranked = sorted(where.items(), key=lambda kv: (-kv[1], kv[0]))
    return total, ranked[:TOP]
