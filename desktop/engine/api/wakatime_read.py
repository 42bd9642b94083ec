"""WakaTime's read API on the local API: what dashboards, status bars, `wakatime-cli --today`
and README cards ask for, counted by the engine's analytics and shaped by `shapes`.

`users/<name>/...` is `users/current/...` when <name> is the local user's login name
(`canonical_path`); any other name is not served.
"""

from __future__ import annotations

import getpass
import json
import logging
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from desktop.engine.api import shapes
from desktop.engine.api.routes import ApiError, Request, Response, route
from desktop.engine.digests import uuid5

log = logging.getLogger(__name__)

PREFIX = "/api/v1/users/current"
USERS = "/api/v1/users/"
MAX_ERROR_BODY = 64 * 1024


def local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


def canonical_path(path: str) -> str:
    """``/api/v1/users/<local user>/...`` as ``/api/v1/users/current/...``."""
    if not path.startswith(USERS):
        return path
    name, slash, rest = path[len(USERS):].partition("/")
    return f"{USERS}current{slash}{rest}" if name == local_user() else path


def _full_name(username: str) -> str:
    try:
        import pwd

        return pwd.getpwnam(username).pw_gecos.split(",")[0].strip() or username
    except (ImportError, KeyError):
        return username


def _range_error(exc: shapes.RangeError) -> ApiError:
    return ApiError(400, str(exc), field=exc.field)


class Reader:
    """One request's view of the engine's history, in WakaTime's terms."""

    def __init__(self, request: Request, tz: tzinfo | None = None) -> None:
        self.engine = request.engine
        self.analytics = request.engine.analytics
        self.tz = tz or request.engine.config.zone()
        self.device = request.engine.store.device
        self._names: dict[str, str] | None = None

    @property
    def today(self) -> date:
        return datetime.now(self.tz).date()

    def device_names(self) -> dict[str, str]:
        if self._names is None:
            self._names = self.engine.device_names()
        return self._names

    def os_of(self, device: str) -> str:
        """Spans keep no OS: this machine's for its own, unknown for imported and synced."""
        return shapes.system_os() if device == self.device else shapes.UNKNOWN_OS

    def lists(self, first: date, last: date, filters: dict[str, str] | None = None
              ) -> tuple[dict[str, list[tuple[str, float]]], float, dict[str, Any]]:
        """Seconds by name for each WakaTime list over local days first..last, the total, and
        the machines' ids."""
        start = shapes.midnight(first, self.tz)
        end = shapes.midnight(last + timedelta(days=1), self.tz)
        lists: dict[str, list[tuple[str, float]]] = {}
        total = 0.0
        for name, dim in shapes.DIMENSIONS.items():
            summary = self.analytics.summary(start, end, by=dim, filters=filters or None)
            total = summary.total_seconds
            lists[name] = [(item.name, item.seconds) for item in summary.items]
        devices = lists.pop("machines")
        names = self.device_names()
        lists["machines"] = [(names.get(d, d), s) for d, s in devices]
        lists["operating_systems"] = [(self.os_of(d), s) for d, s in devices]
        extra = {"machines": {names.get(d, d): {"machine_name_id": d} for d, _ in devices}}
        return lists, total, extra

    def day(self, day: date, filters: dict[str, str] | None = None) -> dict[str, Any]:
        lists, total, extra = self.lists(day, day, filters)
        return shapes.summary_day(lists, total, day, self.tz, shapes.day_text(day, self.today),
                                  extra)

    def first_day(self) -> date | None:
        first = self.engine.store.first_start()
        return None if first is None else datetime.fromtimestamp(first, self.tz).date()

    def daily(self, first: date, last: date) -> dict[date, float]:
        return {d: v.get("total", 0.0) for d, v in self.analytics.daily(first, last).items()}

    def pieces(self, day: date) -> list[Any]:
        start = shapes.midnight(day, self.tz)
        return self.analytics.timeline(start, shapes.midnight(day + timedelta(days=1), self.tz))

    @staticmethod
    def project_of(entry: Any) -> str:
        name = entry.classification.project or entry.span.project or shapes.UNKNOWN
        return shapes.display_name("projects", name)

    def slicer(self, slice_by: str) -> Callable[[Any], str]:
        """A timeline entry's value along WakaTime's durations ?slice_by=."""
        names = self.device_names()
        by: dict[str, Callable[[Any], str]] = {
            "project": self.project_of,
            "entity": lambda e: shapes.display_name(
                "entities", e.span.file or e.span.site or e.span.app or shapes.UNKNOWN),
            "language": lambda e: shapes.display_name("languages",
                                                      e.span.language or shapes.UNKNOWN),
            "editor": lambda e: shapes.display_name("editors", e.span.editor or shapes.UNKNOWN),
            "category": lambda e: shapes.category_name(e.classification.category),
            "branch": lambda e: shapes.display_name("branches", e.span.branch or shapes.UNKNOWN),
            "machine": lambda e: names.get(e.span.device, e.span.device),
            "os": lambda e: self.os_of(e.span.device),
        }
        return by[slice_by]


