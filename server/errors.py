"""What the server answers when a request is wrong: JSON bodies parsed with a depth limit,
error replies that never echo what cannot be encoded (a lone surrogate, NaN, bytes that are
not UTF-8), and the 400 reply as the OpenAPI schema declares it; and when the database cannot
write (503 with Retry-After)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
import peewee
from fastapi import HTTPException, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

MAX_DEPTH = 1024  # JSON nesting (orjson's limit); the body size is `max_body_bytes`
RETRY_AFTER = "5"  # seconds, when the database cannot write
UNAVAILABLE: tuple[type[BaseException], ...] = (
    peewee.OperationalError, peewee.InterfaceError, sqlite3.OperationalError,
    sqlite3.InterfaceError)
try:
    import psycopg2
except ImportError:  # a SQLite-only install
    pass
else:
    UNAVAILABLE += (psycopg2.OperationalError, psycopg2.InterfaceError)


def unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot write now (gone, locked, disk full,
    read-only), for every request alike: worth a retry later, no request's fault."""
    return isinstance(exc, UNAVAILABLE)


class Problem(BaseModel):
    detail: str


BAD_INPUT: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Bad input: `detail` names the field at fault"}}


def printable(text: str) -> str:
    """`text` as UTF-8 can carry it: a lone surrogate becomes its escape (\\ud800)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def parse_json(body: bytes) -> Any:
    """A request's JSON; HTTPException 400 for a body nested deeper than MAX_DEPTH, NaN or
    Infinity (not JSON), or bytes that are not UTF-8. orjson first (fast); what it refuses
    otherwise (a lone surrogate escape, which is valid JSON) goes to the standard parser, so
    that validation names the field holding it."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if str(exc).startswith("depth limit"):
            raise _too_deep() from None
    try:
        return json.loads(body, parse_constant=_not_json)
    except RecursionError:
        raise _too_deep() from None
    except UnicodeDecodeError:
        raise HTTPException(400, "body: not UTF-8") from None


def _too_deep() -> HTTPException:
    return HTTPException(400, f"body: JSON nested deeper than {MAX_DEPTH} levels")


def _not_json(name: str) -> Any:
    raise HTTPException(400, f"body: {name} is not a JSON value")


class JsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


class JsonRoute(APIRoute):
    """Routes whose JSON bodies `parse_json` reads."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            return await handler(JsonRequest(request.scope, request.receive))

        return route


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.detail, str):
        exc.detail = printable(exc.detail)
    return await http_exception_handler(request, exc)


async def invalid_request(request: Request, exc: Exception) -> Response:
    """FastAPI's 422, without the `input` and `ctx` it would echo (a value that cannot be
    encoded would make the reply itself fail)."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": [
        {"loc": [x if isinstance(x, int) else printable(str(x)[:100]) for x in error["loc"]],
         "msg": printable(str(error["msg"])), "type": error["type"]}
        for error in exc.errors()[:20]]}, status_code=422)


async def database_unavailable(request: Request, exc: Exception) -> Response:
    return JSONResponse({"detail": f"database unavailable ({type(exc).__name__}), retry later"},
                        status_code=503, headers={"Retry-After": RETRY_AFTER})
