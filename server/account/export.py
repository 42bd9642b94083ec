"""A user's own data, streamed page by page: their spans and stored heartbeats, as one JSON
document or as CSV (one file per kind), with every activity field named."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from typing import Any

import orjson

from desktop.engine.span import ACTIVITY_FIELDS
from server.history import COUNTERS, History
from server.models import User

PAGE = 2000
SPAN_COLUMNS = ("uuid", "start", "end", "source", "device", *ACTIVITY_FIELDS, *COUNTERS,
                "updated")
BEAT_COLUMNS = ("time", "source", "device", *ACTIVITY_FIELDS, "lines_added", "lines_deleted")
_MINE = ('JOIN origin o ON o.id = {t}.origin JOIN device d ON d.id = o.device '
         'WHERE d."user" = %s AND {t}.id > %s ORDER BY {t}.id LIMIT %s')


def spans(history: History, user: User) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        rows = history.db.execute(
            f'SELECT s.id, s.uuid, s.start, s."end", s.activity, s.origin, '
            f'{", ".join("s." + c for c in COUNTERS)}, s.updated FROM span s '
            + _MINE.format(t="s"), (user.id, after, PAGE)).fetchall()
        if not rows:
            return
        acts = history.activity_rows({r[4] for r in rows})
        origins = history.origin_rows({r[5] for r in rows})
        for _, uuid, start, end, act, org, *rest in rows:
            yield dict(zip(SPAN_COLUMNS, (uuid, start, end, *origins[org], *acts[act], *rest),
                           strict=True))
        after = rows[-1][0]


def heartbeats(history: History, user: User) -> Iterator[dict[str, Any]]:
    after = 0
    blank = (None,) * len(ACTIVITY_FIELDS)
    while True:
        rows = history.db.execute(
            "SELECT h.id, h.time, h.origin, h.activity, h.added, h.deleted FROM heartbeat h "
            + _MINE.format(t="h"), (user.id, after, PAGE)).fetchall()
        if not rows:
            return
        acts = history.activity_rows({r[3] for r in rows if r[3] is not None})
        origins = history.origin_rows({r[2] for r in rows})
        for _, at, org, act, added, deleted in rows:
            fields = acts[act] if act is not None else blank
            yield dict(zip(BEAT_COLUMNS, (at, *origins[org], *fields, added, deleted),
                           strict=True))
        after = rows[-1][0]


def as_json(history: History, user: User) -> Iterator[bytes]:
    """{"user", "exported", "spans": [...], "heartbeats": [...]}, a page at a time."""
    yield orjson.dumps({"user": user.name, "exported": time.time()})[:-1]
    for name, rows in (("spans", spans(history, user)),
                       ("heartbeats", heartbeats(history, user))):
        yield f',"{name}":['.encode()
        chunk: list[bytes] = []
        for i, row in enumerate(rows):
            chunk.append((b"," if i else b"") + orjson.dumps(row))
            if len(chunk) >= PAGE:
                yield b"".join(chunk)
                chunk = []
        yield b"".join(chunk) + b"]"
    yield b"}"


def as_csv(history: History, user: User, kind: str) -> Iterator[str]:
    """`kind` spans or heartbeats, a header line then a page of rows at a time."""
    columns, rows = (SPAN_COLUMNS, spans(history, user)) if kind == "spans" else \
        (BEAT_COLUMNS, heartbeats(history, user))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    for i, row in enumerate(rows, 1):
        writer.writerow(row)
        if i % PAGE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