def _zone(request: Request) -> tzinfo:
    name = request.query.get("timezone")
    if not name:
        return request.engine.config.zone()
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ApiError(400, f"timezone: unknown time zone {name[:64]!r}",
                       field="timezone") from None


def _filters(request: Request) -> dict[str, str]:
    filters = {}
    if request.query.get("project"):
        filters["project"] = shapes.our_name("projects", request.query["project"])
    if request.query.get("branches"):
        filters["branch"] = shapes.our_name("branches", request.query["branches"].split(",")[0])
    return filters


def _last_seen(reader: Reader) -> tuple[float | None, str | None]:
    """When the latest time ended, and its project."""
    first = reader.first_day()
    if first is None:
        return None, None
    days = [d for d, s in reader.daily(first, reader.today).items() if s > 0]
    pieces = reader.pieces(max(days)) if days else []
    if not pieces:
        return None, None
    return pieces[-1].end.timestamp(), reader.project_of(pieces[-1])


# -- routes ----------------------------------------------------------------------------------


@route("GET", PREFIX)
def current_user(request: Request) -> Response:
    reader = Reader(request)
    name = local_user()
    last, project = _last_seen(reader)
    return Response.json({"data": shapes.user(
        uid=str(uuid5(shapes.NAMESPACE, f"device:{reader.device}")), username=name,
        full_name=_full_name(name), email=None, tz=reader.tz,
        created=request.engine.store.first_start(), last_heartbeat=last, last_project=project)})


@route("GET", f"{PREFIX}/summaries")
def summaries(request: Request) -> Response:
    reader = Reader(request, _zone(request))
    try:
        first, last = shapes.summary_range(request.query.get("range"),
                                           request.query.get("start"),
                                           request.query.get("end"), reader.today)
    except shapes.RangeError as exc:
        raise _range_error(exc) from None
    filters = _filters(request)
    days = [reader.day(first + timedelta(days=i), filters)
            for i in range((last - first).days + 1)]
    body = shapes.summaries(days, first, last, reader.tz)
    if request.query.get("range"):
        body["range"] = request.query["range"]
    return Response.json(body)


@route("GET", f"{PREFIX}/statusbar/today")
@route("GET", f"{PREFIX}/status_bar/today")
def statusbar_today(request: Request) -> Response:
    reader = Reader(request, _zone(request))
    return Response.json({"data": reader.day(reader.today),
                          "cached_at": datetime.now(reader.tz).isoformat(),
                          "has_team_features": False})


@route("GET", f"{PREFIX}/stats")
@route("GET", f"{PREFIX}/stats/{{range}}")
def stats(request: Request) -> Response:
    reader = Reader(request)
    name = request.path.rstrip("/").rpartition("/")[2]
    try:
        span = shapes.stats_range("last_7_days" if name == "stats" else name, reader.today,
                                  reader.first_day())
    except shapes.RangeError as exc:
        raise _range_error(exc) from None
    lists, total, extra = reader.lists(span.first, span.last)
    user = {"id": str(uuid5(shapes.NAMESPACE, f"device:{reader.device}")),
            "username": local_user()}
    return Response.json({"data": shapes.stats(lists, total, reader.daily(span.first, span.last),
                                               span, reader.tz, user, extra)})


@route("GET", f"{PREFIX}/all_time_since_today")
def all_time_since_today(request: Request) -> Response:
    reader = Reader(request)
    today = reader.today
    first = reader.first_day() or today
    filters = _filters(request)
    summary = reader.analytics.summary(shapes.midnight(first, reader.tz),
                                       shapes.midnight(today + timedelta(days=1), reader.tz),
                                       by="project", filters=filters or None)
    return Response.json({"data": shapes.all_time(summary.total_seconds, first, today,
                                                  reader.tz)})


