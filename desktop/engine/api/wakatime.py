"""WakaTime's endpoints: heartbeats in, today's time and daily summaries out.

Every WakaTime plugin works once ``api_url`` in ~/.wakatime.cfg points here
(``timeforged setup-editors`` does that). The shapes follow WakaTime's API v1 docs.
"""

from __future__ import annotations

import platform
import socket
from datetime import date, datetime, timedelta
from typing import Any

from desktop.engine.api.routes import ApiError, Request, Response, route
from desktop.engine.heartbeats import Heartbeat, HeartbeatError, parse_heartbeat, parse_heartbeats

PREFIX = "/api/v1/users/current"
MAX_BULK = 1000
MAX_SUMMARY_DAYS = 400
# WakaTime's lists in a summary, and our dimension each comes from.
SUMMARY_LISTS = {"categories": "category", "projects": "project", "languages": "language",
                 "editors": "editor", "branches": "branch", "entities": "file"}


# -- heartbeats in -------------------------------------------------------------------------------


def _echo(beat: Heartbeat, span_id: str | None) -> dict[str, Any]:
    return {"data": {**beat.to_dict(), "id": span_id}}


def _span_ids(request: Request, beats: list[Heartbeat]) -> tuple[list[int], list[str | None]]:
    """Store `beats` (on disk before this returns); per heartbeat its status (201 stored, 202
    sent before) and the id of the span it went into."""
    recorded = request.api.record(beats)
    return [201 if new else 202 for new in recorded.new], recorded.span_ids


def _bulk(request: Request, items: Any) -> Response:
    try:
        parsed = parse_heartbeats(items, user_agent=request.user_agent, limit=MAX_BULK)
    except HeartbeatError as exc:
        raise ApiError(400, str(exc), field=exc.field) from None
    good = [p for p in parsed if isinstance(p, Heartbeat)]
    statuses, ids = _span_ids(request, good) if good else ([], [])
    responses: list[list[Any]] = []
    done = iter(zip(good, statuses, ids, strict=True))
    for item in parsed:
        if isinstance(item, HeartbeatError):
            responses.append([{"error": str(item), "field": item.field}, 400])
        else:
            beat, status, span_id = next(done)
            responses.append([_echo(beat, span_id), status])
    if parsed and not good:  # nothing acceptable: say so with a 400, naming the first field
        first = parsed[0]
        assert isinstance(first, HeartbeatError)
        return Response.json({"error": str(first), "field": first.field,
                              "responses": responses}, status=400)
    return Response.json({"responses": responses}, status=201 if good or not parsed else 202)


@route("POST", f"{PREFIX}/heartbeats.bulk")
@route("POST", "/api/v1")  # wakatime<14 posts its bulk to api_url itself
def heartbeats_bulk(request: Request) -> Response:
    return _bulk(request, request.json())


@route("POST", f"{PREFIX}/heartbeats")
def heartbeat(request: Request) -> Response:
    body = request.json()
    if isinstance(body, list):  # some clients send their batch here
        return _bulk(request, body)
    try:
        beat = parse_heartbeat(body, user_agent=request.user_agent)
    except HeartbeatError as exc:
        raise ApiError(400, str(exc), field=exc.field) from None
    statuses, ids = _span_ids(request, [beat])
    return Response.json(_echo(beat, ids[0]), status=statuses[0])


# -- time out ------------------------------------------------------------------------------------


def duration_parts(seconds: float) -> dict[str, Any]:
    """WakaTime's ways of saying a duration."""
    whole = int(seconds)
    hours, minutes, secs = whole // 3600, whole % 3600 // 60, whole % 60
    if whole < 60:
        text = f"{secs} sec{'s' if secs != 1 else ''}"
    else:
        text = " ".join(part for part in (
            f"{hours} hr{'s' if hours != 1 else ''}" if hours else "",
            f"{minutes} min{'s' if minutes != 1 else ''}" if minutes or not hours else "") if part)
    return {"total_seconds": round(seconds, 3), "text": text, "digital": f"{hours}:{minutes:02d}",
            "decimal": f"{seconds / 3600:.2f}", "hours": hours, "minutes": minutes,
            "seconds": secs}


def _items(summary: Any, total: float, title: bool = False) -> list[dict[str, Any]]:
    out = []
    for item in summary.items:
        name = str(item.name)
        out.append({"name": name[:1].upper() + name[1:] if title else name,
                    **duration_parts(item.seconds),
                    "percent": round(100 * item.seconds / total, 2) if total else 0.0})
    return out


