"""The running engine's own state, for `timeforged status` and scripts."""

from __future__ import annotations

from desktop.engine.api.routes import Request, Response, route


@route("GET", "/api/v1/engine/status")
def engine_status(request: Request) -> Response:
    """What is tracked, and whether it is being saved (`store_error`: why not)."""
    engine = request.engine
    status = engine.status()
    current = status.current
    return Response.json({"data": {
        "state": status.state,
        "store_error": engine.store_problem(),
        "unsaved_spans": engine.writer.pending,
        "upstream": (up.status().as_dict() if (up := getattr(engine, "upstream", None)) else None),
        "current": None if current is None else {
            "app": current.app, "title": current.title, "project": current.project,
            "file": current.file, "site": current.site, "since": current.start},
    }})
