"""`/dashboard` and `/dashboard/project/{name}`: the signed-in user's own (the session
cookie of the page at `/`; nobody signed in is sent there to log in)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from desktop.engine.api import shapes
from server import csrf
from server.account import sessions
from server.commits import commit_times
from server.dashboard import pages
from server.dashboard.digests import Digests
from server.dashboard.queries import ViewError, board, project_board, today_of, view_of
from server.dashboard.template import Viewer
from server.history import zone
from server.models import User
from server.reports import Reports

PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin",
           "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": "default-src 'none'; script-src 'self'; "
                                      "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                                      "form-action 'self'; frame-ancestors 'none'; "
                                      "base-uri 'none'"}
STATIC = Path(__file__).parent / "static"
# What /dashboard/static/ serves (vendored by scripts/vendor-web.sh, and the page's script).
FILES = {"dashboard.js": "text/javascript", "uplot/uPlot.iife.min.js": "text/javascript",
         "uplot/uPlot.min.css": "text/css", "uplot/LICENSE": "text/plain",
         "uplot/VENDORED.txt": "text/plain"}


def dashboard_routes(reports: Reports, digests: Digests) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def render(request: Request, make: Callable[[User, Any, Viewer], str]) -> Response:
        session = sessions.of(request)
        if session is None:
            return RedirectResponse("/", status_code=303)
        user = session.user
        viewer = Viewer(user.name, csrf.field(session))
        try:
            view = view_of(request.query_params, today_of(user))
        except ViewError as exc:
            return HTMLResponse(pages.error(str(exc), viewer), 400, headers=PRIVATE)
        return HTMLResponse(make(user, view, viewer), headers=PRIVATE)

    @router.get("/dashboard")
    async def dashboard(request: Request) -> Response:
        return await run_in_threadpool(render, request, lambda user, view, viewer: pages.dashboard(
            board(digests, user, view), viewer))

    @router.get("/dashboard/project/{name:path}")
    async def project(request: Request, name: str) -> Response:
        def make(user: User, view: Any, viewer: Viewer) -> str:
            tz = zone(user)
            lo = shapes.midnight(view.first, tz).timestamp()
            hi = shapes.midnight(view.last + timedelta(days=1), tz).timestamp()
            return pages.project(project_board(digests, user, view, name),
                                 commit_times(reports, user, lo, hi, name), viewer)

        return await run_in_threadpool(render, request, make)

    @router.get("/dashboard/static/{name:path}")
    def static(name: str) -> Response:
        if name not in FILES:
            raise HTTPException(404, "not found")
        return FileResponse(STATIC / name, media_type=FILES[name],
                            headers={"Cache-Control": "public, max-age=3600",
                                     "X-Content-Type-Options": "nosniff"})

    return router