def _day(request: Request, day: date, tz: Any, text: str, filters: dict[str, str]
         ) -> dict[str, Any]:
    """One day in WakaTime's summary shape."""
    analytics = request.engine.analytics
    start = datetime.combine(day, datetime.min.time(), tz)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz)
    lists: dict[str, Any] = {}
    total = 0.0
    for name, dimension in SUMMARY_LISTS.items():
        summary = analytics.summary(start, end, by=dimension, filters=filters or None)
        total = summary.total_seconds
        lists[name] = _items(summary, total, title=name == "categories")
    whole = [{"name": name, **duration_parts(total), "percent": 100.0 if total else 0.0}
             ] if total else []
    return {
        "grand_total": duration_parts(total),
        **lists,
        "dependencies": [],
        "operating_systems": [dict(w, name=platform.system() or "Unknown") for w in whole],
        "machines": [dict(w, name=socket.gethostname(), machine_name_id=request.engine.store.device)
                     for w in whole],
        "range": {"date": day.isoformat(), "start": start.isoformat(), "end": end.isoformat(),
                  "text": text, "timezone": str(tz)},
    }


def _zone(request: Request) -> Any:
    name = request.query.get("timezone")
    if name:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ApiError(400, f"timezone: unknown time zone {name!r}",
                           field="timezone") from None
    return request.engine.config.zone()


@route("GET", f"{PREFIX}/statusbar/today")
def statusbar_today(request: Request) -> Response:
    tz = _zone(request)
    today = datetime.now(tz).date()
    day = _day(request, today, tz, "Today", {})
    return Response.json({"data": day, "cached_at": datetime.now(tz).isoformat(),
                          "has_team_features": False})


RANGES = {
    "today": (0, 0), "yesterday": (1, 1), "last 7 days": (6, 0),
    "last 7 days from yesterday": (7, 1), "last 14 days": (13, 0), "last 30 days": (29, 0),
}


def _date(request: Request, name: str, today: date) -> date:
    value = request.query.get(name, "").strip()
    if value.lower() in ("today", ""):
        return today
    if value.lower() == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ApiError(400, f"{name}: expected YYYY-MM-DD, got {value[:40]!r}",
                       field=name) from None


def _range(request: Request, today: date) -> tuple[date, date, str | None]:
    named = request.query.get("range")
    if named:
        key = named.strip().lower()
        if key in RANGES:
            back, until = RANGES[key]
            return today - timedelta(days=back), today - timedelta(days=until), named
        monday = today - timedelta(days=today.weekday())
        first = today.replace(day=1)
        previous_month_end = first - timedelta(days=1)
        calendar = {"this week": (monday, today),
                    "last week": (monday - timedelta(days=7), monday - timedelta(days=1)),
                    "this month": (first, today),
                    "last month": (previous_month_end.replace(day=1), previous_month_end)}
        if key not in calendar:
            raise ApiError(400, f"range: unknown range {named!r}", field="range")
        return (*calendar[key], named)
    if "start" not in request.query or "end" not in request.query:
        raise ApiError(400, "start: start and end (YYYY-MM-DD) or range are required",
                       field="start")
    return _date(request, "start", today), _date(request, "end", today), None


@route("GET", f"{PREFIX}/summaries")
def summaries(request: Request) -> Response:
    tz = _zone(request)
    today = datetime.now(tz).date()
    first, last, named = _range(request, today)
    if last < first:
        raise ApiError(400, "end: before start", field="end")
    days = (last - first).days + 1
    if days > MAX_SUMMARY_DAYS:
        raise ApiError(400, f"end: at most {MAX_SUMMARY_DAYS} days at once", field="end")
    filters = {}
    if request.query.get("project"):
        filters["project"] = request.query["project"]
    if request.query.get("branches"):
        filters["branch"] = request.query["branches"].split(",")[0]
    data = []
    for i in range(days):
        day = first + timedelta(days=i)
        text = "Today" if day == today else "Yesterday" if day == today - timedelta(days=1) \
            else day.strftime("%a %b %-d")
        data.append(_day(request, day, tz, text, filters))
    total = sum(d["grand_total"]["total_seconds"] for d in data)
    return Response.json({
        "data": data,
        "cumulative_total": {"seconds": round(total, 3), **{k: v for k, v in duration_parts(
            total).items() if k in ("text", "decimal", "digital")}},
        "daily_average": {"seconds": round(total / days, 3), "days_including_holidays": days,
                          "text": duration_parts(total / days)["text"]},
        "start": datetime.combine(first, datetime.min.time(), tz).isoformat(),
        "end": datetime.combine(last + timedelta(days=1), datetime.min.time(), tz).isoformat(),
        **({"range": named} if named else {}),
    })


@route("GET", "/today")
def today_text(request: Request) -> Response:
    """One line, for shell prompts and status bars: "2 hrs 5 mins coding, 12 mins browsing"."""
    tz = request.engine.config.zone()
    day = _day(request, datetime.now(tz).date(), tz, "Today", {})
    parts = [f"{c['text']} {c['name'].lower()}" for c in day["categories"]]
    line = ", ".join(parts) if len(parts) > 1 else day["grand_total"]["text"]
    return Response.text(line + "\n")
