"""The routers of teams, boards, the user's own keys and `/api/v1/summary`, hooked into the
app by `server.app` in one place."""

from __future__ import annotations

from fastapi import APIRouter

from server.keys import key_routes
from server.reports import Reports
from server.signin import Session, Verify, signed_in
from server.summary_alias import summary_routes
from server.team_web import team_web_routes
from server.teams import global_routes, team_routes


def routers(reports: Reports, caller: Verify, session_user: Session) -> list[APIRouter]:
    me = signed_in(caller, session_user)
    return [team_routes(me), global_routes(), key_routes(me), summary_routes(reports, me),
            team_web_routes(session_user)]
