"""``GET /api/v1/summary``: the name the design documents give the summaries (seed 004, "User
Dashboard: retrieves coding activity summary, supports various time ranges"); the same body
as ``/api/v1/users/current/summaries`` for the same range, from the same code."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from server.errors import BAD_INPUT
from server.models import User
from server.reports import Reports
from server.wakatime_read import summaries_body


def summary_routes(reports: Reports, signed_in: Callable[[Request], Awaitable[User]]
                   ) -> APIRouter:
    router = APIRouter(tags=["wakatime"])

    @router.get("/api/v1/summary", responses=BAD_INPUT)
    def summary(user: Annotated[User, Depends(signed_in)],
                named: str | None = Query(None, alias="range", max_length=64),
                start: str | None = Query(None, max_length=64),
                end: str | None = Query(None, max_length=64),
                project: str | None = Query(None, max_length=4096)) -> dict[str, Any]:
        """The signed-in user's summaries over `range` (Today, Last 7 Days, last_30_days,
        This Month...) or `start`..`end`."""
        return summaries_body(reports, user, named, start, end, project)

    return router
