"""What the dashboard shows: the days' digests (`digests`: the summaries' rollups named by
the summaries' own namers and display names) kept to the filters the way `Reports.kept` keeps
the summaries, and summed; so every figure equals `/api/v1/users/current/summaries` for the
same days and filters."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from desktop.engine.analytics import UNKNOWN
from desktop.engine.api import shapes
from server.dashboard.digests import EMPTY, FIELDS, INDEX, Digests
from server.history import zone
from server.models import User
from server.reports import FILTERS

# Range keys of the page's query string, with their labels, in the order the page offers them.
RANGES = {"today": "Today", "yesterday": "Yesterday", "this_week": "This week",
          "last_week": "Last week", "last_7_days": "Last 7 days",
          "last_30_days": "Last 30 days", "this_month": "This month",
          "this_year": "This year", "custom": "Custom"}
# The lists the dashboard charts, in page order.
LISTS = ("projects", "languages", "editors", "operating_systems", "machines", "branches",
         "sites", "categories")
PROJECT_LISTS = ("entities", "branches", "languages")
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
            if not params.get("from") or not params.get("to"):
                raise ViewError("from, to: range=custom needs both dates (YYYY-MM-DD)")
            first, last = shapes.summary_range(None, params["from"], params["to"], today)
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


@dataclass
class Tally:
    """Digests summed over a view's days, kept to filters."""

    days: list[tuple[date, float, dict[str, float]]]  # inside the view: total, categories
    lists: dict[str, list[tuple[str, float]]]  # per digest field, largest first
    unfiltered: dict[str, list[tuple[str, float]]]  # the same without the filters
    heat: dict[date, float]  # the filtered total of each day with time, from `start`

    @property
    def total(self) -> float:
        return sum(t for _, t, _ in self.days)


def tally(digests: Digests, user: User, view: View, filters: Mapping[str, str],
          start: date | None = None) -> Tally:
    """`view`'s days (and totals from `start` on, for the heatmap) kept to `filters`."""
    start = min(start or view.first, view.first)
    by_day = digests.days(user, start, view.last)
    tests = [(INDEX[FILTERS[f][0]], v) for f, v in filters.items()]
    cat, n = INDEX["categories"], len(FIELDS)
    lists: list[dict[str, float]] = [defaultdict(float) for _ in range(n)]
    every: list[dict[str, float]] = [defaultdict(float) for _ in range(n)]
    heat: dict[date, float] = {}
    days = []
    lo = view.first.toordinal()
    for ordinal in range(start.toordinal(), view.last.toordinal() + 1):
        day = by_day.get(ordinal, EMPTY)
        inside = ordinal >= lo
        if not tests:
            total, cats = day.total, day.fields[cat]
            if inside:
                for i in range(n):
                    for name, secs in day.fields[i].items():
                        lists[i][name] += secs
        else:
            total, cats = 0.0, defaultdict(float)
            for names, secs in min((day.having(i, v) for i, v in tests), key=len):
                if all(names[i] == v for i, v in tests):
                    total += secs
                    if inside:
                        cats[names[cat]] += secs
                        for i in range(n):
                            lists[i][names[i]] += secs
            if inside:
                for i in range(n):
                    for name, secs in day.fields[i].items():
                        every[i][name] += secs
        if total > 0:
            heat[date.fromordinal(ordinal)] = total
        if inside:
            days.append((date.fromordinal(ordinal), total, dict(cats)))
    named = {name: _ranked(lists[i], name) for i, (name, _) in enumerate(FIELDS)}
    unfiltered = {name: _ranked(every[i], name) for i, (name, _) in enumerate(FIELDS)} \
        if tests else named
    return Tally(days, named, unfiltered, heat)


def board(digests: Digests, user: User, view: View) -> Board:
    """The dashboard: the view kept to its filters, the heatmap's weeks, goal and streak."""
    heat_first = view.last - timedelta(days=HEAT_DAYS - 1)
    found = tally(digests, user, view, view.filters, heat_first)
    choices = {f: [n for n, _ in found.unfiltered[lst]] for f, (lst, _) in FILTERS.items()}
    today = today_of(user)
    recent = {date.fromordinal(d): s for d, s in digests.reports.history.daily(
        user, today - timedelta(days=STREAK_DAYS), today).items()}
    goal = (user.daily_goal_minutes or 0) * 60.0
    return Board(view, found.total, found.days, {k: found.lists[k] for k in LISTS}, choices,
                 found.heat, heat_first, goal, recent.get(today, 0.0),
                 streak(recent, today, goal))


def _ranked(acc: dict[str, float], list_name: str) -> list[tuple[str, float]]:
    """Names largest first, without empty ones (and sites without "not browsing")."""
    return sorted(((n, s) for n, s in acc.items() if s > 0
                   and not (list_name == "sites" and n == UNKNOWN)),
                  key=lambda kv: (-kv[1], kv[0]))


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


def project_board(digests: Digests, user: User, view: View, name: str) -> ProjectBoard:
    """One project (as the projects list names it) over the view, with the view's other
    filters: its files, branches and languages."""
    found = tally(digests, user, view, {**view.filters, "project": name})
    return ProjectBoard(view, name, found.total, found.days,
                        {k: found.lists[k] for k in PROJECT_LISTS})
