"""Control routes for focus sessions and breaks, used by `timeforged focus ...` and
`timeforged break ...` (the browser extension's read-only view is in `browser`).

    GET  /api/v1/focus/status             {"data": focus status}
    POST /api/v1/focus/start              {"minutes", "locked", "unlock_chars", "block",
                                           "block_apps", "allow", "distracting", "pomodoro",
                                           "cycles"} (all optional: config [focus] defaults)
                                           -> 201 {"data": session}
    POST /api/v1/focus/stop               {"unlock_text"} -> {"data": session}; 409 if locked
    GET  /api/v1/focus/stats?from=&to=    epoch seconds -> {"data": summary}
    GET  /api/v1/breaks/status            {"data": break status}
    POST /api/v1/breaks/now               {"kind": "micro" | "long"} -> 201 {"data": break}
    POST /api/v1/breaks/postpone|skip     409 when strict mode or no postpone left
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from desktop.engine.api.routes import ApiError, Request, Response, route
from desktop.engine.breaks import LONG, MICRO, BreakError
from desktop.engine.focus.hosts import HostsError
from desktop.engine.focus.session import FocusError, FocusLocked, FocusPlan


def _focus(request: Request) -> Any:
    focus = getattr(request.engine, "focus", None)
    if focus is None:
        raise ApiError(503, "focus mode is not running in this engine")
    return focus


def _breaks(request: Request) -> Any:
    breaks = getattr(request.engine, "breaks", None)
    if breaks is None:
        raise ApiError(503, "break reminders are not running in this engine")
    return breaks


def _body(request: Request) -> dict[str, Any]:
    if not request.body:
        return {}
    body = request.json()
    if not isinstance(body, dict):
        raise ApiError(400, "body: expected a JSON object", field="body")
    return body


def _strings(body: dict[str, Any], name: str) -> tuple[str, ...]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ApiError(400, f"{name}: expected a list of non-empty strings", field=name)
    return tuple(value)


def _flag(body: dict[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise ApiError(400, f"{name}: expected true or false", field=name)
    return value


def _number(body: dict[str, Any], name: str, default: float) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, f"{name}: expected a number", field=name)
    return float(value)


def plan_from_body(body: dict[str, Any], defaults: FocusPlan) -> FocusPlan:
    """The plan asked for: `defaults` (config [focus]) with the body's options; sites and
    apps add to the configured ones."""
    from desktop.engine.focus.blocklist import normalize_site

    sites = {name: _strings(body, name) for name in ("block", "allow")}
    for name, values in sites.items():
        for site in values:
            try:
                normalize_site(site)
            except HostsError:
                raise ApiError(400, f"{name}: {site!r} is not a site name", field=name) from None
    try:
        return replace(
            defaults, minutes=_number(body, "minutes", defaults.minutes),
            pomodoro=_flag(body, "pomodoro", False), cycles=int(_number(body, "cycles", 4)),
            block_sites=defaults.block_sites + sites["block"],
            block_apps=defaults.block_apps + _strings(body, "block_apps"),
            allow_sites=sites["allow"],
            block_distracting=_flag(body, "distracting", defaults.block_distracting),
            locked=_flag(body, "locked", False),
            unlock_chars=int(_number(body, "unlock_chars", 0)))
    except FocusError as exc:
        raise ApiError(400, str(exc), field="minutes") from None


@route("GET", "/api/v1/focus/status")
def focus_status(request: Request) -> Response:
    return Response.json({"data": _focus(request).status()})


@route("POST", "/api/v1/focus/start")
def focus_start(request: Request) -> Response:
    focus = _focus(request)
    plan = plan_from_body(_body(request), focus.default_plan)
    try:
        session = focus.start(plan)
    except FocusError as exc:
        raise ApiError(409, str(exc)) from None
    return Response.json({"data": session.to_json(time.time())}, status=201)


@route("POST", "/api/v1/focus/stop")
def focus_stop(request: Request) -> Response:
    body = _body(request)
    typed = body.get("unlock_text")
    if typed is not None and not isinstance(typed, str):
        raise ApiError(400, "unlock_text: expected a string", field="unlock_text")
    try:
        session = _focus(request).stop(unlock_text=typed)
    except FocusLocked as exc:
        raise ApiError(409, str(exc), field="unlock_text") from None
    except FocusError as exc:
        raise ApiError(409, str(exc)) from None
    return Response.json({"data": session.to_json(time.time())})


@route("GET", "/api/v1/focus/stats")
def focus_stats(request: Request) -> Response:
    focus = _focus(request)
    now = time.time()
    try:
        start = float(request.query.get("from", now - 86400))
        end = float(request.query.get("to", now))
    except ValueError:
        raise ApiError(400, "from/to: expected epoch seconds", field="from") from None
    if focus.stats is None:
        raise ApiError(503, "focus stats are not available")
    engine = request.engine
    summary = focus.stats.summary(start, end, engine.store.spans(start, end), engine.rules)
    return Response.json({"data": summary.to_json()})


@route("GET", "/api/v1/breaks/status")
def breaks_status(request: Request) -> Response:
    return Response.json({"data": _breaks(request).status().to_json()})


@route("POST", "/api/v1/breaks/now")
def breaks_now(request: Request) -> Response:
    kind = _body(request).get("kind", MICRO)
    if kind not in (MICRO, LONG):
        raise ApiError(400, "kind: expected \"micro\" or \"long\"", field="kind")
    return Response.json({"data": _breaks(request).take_now(kind).to_json()}, status=201)


@route("POST", "/api/v1/breaks/postpone")
def breaks_postpone(request: Request) -> Response:
    try:
        back = _breaks(request).postpone()
    except BreakError as exc:
        raise ApiError(409, str(exc)) from None
    return Response.json({"data": {"back_at": back}})


@route("POST", "/api/v1/breaks/skip")
def breaks_skip(request: Request) -> Response:
    try:
        _breaks(request).skip()
    except BreakError as exc:
        raise ApiError(409, str(exc)) from None
    return Response.json({"data": {"skipped": True}})
