"""Who is signed in: an API key (Bearer, WakaTime's Basic, ?api_key=) or, in a browser, the
session cookie of the page at `/` (HttpOnly, SameSite=Strict: another site's form cannot use
it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from server.auth import Caller, key_from_header
from server.models import User

Verify = Callable[[Request], Awaitable[Caller]]
Session = Callable[[Any, str | None], User | None]


def signed_in(caller: Verify, session_user: Session) -> Callable[[Request], Awaitable[User]]:
    """A dependency: the signed-in user, read afresh (401 when nobody is)."""

    async def user(request: Request) -> User:
        if key_from_header(request.headers.get("authorization")) or \
                "api_key" in request.query_params or "tf_session" not in request.cookies:
            who = await caller(request)
            return await run_in_threadpool(User.get_by_id, who.user.id)
        found = await run_in_threadpool(session_user, request.app.state.tf,
                                        request.cookies.get("tf_session"))
        if found is None:
            raise HTTPException(401, "sign in: an API key or the session cookie",
                                headers={"WWW-Authenticate": "Bearer"})
        return found

    return user
