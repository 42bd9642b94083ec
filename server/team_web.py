"""The server-rendered team pages: a team's board for its members (the session cookie of the
page at `/`), and the page an invitation link opens. Everything shown is escaped."""

from __future__ import annotations

from html import escape as e
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from desktop.engine.api.shapes import duration_parts
from server import csrf
from server.account import sessions
from server.signin import Session
from server.team_models import Team
from server.teams import board_of, join, membership
from server.web import STYLE


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}"
                        f" - TimeForged</title><style>{STYLE}</style></head><body>"
                        f"<p><a href='/'>TimeForged</a></p>{body}</body></html>")


def _rows(rows: list[dict[str, Any]]) -> str:
    return "".join(f"<tr><td>{r['rank']}</td><td>{e(str(r['user']))}</td>"
                   f"<td>{e(duration_parts(r['total_seconds'])['text'])}</td></tr>"
                   for r in rows) or "<tr><td colspan=3>nobody on this board yet</td></tr>"


def team_page(team: Team, board: dict[str, Any], on_board: bool) -> str:
    langs = " ".join(f"<a href='/teams/{team.id}?language={quote(n)}'>{e(n)}</a>"
                     for n in board["languages"])
    which = f": {e(board['language'])}" if board["language"] else ""
    you = "You are on this board." if on_board else \
        "You are not on this board (opt in: POST /api/v1/teams/{id}/me)."
    return (f"<h1>{e(team.name)}{which}</h1><p>{e(board['week'])}, team total "
            f"{e(duration_parts(board['total_seconds'])['text'])} "
            f"({board['members']} on the board). <a href='/teams/{team.id}'>overall</a> {langs}"
            f"</p><table><tr><th>#</th><th>who</th><th>time</th></tr>{_rows(board['data'])}"
            f"</table><p><small>{e(you.replace('{id}', str(team.id)))}</small></p>")


def team_web_routes(session_user: Session) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def viewer(request: Request) -> Any:
        return session_user(request.app.state.tf, request.cookies.get("tf_session"))

    @router.get("/teams/{team_id}", response_class=HTMLResponse)
    def team(request: Request, team_id: int, language: str | None = None) -> HTMLResponse:
        user = viewer(request)
        if user is None:
            raise HTTPException(404, "team: not found (log in at / first)")
        member = membership(user, team_id)
        found = Team.get_by_id(team_id)
        return _page(found.name, team_page(found, board_of(team_id, language), member.on_board))

    @router.get("/teams/join/{token}", response_class=HTMLResponse)
    def invitation(request: Request, token: str) -> HTMLResponse:
        session = sessions.of(request)
        if session is None:
            return _page("Invitation", "<h1>An invitation to a team</h1><p>Log in on the "
                         "<a href='/'>home page</a> with your API key, then open this link "
                         "again.</p>")
        return _page("Invitation", f"<h1>An invitation to a team</h1><form method='post' "
                     f"action='/teams/join/{e(quote(token, safe=''), quote=True)}'>"
                     f"{csrf.field(session)}<button>Join the team</button></form>")

    @router.post("/teams/join/{token}")
    async def accept(request: Request, token: str) -> RedirectResponse:
        form = await csrf.form_of(request)
        session = await run_in_threadpool(csrf.check, request, form)
        found, _ = await run_in_threadpool(join, session.user, token)
        return RedirectResponse(f"/teams/{found.id}", status_code=303)

    return router
