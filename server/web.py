"""The server-rendered page: the leaderboard, a login form (the API key) and, once logged in,
today's total and the way to the dashboard (server.dashboard). Everything shown is escaped."""

from __future__ import annotations

from html import escape as e
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import HTTPException

from desktop.engine.api.shapes import duration_parts
from desktop.engine.heartbeats import HeartbeatError, checked_text
from server.achievements import section as achievements_section
from server.auth import LEADERBOARD_CHOICES
from server.models import User

STYLE = ("body{font-family:sans-serif;max-width:46em;margin:2em auto;color:#222}"
         "table{border-collapse:collapse}td,th{padding:.2em .8em;text-align:left}"
         "tr:nth-child(even){background:#f3f4f8}")


def _rows(rows: list[dict[str, Any]]) -> str:
    return "".join(f"<tr><td>{r['rank']}</td><td>{e(str(r['user']))}</td>"
                   f"<td>{e(duration_parts(r['total_seconds'])['text'])}</td></tr>"
                   for r in rows) or "<tr><td colspan=3>nobody yet</td></tr>"


# Today's totals follow the live stream (server.live) where JavaScript runs; the page as
# rendered shows them as they were.
LIVE_SCRIPT = (
    "<script>if(window.EventSource){new EventSource('/api/v1/users/current/live')"
    ".addEventListener('totals',function(m){var d=JSON.parse(m.data);"
    "document.getElementById('tf-today').textContent=d.text;"
    "var ul=document.getElementById('tf-today-projects');ul.textContent='';"
    "d.projects.slice(0,10).forEach(function(p){var li=document.createElement('li');"
    "li.textContent=p.name+': '+p.text;ul.appendChild(li)})})}</script>")


def _today(today: dict[str, Any]) -> str:
    items = "".join(f"<li>{e(p['name'])}: {e(p['text'])}</li>" for p in today["projects"][:10])
    return (f"<h2>Today</h2><p>Total: <b id='tf-today'>{e(today['text'])}</b></p>"
            f"<ul id='tf-today-projects'>{items}</ul>{LIVE_SCRIPT}")


def page(board: dict[str, Any], language: str | None, user: User | None,
         today: dict[str, Any] | None = None, csrf: str = "") -> str:
    rows = board["languages"].get(language, []) if language else board["overall"]
    langs = " ".join(f"<a href='/?language={e(name, quote=True)}'>{e(name)}</a>"
                     for name in board["languages"])
    title = f"Leaderboard: {e(language)}" if language else "Leaderboard"
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>TimeForged</title>"
             f"<style>{STYLE}</style></head><body><h1>{title}</h1>"
             f"<p>{e(board['week'])}. <a href='/'>overall</a> {langs}</p>"
             f"<table><tr><th>#</th><th>who</th><th>time</th></tr>{_rows(rows)}</table>"]
    if user is None:
        parts.append("<h2>Your summary</h2><form method='post' action='/login'>"
                     "<label>API key <input name='key' type='password' autocomplete='off'>"
                     "</label> <button>Log in</button></form><p><a href='/login'>Sign in with a "
                     "password</a></p>")
    else:
        if today is not None:
            parts.append(_today(today))
        parts.append(f"<p>Signed in as {e(user.name)}: <a href='/dashboard'>your dashboard"
                     "</a> (every machine's time, ranges, filters, charts) · "
                     "<a href='/account'>account</a></p>")
        parts.append(f"<form method='post' action='/logout'>{csrf}<button>Log out</button>"
                     "</form>")
    parts.append(achievements_section(user))
    parts.append("</body></html>")
    return "".join(parts)


def apply_settings(user: User, body: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, value in body.items():
        if (key in ("weekly_email", "public_stats", "show_achievements")
                and isinstance(value, bool)) or \
                (key == "leaderboard" and value in LEADERBOARD_CHOICES):
            changes[key] = value
        elif key == "timezone" and isinstance(value, str) and len(value) < 64:
            try:
                ZoneInfo(value)
            except (ValueError, KeyError):
                raise HTTPException(400, "timezone: unknown time zone") from None
            changes[key] = value
        elif (key == "email" and isinstance(value, str) and "@" in value
              and len(value) < 254) or (key == "daily_goal_minutes" and isinstance(value, int)
                                        and not isinstance(value, bool) and 0 <= value <= 1440):
            try:
                changes[key] = checked_text(key, value) if key == "email" else value
            except HeartbeatError as exc:
                raise HTTPException(400, str(exc)) from None
        else:
            raise HTTPException(400, f"{str(key)[:40]}: unknown setting or bad value")
    if changes:
        User.update(**changes).where(User.id == user.id).execute()
    fresh = User.get_by_id(user.id)
    return {"weekly_email": fresh.weekly_email, "leaderboard": fresh.leaderboard,
            "timezone": fresh.timezone, "email": fresh.email,
            "daily_goal_minutes": fresh.daily_goal_minutes, "public_stats": fresh.public_stats,
            "show_achievements": fresh.show_achievements}
