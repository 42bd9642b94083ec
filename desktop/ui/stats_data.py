"""Everything the stats window shows for one period, computed in one go off the GUI thread.

Plain Python (no Qt): `load_stats(analytics, query)` asks the engine's Analytics and returns
plain data the charts draw as is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from desktop.engine.analytics import CODING, UNKNOWN
from desktop.engine.formatting import format_duration
from desktop.engine.periods import Period
from desktop.engine.span import MANUAL

BREAKDOWNS = ("project", "language", "app", "site", "category")
DRILL_DIMENSIONS = ("branch", "file", "language")
FILTER_DIMENSIONS = ("project", "language")
HEATMAP_DAYS = 28  # the heatmap looks at least this far back, to show a habit
TREND_DAYS = 14  # a day's productivity trend covers the two weeks to it
TREND_MAX_DAYS = 31  # longer ranges show the trend of their last TREND_MAX_DAYS days
MONTHLY_AFTER_DAYS = 62  # longer ranges stack months, not days
TOP = 10
NO_PROJECT = "(no project)"  # how time of no project is shown (the engine says UNKNOWN)

Items = list[tuple[str, float]]


def shown_project(name: str) -> str:
    return NO_PROJECT if name == UNKNOWN else name


def engine_project(name: str) -> str:
    return UNKNOWN if name == NO_PROJECT else name


def project_share(name: str, seconds: float, project_seconds: float) -> float | None:
    """A project's percentage of the time spent on projects: (no project) is in neither
    (as WakaTime does), and has no share."""
    if name == NO_PROJECT or project_seconds <= 0:
        return None
    return 100 * seconds / project_seconds


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
    uuid: str = ""


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
    project_seconds: float = 0.0  # time that belongs to a project
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
    return Period("custom", start, end).bounds(tz)


def _items(summary: Any, limit: int | None = TOP, dim: str = "") -> Items:
    items = [(shown_project(item.name) if dim == "project" else item.name, float(item.seconds))
             for item in summary.items]
    return items if limit is None else items[:limit]


def _engine_filters(filters: tuple[tuple[str, str], ...]) -> dict[str, str] | None:
    return {dim: engine_project(v) if dim == "project" else v for dim, v in filters} or None


def columns(period: Period) -> list[date]:
    """The stacked chart's columns: each day, or the first day of each month of a long range."""
    days = period.days()
    if len(days) <= MONTHLY_AFTER_DAYS:
        return days
    return sorted({day.replace(day=1) for day in days})


def load_stats(analytics: Any, query: StatsQuery, focus_stats: Any = None,
               device_names: Callable[[], dict[str, str]] | None = None) -> StatsData:
    """The period's own figures: totals, timeline or daily bars, pulse, distractions, and
    focus sessions (from `focus_stats`, engine.focus.stats); the devices to choose from
    (named by `device_names`, engine.device_names)."""
    began = time.perf_counter()
    tz = analytics.tz
    period = query.period
    filters = _engine_filters(query.filters)
    start, end = period.bounds(tz)
    data = StatsData(query)

    for dim in BREAKDOWNS:
        summary = analytics.summary(start, end, by=dim, filters=filters)
        data.totals[dim] = _items(summary, dim=dim)
        data.total_seconds = summary.total_seconds
        if dim == "project":
            data.project_seconds = sum(i.seconds for i in summary.items if i.name != UNKNOWN)
    categories = dict(data.totals["category"])
    data.coding_seconds = categories.get(CODING, 0.0)
    data.pulse = analytics.productivity_pulse(start, end, filters=filters)

    # What the filters can choose from: everything in the period, unfiltered.
    for dim in FILTER_DIMENSIONS:
        data.options[dim] = [name for name, _ in _items(
            analytics.summary(start, end, by=dim), limit=None, dim=dim)]

    if device_names is not None:
        data.devices = device_labels(device_names(), analytics.store.device)

    if period.single_day:
        data.timeline = _timeline(analytics, start, end, tz, query.color_by, filters)
    else:
        data.daily = _daily(analytics, period, tz, query.color_by, filters)

    data.distracting_seconds, where = analytics.distractions(start, end, filters)
    data.distractions = [(item.name, item.seconds) for item in where[:TOP]]
    if query.drill:
        drill_filters = {**(filters or {}), "project": engine_project(query.drill)}
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


def trend_days(period: Period) -> list[date]:
    """The days of the productivity trend: the period's, or the last ones up to its end."""
    count = (TREND_DAYS if period.single_day else min(len(period.days()), TREND_MAX_DAYS))
    return [period.last - timedelta(days=i) for i in range(count - 1, -1, -1)]


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
    habits.trend_days = trend_days(period)
    habits.trend = [analytics.productivity_pulse(*local_bounds(d, d + timedelta(days=1), tz),
                                                 filters=only)
                    for d in habits.trend_days]
    if query.goal_seconds > 0:
        habits.streaks = analytics.streaks(query.goal_seconds,
                                           min(query.today, period.end - timedelta(days=1)),
                                           filters=only)
    habits.elapsed = time.perf_counter() - began
    return habits


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
        key = shown_project(project) if color_by == "project" else cls.category
        s = max(entry.start.timestamp(), midnight)
        e = min(entry.end.timestamp(), end.timestamp())
        if e <= s:
            continue
        rows.append(TimelineRow((s - midnight) / 3600, (e - midnight) / 3600, key,
                                _details(s, e, span, cls, project, tz), span.uuid))
    return rows


def _matches(filters: dict[str, str], **values: str | None) -> bool:
    return all(values.get(k) == v for k, v in filters.items() if k in values)


def _details(s: float, e: float, span: Any, cls: Any, project: str | None,
             tz: ZoneInfo | None) -> str:
    when = (f"{datetime.fromtimestamp(s, tz):%H:%M}–{datetime.fromtimestamp(e, tz):%H:%M} "
            f"({format_duration(e - s)})")
    lines = [when, "manual entry" if span.source == MANUAL else
             f"{span.app or 'unknown app'} · {cls.category}"]
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
    """Seconds per column (a day, or a month of a long range) by `color_by`."""
    if not filters:
        per_day = analytics.daily(period.start, period.last, by=color_by)
    else:
        per_day = {}
        for day in period.days():
            summary = analytics.summary(*local_bounds(day, day + timedelta(days=1), tz),
                                        by=color_by, filters=filters)
            per_day[day] = {item.name: item.seconds for item in summary.items}
    monthly = len(period.days()) > MONTHLY_AFTER_DAYS
    out: dict[date, dict[str, float]] = {column: {} for column in columns(period)}
    for day, values in per_day.items():
        bucket = out[day.replace(day=1) if monthly else day]
        for name, secs in values.items():
            key = shown_project(name) if color_by == "project" else name
            bucket[key] = bucket.get(key, 0.0) + secs
    return out
