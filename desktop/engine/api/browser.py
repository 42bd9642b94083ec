"""The browser extension's routes: the focused tab in, the focus state out.

``POST /api/v1/browser/tab`` with ``{"url", "title", "audible", "incognito", "browser",
"focused", "idle"}``: the extension calls it when the active tab or window changes and every
60 s. A focused, non-idle tab becomes browser heartbeats (joined into spans like an editor's)
and its URL goes to the window watcher's URL seam, so window spans get the exact URL too.
Incognito tabs only say that one is in front: no URL, no title.

``GET /api/v1/focus``: what the extension must block now (``{"active": false}`` outside a
focus session). ``POST /api/v1/browser/blocked`` ``{"url"}``: a blocked page was redirected.
"""

from __future__ import annotations

import time
from typing import Any

from desktop.engine.api.routes import ApiError, Request, Response, route
from desktop.engine.heartbeats import MAX_TEXT, Heartbeat, HeartbeatError, checked_text, site_of

PRIVATE_ENTITY = "private-tab"
URL_SCHEMES = ("http://", "https://", "file://", "about:", "chrome://", "edge://",
               "brave://", "moz-extension://", "chrome-extension://", "view-source:")


def _storable(name: str, value: str) -> str:
    try:
        return checked_text(name, value)
    except HeartbeatError as exc:
        raise ApiError(400, str(exc), field=name) from None


def _browser_name(value: Any) -> str:
    if value is None:
        return "Browser"
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise ApiError(400, "browser: expected a browser name", field="browser")
    value = _storable("browser", value)
    from watchers.browsers import BROWSERS

    for spec in BROWSERS:
        if value.strip().lower() in (spec.name.lower(), *spec.ids):
            return spec.name
    return value.strip()


def _flag(body: dict, name: str, default: bool = False) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise ApiError(400, f"{name}: expected true or false", field=name)
    return value


def _text(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"{name}: expected a string", field=name)
    if len(value) > MAX_TEXT:
        raise ApiError(400, f"{name}: longer than {MAX_TEXT} characters", field=name)
    return _storable(name, value)


@route("POST", "/api/v1/browser/tab")
def tab(request: Request) -> Response:
    body = request.json()
    if not isinstance(body, dict):
        raise ApiError(400, "body: expected a JSON object", field="body")
    browser = _browser_name(body.get("browser"))
    private = _flag(body, "incognito")
    focused = _flag(body, "focused", True)
    audible = _flag(body, "audible")
    idle = body.get("idle", "active")
    if idle not in ("active", "idle", "locked"):
        raise ApiError(400, "idle: expected active, idle or locked", field="idle")
    url = None if private else _text(body, "url")
    title = None if private else _text(body, "title")
    if not private:
        if not url:
            raise ApiError(400, "url: required for a normal tab", field="url")
        if not url.lower().startswith(URL_SCHEMES):
            raise ApiError(400, "url: not a browser URL", field="url")
    now = time.time()
    api = request.api
    if url and focused:
        api.tabs.report(browser, url, title, private=False)
    if not focused or (idle != "active" and not audible):
        api.end_stream("browser", now)
        return Response.json({"data": {"tracking": False}}, status=201)
    beat = Heartbeat(entity=PRIVATE_ENTITY if private else url or "", time=now, type="url",
                     category="browsing", title=title, browser=browser, audible=audible,
                     private=private, user_agent=request.user_agent)
    recorded = api.record([beat])
    return Response.json({"data": {"tracking": True, "site": None if private else site_of(
        url or ""), "span": recorded.span_ids[0]}}, status=201)


def focus_state(engine: Any) -> dict[str, Any]:
    """What the extension must enforce, from the focus controller (`engine.focus`): the sites
    to block, or in allow-list mode the only sites allowed. No controller: no session."""
    focus = getattr(engine, "focus", None)
    status = focus.status() if focus is not None else {}
    session = status.get("session")
    if not status.get("running") or not session:
        return {"active": False}
    allowed = list(session.get("plan", {}).get("allow_sites") or ())
    return {"active": True, "mode": "allow" if allowed else "block",
            "sites": sorted(allowed or status.get("blocked_domains") or ()),
            "ends_at": session.get("ends_at"), "locked": bool(session.get("locked"))}


@route("GET", "/api/v1/focus")
def focus(request: Request) -> Response:
    return Response.json({"data": focus_state(request.engine)})


@route("POST", "/api/v1/browser/blocked")
def blocked(request: Request) -> Response:
    """The extension redirected a blocked page: counted as a blocked attempt."""
    body = request.json()
    if not isinstance(body, dict):
        raise ApiError(400, "body: expected a JSON object", field="body")
    url = _text(body, "url")
    site = site_of(url) if url else None
    if not site:
        raise ApiError(400, "url: expected the blocked page's URL", field="url")
    browser = _browser_name(body.get("browser"))
    focus = getattr(request.engine, "focus", None)
    session = getattr(focus, "session", None)
    stats = getattr(focus, "stats", None)
    counted = session is not None and stats is not None
    if counted:
        stats.add_attempt(session.id, time.time(), site, browser,
                          f"{site} redirected by the browser extension")
    return Response.json({"data": {"site": site, "counted": counted}}, status=201)
