"""WakaTime's read API on the server: what dashboards, status bars, `wakatime-cli --today`
and README cards ask for, from the day rollups (`Reports`), shaped by
`desktop.engine.api.shapes` like the local API's.

``/api/v1/users/{user}/...``: `user` is ``current`` or the key owner's name; any other name
is answered 404 (nobody reads another user's data). One exception: ``stats/{range}`` of a user
whose `public_stats` setting is on is readable by anyone, without a key (README cards), less
the machines' names.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from desktop.engine.api import shapes
from server.auth import Caller, key_from_header
from server.errors import BAD_INPUT, parse_json, printable
from server.history import zone
from server.models import User
from server.reports import Reports, user_uuid

log = logging.getLogger("timeforged.server")
USERS = "/api/v1/users/{user}"
MAX_ERROR_BODY = 64 * 1024


def _bad_range(exc: shapes.RangeError) -> HTTPException:
    return HTTPException(400, str(exc))


def summaries_body(reports: Reports, user: User, named: str | None, start: str | None,
                   end: str | None, project: str | None = None, branches: str | None = None,
                   device: str | None = None, **filters: str | None) -> dict[str, Any]:
    """WakaTime's summaries of `user` over `range` or `start`..`end` (also /api/v1/summary);
    `filters`: Wakapi's language, editor, os and machine (by name), as the dashboard's."""
    today = datetime.now(zone(user)).date()
    try:
        first, last = shapes.summary_range(named, start, end, today)
    except shapes.RangeError as exc:
        raise _bad_range(exc) from None
    report = reports.kept(reports.report(user, first, last, device), {
        **filters, "project": project, "branch": branches.split(",")[0] if branches else None})
    days = [reports.wakatime_day(report, first + timedelta(days=i),
                                 shapes.day_text(first + timedelta(days=i), today))
            for i in range((last - first).days + 1)]
    body = shapes.summaries(days, first, last, zone(user))
    if named:
        body["range"] = named
    return body


def read_routes(reports: Reports, caller: Callable[[Request], Awaitable[Caller]],
                admit_public: Callable[[User], None]) -> APIRouter:
    """The routes; `caller` verifies the request's key (401/429), `admit_public` rate-limits
    a keyless read of a public profile."""
    router = APIRouter(tags=["wakatime"])

    async def owner(request: Request, user: str) -> User:
        who = await caller(request)
        if user not in ("current", who.user.name):
            raise HTTPException(404, "user: not found (a key reads its own user's data only)")
        # fresh: the key cache may hold the user as they were before a settings change
        return await run_in_threadpool(User.get_by_id, who.user.id)

    Owner = Annotated[User, Depends(owner)]

    def today_of(user: User) -> Any:
        return datetime.now(zone(user)).date()

    @router.get(USERS)
    def current_user(user: Owner) -> dict[str, Any]:
        last, project = reports.last_seen(user)
        return {"data": shapes.user(uid=user_uuid(user), username=user.name,
                                    full_name=user.name, email=user.email, tz=zone(user),
                                    created=user.created, last_heartbeat=last,
                                    last_project=project)}

    @router.get(f"{USERS}/summaries", responses=BAD_INPUT)
    def summaries(user: Owner, start: str | None = Query(None, max_length=64),
                  end: str | None = Query(None, max_length=64),
                  named: str | None = Query(None, alias="range", max_length=64),
                  project: str | None = Query(None, max_length=4096),
                  branches: str | None = Query(None, max_length=4096),
                  device: str | None = Query(None, max_length=64),
                  language: str | None = Query(None, max_length=4096),
                  editor: str | None = Query(None, max_length=4096),
                  operating_system: str | None = Query(None, max_length=4096),
                  machine: str | None = Query(None, max_length=4096)) -> dict[str, Any]:
        """Also filtered, as Wakapi's: language, editor, operating_system, machine (name)."""
        return summaries_body(reports, user, named, start, end, project, branches, device,
                              language=language, editor=editor, os=operating_system,
                              machine=machine)

    def stats_of(user: User, name: str, device: str | None, mine: bool) -> dict[str, Any]:
        try:
            span = shapes.stats_range(name, today_of(user), reports.first_day(user))
        except shapes.RangeError as exc:
            raise _bad_range(exc) from None
        summary = reports.summary(user, span.first, span.last, device)
        return {"data": reports.wakatime_stats(summary, span, owner=mine)}

    @router.get(f"{USERS}/stats", responses=BAD_INPUT)
    @router.get(f"{USERS}/stats/{{name}}", responses=BAD_INPUT)
    async def stats(request: Request, user: str, name: str = "last_7_days",
                    device: str | None = Query(None, max_length=64)) -> dict[str, Any]:
        key = key_from_header(request.headers.get("authorization")) or \
            request.query_params.get("api_key")
        if key is not None:
            who = await caller(request)
            if user in ("current", who.user.name):
                mine = await run_in_threadpool(User.get_by_id, who.user.id)
                return await run_in_threadpool(stats_of, mine, name, device, True)
        elif user == "current":
            await caller(request)  # 401: who is "current" without a key?
        found = await run_in_threadpool(
            lambda: User.get_or_none((User.name == user) & (User.public_stats == True)))  # noqa: E712
        if found is None:
            raise HTTPException(404, "user: not found, or their stats are not public")
        admit_public(found)
        return await run_in_threadpool(stats_of, found, name, device, False)

    @router.get(f"{USERS}/statusbar/today")
    @router.get(f"{USERS}/status_bar/today")
    def statusbar(user: Owner) -> dict[str, Any]:
        today = today_of(user)
        report = reports.report(user, today, today)
        return {"data": reports.wakatime_day(report, today, "Today"),
                "cached_at": datetime.now(zone(user)).isoformat(), "has_team_features": False}

    @router.get(f"{USERS}/all_time_since_today")
    def all_time_since_today(user: Owner, project: str | None = Query(None, max_length=4096)
                             ) -> dict[str, Any]:
        today = today_of(user)
        first = reports.first_day(user) or today
        summary = reports.summary(user, first, today)
        total = summary.total if not project else \
            dict(reports.named(user, summary.keys, "project")).get(project, 0.0)
        return {"data": shapes.all_time(total, first, today, zone(user))}

    @router.get(f"{USERS}/durations", responses=BAD_INPUT)
    def durations(user: Owner, day: str | None = Query(None, alias="date", max_length=40),
                  project: str | None = Query(None, max_length=4096),
                  branches: str | None = Query(None, max_length=4096),
                  slice_by: str = Query("project", max_length=32)) -> dict[str, Any]:
        try:
            when = shapes.parse_day(day, "date", today_of(user))
        except shapes.RangeError as exc:
            raise _bad_range(exc) from None
        if slice_by not in shapes.SLICES:
            raise HTTPException(400, f"slice_by: one of {', '.join(shapes.SLICES)} "
                                "(dependencies are not kept)")
        wanted = {b for b in (branches or "").split(",") if b}
        return reports.durations(user, when, slice_by, project, wanted)

    @router.get(f"{USERS}/projects")
    def projects(user: Owner, q: str | None = Query(None, max_length=256)) -> dict[str, Any]:
        return {"data": reports.projects(user, q or "")}

    @router.get(f"{USERS}/goals")
    def goals(user: Owner) -> dict[str, Any]:
        found = reports.goal(user)
        data = [found] if found else []
        return {"data": data, "total": len(data), "total_pages": 1}

    @router.get(f"{USERS}/goals/{{goal_id}}")
    def goal(user: Owner, goal_id: str) -> dict[str, Any]:
        found = reports.goal(user)
        if found is None or found["id"] != goal_id:
            raise HTTPException(404, "goal: not found")
        return {"data": found, "cached_at": datetime.now(zone(user)).isoformat()}

    @router.post(f"{USERS}/plugins/errors", status_code=201, responses=BAD_INPUT)
    async def plugin_errors(request: Request, user: Owner) -> Response:
        """wakatime-cli's diagnostics (a crash, its logs): logged, not kept."""
        raw = await request.body()
        if len(raw) > MAX_ERROR_BODY:
            raise HTTPException(413, f"body: larger than {MAX_ERROR_BODY} bytes")
        try:
            body = parse_json(raw)
        except ValueError:
            raise HTTPException(400, "body: malformed JSON") from None
        if not isinstance(body, dict):
            raise HTTPException(400, "body: expected a JSON object")
        log.info("plugin error", extra={"user": user.name, **{
            k: printable(str(body.get(k))[:2000]) for k in ("plugin", "cli_version", "platform",
                                                 "architecture", "is_panic", "error_message")
            if k in body}})
        return Response(b"{}", status_code=201, media_type="application/json")

    return router
