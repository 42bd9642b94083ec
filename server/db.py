"""The server's database: SQLite (one process) or PostgreSQL (any number of processes)."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import peewee

from desktop.engine.store import models as shared_models
from desktop.engine.store.db import PRAGMAS
from server import migrations, models

ALL_MODELS = shared_models.MODELS + models.MODELS


_PLAIN_INSERT = re.compile(r'INSERT INTO ("?\w+"?) \(([\w", ]+)\) VALUES %s')
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


# COPY's text format per type; a float's repr reads back as the same double.
_COPY_FORMAT: dict[type, Callable[[Any], str]] = {
    int: int.__repr__, float: float.__repr__, str: _copy_text,
    bool: lambda b: "t" if b else "f"}


def _copy_line(row: Sequence[Any]) -> str:
    """One row in COPY's text format."""
    try:
        return "\t".join(["\\N" if v is None else _COPY_FORMAT[type(v)](v) for v in row]) + "\n"
    except KeyError as exc:
        raise TypeError(f"cannot COPY a {exc.args[0].__name__}") from None


def _values(cur: Any, rows: Sequence[Sequence[Any]]) -> str:
    """``(...), (...)`` with the rows' values quoted by psycopg2 (one call for all of them)."""
    row = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
    return cur.mogrify(", ".join([row] * len(rows)), [v for r in rows for v in r]).decode()


class Database:
    """A Peewee database with the models bound, and the few things SQL dialects differ in.

    SQL is written with ``%s`` placeholders; `sql()` adapts them for SQLite. Writes that must
    be ordered per user (the change sequence) run under `user_lock`: a transaction-scoped
    advisory lock on PostgreSQL, a process lock on SQLite (one writer there anyway).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        parts = urlsplit(url)
        self.postgres = parts.scheme in ("postgres", "postgresql")
        if self.postgres:
            query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
            self.db: peewee.Database = peewee.PostgresqlDatabase(
                unquote(parts.path.lstrip("/")) or "timeforged",
                user=unquote(parts.username or "") or None,
                password=unquote(parts.password or "") or None,
                host=query.pop("host", None) or parts.hostname, port=parts.port, **query,
                autorollback=True)
        elif parts.scheme == "sqlite":
            path = sqlite_path(url)
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.db = peewee.SqliteDatabase(path, pragmas={**PRAGMAS, "busy_timeout": 10_000},
                                            check_same_thread=False)
        else:
            raise ValueError(f"database: unsupported URL {url!r} (sqlite:/// or postgresql://)")
        self.db.bind(ALL_MODELS, bind_refs=False, bind_backrefs=False)
        self._write_lock = threading.RLock()
        self._mutexes: dict[str, threading.Lock] = {}

    def migrate(self) -> None:
        with self._write_lock:
            migrations.migrate(self.db)

    def sql(self, text: str) -> str:
        return text if self.postgres else text.replace("%s", "?")

    def execute(self, text: str, params: Sequence[Any] = ()) -> Any:
        return self.db.execute_sql(self.sql(text), params)

    def many(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        """Insert many rows: `text` holds ``VALUES %s`` for the rows."""
        if not rows:
            return
        if self.postgres:
            plain = _PLAIN_INSERT.fullmatch(text)
            with self.db.cursor() as cur:
                if plain:  # COPY: several times faster than an INSERT for many rows
                    cur.copy_expert(f"COPY {plain[1]} ({plain[2]}) FROM STDIN",
                                    io.StringIO("".join(map(_copy_line, rows))))
                else:
                    cur.execute(text.replace("VALUES %s", "VALUES " + _values(cur, rows)))
        else:
            marks = "(" + ", ".join("?" * len(rows[0])) + ")"
            self.db.cursor().executemany(text.replace("VALUES %s", "VALUES " + marks).replace(
                "%s", "?"), rows)

    def many_at_once(self, parts: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> None:
        """Several `many` inserts; on PostgreSQL in one round trip (they run in order)."""
        parts = [(text, rows) for text, rows in parts if rows]
        if not self.postgres or len(parts) < 2:
            for text, rows in parts:
                self.many(text, rows)
            return
        with self.db.cursor() as cur:
            script = []
            for text, rows in parts:
                script.append(text.replace("VALUES %s", "VALUES " + _values(cur, rows)))
            cur.execute(";\n".join(script))  # no parameters: nothing else is interpolated

    @contextmanager
    def user_lock(self, *users: int) -> Iterator[None]:
        """A write transaction in which these users' changes are serialised (pass them sorted:
        locks are taken in that order)."""
        # SQLite: BEGIN IMMEDIATE takes the write lock up front (waiting for it, busy_timeout)
        # rather than failing at once when a read transaction cannot become a write one.
        lock = () if self.postgres else ("IMMEDIATE",)
        with self._write_lock if not self.postgres else _nothing(), self.db.atomic(*lock):
            if self.postgres:
                for user in users:
                    self.execute("SELECT pg_advisory_xact_lock(%s, %s)", (7001, user))
            yield

    @contextmanager
    def job_lock(self, name: str) -> Iterator[bool]:
        """Yields whether this process got the job `name` (PostgreSQL: a session advisory
        lock, so one process in the cluster runs it; SQLite: one process only anyway)."""
        if not self.postgres:
            got = self._job_mutex(name).acquire(blocking=False)
            try:
                yield got
            finally:
                if got:
                    self._job_mutex(name).release()
            return
        key = _job_key(name)
        got = bool(self.execute("SELECT pg_try_advisory_lock(%s, %s)", (7002, key)
                                ).fetchone()[0])
        try:
            yield got
        finally:
            if got:
                self.execute("SELECT pg_advisory_unlock(%s, %s)", (7002, key))

    def _job_mutex(self, name: str) -> threading.Lock:
        return self._mutexes.setdefault(name, threading.Lock())

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()


def sqlite_path(url: str) -> str | None:
    """The file of a ``sqlite:///relative`` or ``sqlite:////absolute`` URL (or ":memory:");
    None for any other database."""
    if urlsplit(url).scheme != "sqlite":
        return None
    path = url.split("://", 1)[1]
    return path[1:] if path.startswith("/") and not path.startswith("//") else path


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _job_key(name: str) -> int:
    import zlib

    return zlib.crc32(name.encode()) & 0x7FFFFFFF
