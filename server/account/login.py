"""Sign in (an API key, or a name and the password an admin set) and out, in the browser."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from server import csrf
from server.account import passwords, sessions
from server.auth import RateLimiter
from server.web_base import page

FRAMELESS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY",
             "Content-Security-Policy": "frame-ancestors 'none'"}


def login_page(error: bool = False) -> str:
    wrong = "<p class='error' role='alert'>Wrong name, password or key.</p>" if error else ""
    return page("Sign in", f"<h1>Sign in</h1>{wrong}"
                "<section><h2>With your password</h2><form method='post' action='/login'>"
                "<label>Name <input type='text' name='name' autocomplete='username' required>"
                "</label><label>Password <input type='password' name='password' "
                "autocomplete='current-password' required></label><button>Sign in</button>"
                "</form></section><section><h2>With an API key</h2>"
                "<form method='post' action='/login'><label>API key <input type='password' "
                "name='key' autocomplete='off' required></label><button>Sign in</button>"
                "</form></section><p class='muted'>No password yet? An admin sets one with "
                "<code>timeforged-server user set-password NAME</code>.</p>")


def login_routes() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    guesses = RateLimiter(1 / 60, 10)  # password guesses per name, in this process

    @router.get("/login", response_class=HTMLResponse)
    def sign_in(error: str | None = None) -> HTMLResponse:
        return HTMLResponse(login_page(bool(error)), headers=FRAMELESS)

    @router.post("/login")
    async def login(request: Request) -> RedirectResponse:
        """A new session: by `key` (the form of `/`; failure goes back there) or by `name`
        and `password` (failure: the sign-in page)."""
        if not csrf.same_site(request):
            raise HTTPException(403, "cross-site request refused")
        form = await csrf.form_of(request)
        state = request.app.state.tf
        key_id = None
        if "key" in form:
            found = await run_in_threadpool(state.keys.verify, form["key"])
            user, failed = (found.user if found else None), "/?error=1"
            key_id = found.key_id if found else None
        else:
            name = form.get("name", "")
            wait = guesses.take(int(hashlib.sha256(name.strip().encode()).hexdigest()[:15], 16))
            if wait:
                raise HTTPException(429, "too many sign-in attempts for this name; retry later",
                                    headers={"Retry-After": str(int(wait))})
            user = await run_in_threadpool(passwords.check, state.db, name,
                                           form.get("password", ""))
            failed = "/login?error=1"
        if user is None:
            return RedirectResponse(failed, status_code=303)
        cookie = await run_in_threadpool(sessions.start, state, user, key_id)
        response = RedirectResponse("/", status_code=303)
        sessions.set_cookie(response, request, cookie)
        return response

    @router.post("/logout")
    async def logout(request: Request) -> RedirectResponse:
        """Ends the session on the server (the cookie no longer works anywhere)."""
        form = await csrf.form_of(request)
        response = RedirectResponse("/", status_code=303)
        if await run_in_threadpool(sessions.of, request) is not None:
            session = await run_in_threadpool(csrf.check, request, form)
            await run_in_threadpool(sessions.end, request.app.state.tf, session)
        sessions.clear_cookie(response, request)
        return response

    return router
