"""The /account pages: keys, settings, the weekly email now, export, and the deletions (each
after a second, confirming step). A browser session only; every POST passes `server.csrf`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from server import csrf, emails
from server.account import erase, export, sessions, views
from server.account.login import FRAMELESS
from server.account.sessions import WebSession
from server.auth import create_key
from server.history import History, zone
from server.keys import MAX_KEYS
from server.models import ApiKey, User
from server.web import apply_settings


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status, headers=FRAMELESS)


def _keys(user: User) -> list[ApiKey]:
    return list(ApiKey.select().where(ApiKey.user == user.id).order_by(ApiKey.id))


def _page(session: WebSession, **kw: str | None) -> str:
    user = User.get_by_id(session.user.id)  # fresh: the settings may just have changed
    return views.account_page(user, _keys(user), csrf.field(session), **kw)


def _done(what: str) -> RedirectResponse:
    return RedirectResponse(f"/account?done={what}", status_code=303)


def _day(text: str, name: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, f"{name}: a date (YYYY-MM-DD)") from None
    if not 1970 <= day.year <= 2100:
        raise HTTPException(400, f"{name}: a date from 1970 to 2100")
    return day


def account_routes() -> APIRouter:
    router = APIRouter(prefix="/account", include_in_schema=False)

    async def posted(request: Request) -> tuple[WebSession, dict[str, str]]:
        form = await csrf.form_of(request)
        return await run_in_threadpool(csrf.check, request, form), form

    @router.get("", response_class=HTMLResponse)
    def account(request: Request, done: str | None = None) -> Response:
        session = sessions.of(request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        return _html(_page(session, done=done))

    @router.post("/settings")
    async def settings(request: Request) -> Response:
        session, form = await posted(request)

        def save() -> Response:
            try:
                apply_settings(session.user, views.form_settings(form))
            except (HTTPException, ValueError) as exc:
                detail = exc.detail if isinstance(exc, HTTPException) else str(exc)
                return _html(_page(session, error=f"Not saved: {detail}"), 400)
            User.update(badges_public="badges_public" in form).where(
                User.id == session.user.id).execute()
            return _done("settings")

        return await run_in_threadpool(save)

    @router.post("/keys")
    async def new_key(request: Request) -> Response:
        session, form = await posted(request)
        name = form.get("name", "").strip()
        state = request.app.state.tf

        def make() -> Response:
            if len(name) > 64 or not name.isprintable():
                return _html(_page(session, error="Key name: up to 64 printable characters"),
                             400)
            if ApiKey.select().where((ApiKey.user == session.user.id) &
                                     (ApiKey.revoked == False)).count() >= MAX_KEYS:  # noqa: E712
                return _html(_page(session, error=f"At most {MAX_KEYS} keys in use"), 409)
            key = create_key(state.db, session.user, name)
            return _html(_page(session, new_key=key))

        return await run_in_threadpool(make)

    @router.post("/keys/{key_id}/revoke")
    async def revoke(request: Request, key_id: int) -> Response:
        session, _ = await posted(request)
        done = await run_in_threadpool(
            ApiKey.update(revoked=True, revoked_at=time.time()).where(
                (ApiKey.id == key_id) & (ApiKey.user == session.user.id) &
                (ApiKey.revoked == False)).execute)  # noqa: E712
        if not done:
            raise HTTPException(404, "key: not found")
        request.app.state.tf.keys.forget()
        return _done("revoked")

    @router.post("/email")
    async def email_now(request: Request) -> Response:
        session, _ = await posted(request)
        state = request.app.state.tf
        user = await run_in_threadpool(User.get_by_id, session.user.id)
        if not user.email:
            return _html(await run_in_threadpool(
                lambda: _page(session, error="Set your email address first")), 400)
        if not state.config.smtp.host:
            return _html(await run_in_threadpool(
                lambda: _page(session, error="This server sends no email (no SMTP set)")), 503)
        yesterday = datetime.now(zone(user)).date() - timedelta(days=1)
        try:
            await run_in_threadpool(emails.send_weekly, state.config.smtp, state.reports, user,
                                    yesterday)
        except emails.EmailError as exc:
            why = f"Not sent: {exc}"
            return _html(await run_in_threadpool(lambda: _page(session, error=why)), 502)
        return _done("emailed")

    def exported(request: Request, body: Callable[[History, User], Iterator[Any]], media: str,
                 name: str) -> Response:
        session = sessions.of(request)
        if session is None:
            raise HTTPException(401, "sign in first")
        stamp = datetime.now(zone(session.user)).strftime("%Y%m%d")
        disposition = f'attachment; filename="timeforged-{stamp}{name}"'
        return StreamingResponse(body(request.app.state.tf.history, session.user),
                                 media_type=media,
                                 headers={"Cache-Control": "no-store",
                                          "Content-Disposition": disposition})

    @router.get("/export.json")
    def export_json(request: Request) -> Response:
        return exported(request, export.as_json, "application/json", ".json")

    @router.get("/export-{kind}.csv")
    def export_csv(request: Request, kind: str) -> Response:
        if kind not in ("spans", "heartbeats"):
            raise HTTPException(404, "not found")
        return exported(request, lambda h, u: export.as_csv(h, u, kind), "text/csv",
                        f"-{kind}.csv")

    @router.post("/delete-days")
    async def delete_days(request: Request) -> Response:
        """First step: what the days hold, and a confirming form; second (`confirm=yes`):
        the deletion."""
        session, form = await posted(request)
        first, last = _day(form.get("first", ""), "first"), _day(form.get("last", ""), "last")
        if last < first:
            raise HTTPException(400, "last: before first")
        state = request.app.state.tf
        if form.get("confirm") != "yes":
            total = await run_in_threadpool(
                lambda: state.reports.summary(session.user, first, last).total)
            return _html(views.confirm_days(session.user, first, last, total,
                                            csrf.field(session)))
        await run_in_threadpool(erase.delete_days, state.history, session.user, first, last)
        state.live.changed([session.user.id])
        return _done("deleted")

    @router.post("/delete")
    async def delete_account(request: Request) -> Response:
        """First step: a page asking for the user's name; second: the deletion, when the
        typed name is theirs."""
        session, form = await posted(request)
        if "name" not in form:
            return _html(views.confirm_account(session.user, csrf.field(session)))
        if form["name"].strip() != session.user.name:
            return _html(views.confirm_account(session.user, csrf.field(session), True), 400)
        await run_in_threadpool(erase.delete_account, request.app.state.tf, session.user)
        response = RedirectResponse("/", status_code=303)
        sessions.clear_cookie(response, request)
        return response

    return router