@route("GET", f"{PREFIX}/durations")
def durations(request: Request) -> Response:
    reader = Reader(request, _zone(request))
    try:
        day = shapes.parse_day(request.query.get("date"), "date", reader.today)
    except shapes.RangeError as exc:
        raise _range_error(exc) from None
    slice_by = request.query.get("slice_by") or "project"
    if slice_by not in shapes.SLICES:
        raise ApiError(400, f"slice_by: one of {', '.join(shapes.SLICES)} (dependencies are "
                       f"not kept)", field="slice_by")
    entries = reader.pieces(day)
    project = request.query.get("project")
    branches = {b for b in (request.query.get("branches") or "").split(",") if b}
    kept = [e for e in entries if (not project or reader.project_of(e) == project)
            and (not branches or e.span.branch in branches)]
    value = reader.slicer(slice_by)
    data = shapes.merge_durations(((e.start.timestamp(), e.end.timestamp(),
                                    reader.project_of(e), value(e)) for e in kept), slice_by)
    return Response.json(shapes.durations(data, (e.span.branch for e in entries
                                                 if e.span.branch), day, reader.tz))


@route("GET", f"{PREFIX}/projects")
def projects(request: Request) -> Response:
    reader = Reader(request)
    first = reader.first_day()
    query = (request.query.get("q") or "").lower()
    seen: dict[str, list[date]] = {}
    if first is not None:
        for day, names in reader.analytics.daily(first, reader.today, by="project").items():
            for name, secs in names.items():
                shown = shapes.display_name("projects", name)
                if secs > 0 and query in shown.lower():
                    seen.setdefault(shown, []).append(day)
    edges: dict[date, dict[str, tuple[float, float]]] = {}

    def edge(name: str, day: date, last: bool) -> float | None:
        """When the project's time began (or ended) on `day`."""
        if day not in edges:
            found = edges[day] = {}
            for piece in reader.pieces(day):
                project = reader.project_of(piece)
                first = found.get(project, (piece.start.timestamp(), 0.0))[0]
                found[project] = (first, piece.end.timestamp())
        span = edges[day].get(name)
        return None if span is None else span[1] if last else span[0]

    now = time.time()
    data = [shapes.project(name, edge(name, min(days), False), edge(name, max(days), True),
                           reader.tz, now) for name, days in seen.items()]
    data.sort(key=lambda p: p["last_heartbeat_at"] or "", reverse=True)
    return Response.json({"data": data})


def _goal(reader: Reader) -> dict[str, Any] | None:
    goals = reader.engine.config.goals
    if not goals.daily_coding_minutes:
        return None
    today = reader.today
    first = today - timedelta(days=6)
    per_day = reader.analytics.daily(first, today, by="category")
    actual = {d: v.get(goals.category, 0.0) for d, v in per_day.items()}
    seconds = goals.daily_coding_minutes * 60.0
    name = local_user()
    return shapes.goal(goal_id=shapes.goal_id(f"device:{reader.device}"),
                       title=shapes.goal_title(seconds, goals.category), goal_seconds=seconds,
                       actual=actual, today=today, tz=reader.tz,
                       owner={"id": str(uuid5(shapes.NAMESPACE,
                                                      f"device:{reader.device}")),
                              "username": name, "display_name": name,
                              "full_name": _full_name(name), "email": None, "photo": None},
                       created=None, categories=[shapes.category_name(goals.category)])


@route("GET", f"{PREFIX}/goals")
def goals(request: Request) -> Response:
    found = _goal(Reader(request))
    data = [found] if found else []
    return Response.json({"data": data, "total": len(data), "total_pages": 1})


@route("GET", f"{PREFIX}/goals/{{id}}")
def goal(request: Request) -> Response:
    found = _goal(Reader(request))
    wanted = request.path.rstrip("/").rpartition("/")[2]
    if found is None or found["id"] != wanted:
        raise ApiError(404, f"goal {wanted[:64]!r}: no such goal")
    return Response.json({"data": found, "cached_at": datetime.now().astimezone().isoformat()})


@route("POST", f"{PREFIX}/plugins/errors")
def plugin_errors(request: Request) -> Response:
    """wakatime-cli's diagnostics (a crash, its logs): logged, not kept."""
    if len(request.body) > MAX_ERROR_BODY:
        raise ApiError(413, f"body: larger than {MAX_ERROR_BODY} bytes")
    body = request.json()
    if not isinstance(body, dict):
        raise ApiError(400, "body: expected a JSON object", field="body")
    log.info("plugin error: %s", json.dumps(
        {k: str(body.get(k))[:2000] for k in ("plugin", "cli_version", "platform",
                                              "architecture", "is_panic", "error_message")
         if k in body}))
    return Response.json({}, status=201)


@route("GET", "/today")
def today_text(request: Request) -> Response:
    """One line, for shell prompts and status bars: "2 hrs 5 mins coding, 12 mins browsing"."""
    reader = Reader(request)
    day = reader.day(reader.today)
    parts = [f"{c['text']} {c['name'].lower()}" for c in day["categories"]]
    line = ", ".join(parts) if len(parts) > 1 else day["grand_total"]["text"]
    return Response.text(line + "\n")

