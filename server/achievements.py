"""Achievements synced from the desktop (desktop.engine.achievements): a user's earned ones,
stored per key (a push is idempotent: the same list again changes nothing), readable by
anyone only for users who opted in (setting `show_achievements`): as JSON and as a small
public page."""

import re
from collections.abc import Awaitable, Callable
from datetime import date
from html import escape
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from peewee import fn

from server.auth import Caller
from server.errors import BAD_INPUT
from server.models import User, UserAchievement

MAX_ITEMS = 100
_KEY = re.compile(r"^[a-z0-9_]{1,64}$")


def _items(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, title, earned) of the body's `achievements`; 400 on anything else."""
    items = body.get("achievements")
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise HTTPException(400, f"achievements: a list of at most {MAX_ITEMS} items")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise HTTPException(400, f"achievements[{i}]: an object")
        key, title, earned = item.get("key"), item.get("title"), item.get("earned")
        if not isinstance(key, str) or not _KEY.match(key):
            raise HTTPException(400, f"achievements[{i}].key: 1 to 64 of a-z, 0-9, _")
        if not isinstance(title, str) or not 0 < len(title) <= 128 or "\x00" in title:
            raise HTTPException(400, f"achievements[{i}].title: 1 to 128 characters")
        try:
            day = date.fromisoformat(earned) if isinstance(earned, str) else None
        except ValueError:
            day = None
        if day is None or len(earned) != 10:
            raise HTTPException(400, f"achievements[{i}].earned: a date, YYYY-MM-DD")
        out.append((key, title, day.isoformat()))
    return out


def _shown(name: str) -> list[dict[str, str]]:
    """The achievements of `name`, when they opted in; 404 otherwise (no telling which)."""
    user = User.get_or_none(User.name == name)
    if user is None or not user.show_achievements:
        raise HTTPException(404, "no public achievements for this user")
    rows = (UserAchievement.select().where(UserAchievement.user == user.id)
            .order_by(UserAchievement.earned, UserAchievement.key))
    return [{"key": r.key, "title": r.title, "earned": r.earned} for r in rows]


def section(user: User | None) -> str:
    """The leaderboard page's part: who shows achievements (with a link to theirs), and the
    signed-in user's own, with whether they are public."""
    shown = (UserAchievement.select(User.name, fn.COUNT(UserAchievement.key).alias("n"))
             .join(User, on=(User.id == UserAchievement.user))
             .where(User.show_achievements == True)  # noqa: E712 (a peewee expression)
             .group_by(User.name).order_by(User.name).tuples())
    parts = []
    items = "".join(f"<li><a href='/users/{quote(name)}/achievements'>{escape(name)}</a>: {n}"
                    "</li>" for name, n in shown)
    if items:
        parts.append(f"<h2>Achievements</h2><ul>{items}</ul>")
    if user is not None:
        own = (UserAchievement.select().where(UserAchievement.user == user.id)
               .order_by(UserAchievement.earned))
        mine = "".join(f"<li>★ {escape(a.title)} — {escape(a.earned)}</li>" for a in own)
        where = ("shown publicly" if user.show_achievements else
                 "private (setting show_achievements shows them)")
        parts.append(f"<h3>Your achievements ({where})</h3><ul>{mine or '<li>none yet</li>'}"
                     "</ul>")
    return "".join(parts)


def routes(caller: Callable[[Request], Awaitable[Caller]]) -> APIRouter:
    router = APIRouter(tags=["achievements"])

    async def me(request: Request) -> User:
        who = await caller(request)
        return await run_in_threadpool(User.get_by_id, who.user.id)

    Me = Annotated[User, Depends(me)]

    @router.put("/api/v1/users/current/achievements", responses=BAD_INPUT)
    def put(body: Annotated[dict[str, Any], Body()], user: Me) -> dict[str, Any]:
        """The achievements the desktop earned ({"achievements": [{key, title, earned}]});
        idempotent per key. Shown publicly only with the setting `show_achievements`."""
        items = _items(body)
        for key, title, earned in items:
            UserAchievement.insert(user=user.id, key=key, title=title, earned=earned
                                   ).on_conflict(
                conflict_target=[UserAchievement.user, UserAchievement.key],
                update={UserAchievement.title: title, UserAchievement.earned: earned}
            ).execute()
        return {"stored": len(items), "shown": user.show_achievements}

    @router.get("/api/v1/users/{name}/achievements")
    def public(name: str) -> dict[str, Any]:
        return {"data": _shown(name)}

    @router.get("/users/{name}/achievements", response_class=HTMLResponse,
                include_in_schema=False)
    def page(name: str) -> HTMLResponse:
        rows = "".join(f"<li>★ <b>{escape(a['title'])}</b> — {escape(a['earned'])}</li>"
                       for a in _shown(name))
        return HTMLResponse(
            f"<!doctype html><html><head><meta charset=utf-8><title>{escape(name)}'s "
            f"achievements</title></head><body><h1>{escape(name)}'s achievements</h1>"
            f"<ul>{rows or '<li>none yet</li>'}</ul><p><a href='/'>Leaderboard</a></p>"
            "</body></html>")

    return router
