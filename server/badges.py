"""README badges in shields.io's endpoint format (https://shields.io/badges/endpoint-badge):
``/api/badge/{user}`` (all the user's time), ``.../project/{name}``, ``.../language/{name}``,
over ``?range=`` (summaries' ranges, or all_time, the default). Only for users who opted in
(`badges_public`); anyone else, known or not, gets the same 404."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from desktop.engine.api.shapes import MAX_SUMMARY_DAYS, duration_parts
from server.errors import BAD_INPUT
from server.history import zone
from server.models import User
from server.reports import Reports
from server.wakatime_read import summaries_body

NOT_FOUND = "badge: not found"
ALL_TIME = "all_time"
COLOR = "#2457c5"


def _windows(first: date, last: date) -> list[tuple[date, date]]:
    """first..last in pieces summaries answer at once."""
    out = []
    while first <= last:
        end = min(last, first + timedelta(days=MAX_SUMMARY_DAYS - 1))
        out.append((first, end))
        first = end + timedelta(days=1)
    return out


def seconds(reports: Reports, user: User, named: str, project: str | None = None,
            language: str | None = None) -> float:
    """The time /summaries gives for the range (and project), or its days' `language`."""
    if named.strip().lower() in (ALL_TIME, "all time"):
        today = datetime.now(zone(user)).date()
        ranges = [(None, a.isoformat(), b.isoformat())
                  for a, b in _windows(reports.first_day(user) or today, today)]
    else:
        ranges = [(named, None, None)]
    total = 0.0
    for name, start, end in ranges:
        body = summaries_body(reports, user, name, start, end, project)
        if language is None:
            total += body["cumulative_total"]["seconds"]
        else:
            total += sum(item["total_seconds"] for day in body["data"]
                         for item in day["languages"] if item["name"] == language)
    return total


def badge_routes() -> APIRouter:
    router = APIRouter(prefix="/api/badge", tags=["badges"])

    def answer(request: Request, name: str, named: str, label: str, **which: str
               ) -> dict[str, Any]:
        state = request.app.state.tf
        user = User.get_or_none((User.name == name) & (User.badges_public == True))  # noqa: E712
        if user is None:
            raise HTTPException(404, NOT_FOUND)
        wait = state.limiter.take(-user.id)
        if wait:
            raise HTTPException(429, "rate limit exceeded",
                                headers={"Retry-After": str(int(wait))})
        secs = seconds(state.reports, user, named, **which)
        return {"schemaVersion": 1, "label": label,
                "message": duration_parts(secs)["text"] or "0 secs", "color": COLOR,
                "cacheSeconds": 300}

    Range = Query(ALL_TIME, alias="range", max_length=64)

    @router.get("/{user}", responses=BAD_INPUT)
    def total(request: Request, user: str, named: str = Range) -> dict[str, Any]:
        """All of `user`'s time over the range."""
        return answer(request, user, named, "time")

    @router.get("/{user}/project/{name:path}", responses=BAD_INPUT)
    def project(request: Request, user: str, name: str, named: str = Range) -> dict[str, Any]:
        return answer(request, user, named, name, project=name)

    @router.get("/{user}/language/{name:path}", responses=BAD_INPUT)
    def language(request: Request, user: str, name: str, named: str = Range
                 ) -> dict[str, Any]:
        return answer(request, user, named, name, language=name)

    return router
