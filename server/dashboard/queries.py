"""What the dashboard shows, computed by the summaries' own code (`Reports.report`, `kept`,
`named`): the same rollups, the same filters and the same names, so every figure equals
`/api/v1/users/current/summaries` for the same range and filters."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from desktop.engine.analytics import UNKNOWN
from desktop.engine.api import shapes
from server.history import zone
from server.models import User
from server.reports import FILTERS, Report, Reports

# Range keys of the page's query string, with their labels, in the order the page offers them.
RANGES = {"today": "Today", "yesterday": "Yesterday", "this_week": "This week",
          "last_week": "Last week", "last_7_days": "Last 7 days",
          "last_30_days": "Last 30 days", "this_month": "This month",
          "this_year": "This year", "custom": "Custom"}
# The lists the dashboard charts: (WakaTime's list name, our dimension), in page order.
LISTS = {"projects": "project", "languages": "language", "editors": "editor",
         "operating_systems": "os", "machines": "device", "branches": "branch",
         "sites": "site", "categories": "category"}
PROJECT_LISTS = {"entities": "file", "branches": "branch", "languages": "language"}
HEAT_DAYS = 53 * 7  # the heatmap: 53 weeks ending with the range's last day
STREAK_DAYS = 400  # how far back a streak is counted


class ViewError(ValueError):
    """A query string the dashboard cannot show; the message names the parameter."""


@dataclass(frozen=True)
class View:
    """What the query string asks for: a range and filters (a `FILTERS` key each)."""

    range: str
    first: date
    last: date
    filters: dict[str, str] = field(default_factory=dict)


@dataclass
class Board:
    """A user's dashboard for a `View`: seconds everywhere, named as the API names them."""

    view: View
    total: float
    days: list[tuple[date, float, dict[str, float]]]  # day, total, seconds per category
    lists: dict[str, list[tuple[str, float]]]
    choices: dict[str, list[str]]  # per filter: the names the unfiltered range holds
    heat: dict[date, float]
    heat_first: date
    goal_seconds: float
    today_seconds: float
    streak: int


def view_of(params: Mapping[str, str], today: date) -> View:
    """The view a query string names: `range` (a `RANGES` key; `custom` with `from` and
    `to`, YYYY-MM-DD) and the filters; ViewError when it cannot be read."""
    name = params.get("range") or "last_7_days"
    if name not in RANGES:
        raise ViewError(f"range: unknown range {name[:40]!r}; one of {', '.join(RANGES)}")
    try:
        if name == "custom":
            first, last = shapes.summary_range(None, params.get("from") or None,
                                               params.get("to") or None, today)
        elif name == "this_year":
            first, last = date(today.year, 1, 1), today
        else:
            first, last = shapes.summary_range(name, None, None, today)
    except shapes.RangeError as exc:
        message = str(exc).replace("start:", "from:").replace("end:", "to:")
        raise ViewError(message) from None
    filters = {}
    for key in FILTERS:
        value = params.get(key) or ""
        if len(value) > 4096:
            raise ViewError(f"{key}: at most 4096 characters")
        if value:
            filters[key] = value
    return View(name, first, last, filters)


def today_of(user: User) -> date:
    return datetime.now(zone(user)).date()


def named_lists(reports: Reports, user: User, acc: dict[tuple[int, int], float],
                lists: Mapping[str, str]) -> dict[str, list[tuple[str, float]]]:
    """Seconds by name for each list, names as WakaTime's lists write them (`shapes.items`):
    equal names summed, largest first; sites without the time that was not browsing."""
    out = {}
    for list_name, dim in lists.items():
        merged: dict[str, float] = defaultdict(float)
        for name, secs in reports.named(user, acc, dim):
            if dim == "site" and name == UNKNOWN:
                continue
            merged[shapes.display_name(list_name, name)] += secs
        out[list_name] = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
    return out


def _sums(reports: Reports, report: Report) -> tuple[dict[tuple[int, int], float],
                                                    list[tuple[date, float, dict[str, float]]]]:
    """The range's seconds per (activity, origin), and per day its total and categories."""
    keys = {k for acc in report.per_day.values() for k in acc}
    reports.names.prime({a for a, _ in keys})
    category = reports.names.namer("category", keys, {})
    label = {k: shapes.category_name(category(k)) for k in keys}
    total: dict[tuple[int, int], float] = defaultdict(float)
    days = []
    for day in sorted(report.per_day):
        acc = report.per_day[day]
        cats: dict[str, float] = defaultdict(float)
        for key, secs in acc.items():
            total[key] += secs
            cats[label[key]] += secs
        days.append((day, sum(acc.values()), dict(cats)))
    return dict(total), days


def board(reports: Reports, user: User, view: View) -> Board:
    everything = reports.report(user, view.first, view.last)
    report = reports.kept(everything, view.filters)
    acc, days = _sums(reports, report)
    lists = named_lists(reports, user, acc, LISTS)
    if view.filters:
        full = {}
        for day in everything.per_day.values():
            for key, secs in day.items():
                full[key] = full.get(key, 0.0) + secs
        everyone = named_lists(reports, user, full, dict(FILTERS.values()))
    else:
        everyone = lists
    choices = {f: [n for n, _ in everyone[lst]] for f, (lst, _) in FILTERS.items()}
    heat_first = view.last - timedelta(days=HEAT_DAYS - 1)
    heat = _daily(reports, user, heat_first, view.last, view.filters)
    today = today_of(user)
    recent = _daily(reports, user, today - timedelta(days=STREAK_DAYS), today, {})
    goal = (user.daily_goal_minutes or 0) * 60.0
    return Board(view, report.total, days, lists, choices, heat, heat_first, goal,
                 recent.get(today, 0.0), streak(recent, today, goal))


def _daily(reports: Reports, user: User, first: date, last: date,
           filters: dict[str, str]) -> dict[date, float]:
    """Seconds per day with time, first..last: the day totals, or the filtered report's."""
    if not filters:
        return {date.fromordinal(d): s for d, s in
                reports.history.daily(user, first, last).items() if s > 0}
    kept = reports.kept(reports.report(user, first, last), filters)
    return {d: t for d, t in reports.daily_totals(kept).items() if t > 0}


def streak(daily: Mapping[date, float], today: date, goal: float) -> int:
    """Days in a row with time (with a daily goal: that reached), up to today; today not
    reached yet does not break it."""
    def met(day: date) -> bool:
        secs = daily.get(day, 0.0)
        return secs >= goal if goal else secs > 0

    day = today if met(today) else today - timedelta(days=1)
    count = 0
    while met(day):
        count += 1
        day -= timedelta(days=1)
    return count


@dataclass
class ProjectBoard:
    view: View
    name: str
    total: float
    days: list[tuple[date, float, dict[str, float]]]
    lists: dict[str, list[tuple[str, float]]]


def project_board(reports: Reports, user: User, view: View, name: str) -> ProjectBoard:
    """One project (as the projects list names it) over the view, with the view's other
    filters: its files, branches and languages."""
    report = reports.kept(reports.report(user, view.first, view.last),
                          {**view.filters, "project": name})
    acc, days = _sums(reports, report)
    return ProjectBoard(view, name, report.total, days,
                        named_lists(reports, user, acc, PROJECT_LISTS))
