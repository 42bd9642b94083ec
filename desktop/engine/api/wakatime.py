"""WakaTime's endpoints, heartbeats in (the read API is in `wakatime_read`).

Every WakaTime plugin works once ``api_url`` in ~/.wakatime.cfg points here
(``timeforged setup-editors`` does that). The shapes follow WakaTime's API v1 docs.
"""

from __future__ import annotations

from typing import Any

from desktop.engine.api.routes import ApiError, Request, Response, route
from desktop.engine.heartbeats import Heartbeat, HeartbeatError, parse_heartbeat, parse_heartbeats

PREFIX = "/api/v1/users/current"
MAX_BULK = 1000


# -- heartbeats in -------------------------------------------------------------------------------


def _echo(beat: Heartbeat, span_id: str | None) -> dict[str, Any]:
    return {"data": {**beat.to_dict(), "id": span_id}}


def _span_ids(request: Request, beats: list[Heartbeat]) -> tuple[list[int], list[str | None]]:
    """Store `beats` (on disk before this returns); per heartbeat its status (201 stored, 202
    sent before) and the id of the span it went into."""
    recorded = request.api.record(beats)
    return [201 if new else 202 for new in recorded.new], recorded.span_ids


def _bulk(request: Request, items: Any) -> Response:
    try:
        parsed = parse_heartbeats(items, user_agent=request.user_agent, limit=MAX_BULK)
    except HeartbeatError as exc:
        raise ApiError(400, str(exc), field=exc.field) from None
    good = [p for p in parsed if isinstance(p, Heartbeat)]
    statuses, ids = _span_ids(request, good) if good else ([], [])
    responses: list[list[Any]] = []
    done = iter(zip(good, statuses, ids, strict=True))
    for item in parsed:
        if isinstance(item, HeartbeatError):
            responses.append([{"error": str(item), "field": item.field}, 400])
        else:
            beat, status, span_id = next(done)
            responses.append([_echo(beat, span_id), status])
    if parsed and not good:  # nothing acceptable: say so with a 400, naming the first field
        first = parsed[0]
        assert isinstance(first, HeartbeatError)
        return Response.json({"error": str(first), "field": first.field,
                              "responses": responses}, status=400)
    return Response.json({"responses": responses}, status=201 if good or not parsed else 202)


@route("POST", f"{PREFIX}/heartbeats.bulk")
@route("POST", "/api/v1")  # wakatime<14 posts its bulk to api_url itself
def heartbeats_bulk(request: Request) -> Response:
    return _bulk(request, request.json())


@route("POST", f"{PREFIX}/heartbeats")
def heartbeat(request: Request) -> Response:
    body = request.json()
    if isinstance(body, list):  # some clients send their batch here
        return _bulk(request, body)
    try:
        beat = parse_heartbeat(body, user_agent=request.user_agent)
    except HeartbeatError as exc:
        raise ApiError(400, str(exc), field=exc.field) from None
    statuses, ids = _span_ids(request, [beat])
    return Response.json(_echo(beat, ids[0]), status=statuses[0])
