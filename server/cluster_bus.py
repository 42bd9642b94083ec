"""Notices between the server processes that share one PostgreSQL database (LISTEN/NOTIFY):
a revoked API key (every process forgets the keys it cached, at once) and the users whose
totals changed (a live stream on any process follows writes made by any other).

Each process has one listening thread with its own connection, which reconnects (with
backoff) when the connection drops; once listening, it calls `on_lost` (forget every cached
key, refresh every live stream) for what it may have missed before. Changed users are sent
by another thread with its own connection, coalesced (at most one NOTIFY per `coalesce`
seconds), so the write path only adds them to a set. SQLite serves one process: no bus there."""

from __future__ import annotations

import logging
import os
import secrets
import select
import threading
from collections.abc import Callable, Iterable
from typing import Any

import psycopg2
import psycopg2.extensions

from server.db import Database

log = logging.getLogger("timeforged.server")
KEYS, LIVE = "tf_keys", "tf_live"
LISTENER, SENDER = "timeforged-listen", "timeforged-notify"  # their application_name
PAYLOAD_MAX = 7900  # NOTIFY's payload must be shorter than 8000 bytes
IDLE_CHECK = 30.0  # seconds without a notice before the listener checks its connection
RETRY_FIRST, RETRY_MOST = 0.2, 5.0
# The listener's connection: TCP keepalives find a peer that vanished without closing.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
              "keepalives_count": 3}


def announce_revoked(db: Database) -> None:
    """Tell every process to forget its cached keys; in the caller's transaction, so the
    notice is delivered once the revocation is committed (and never if it is rolled back).
    Nothing on SQLite (one process, whose cache the caller empties)."""
    if db.postgres:
        db.execute("SELECT pg_notify(%s, '')", (KEYS,))


class ClusterBus:
    def __init__(self, connect: Callable[[str], Any], *, on_keys: Callable[[], None],
                 on_live: Callable[[set[int]], None], on_lost: Callable[[], None],
                 coalesce: float = 0.1) -> None:
        self._connect = connect
        self.on_keys, self.on_live, self.on_lost = on_keys, on_live, on_lost
        self.coalesce = coalesce
        self.token = f"{os.getpid()}.{secrets.token_hex(4)}"  # this process's own notices
        self.listening = threading.Event()  # set while LISTEN is in effect (tests)
        self.reconnects = 0
        self._stop = threading.Event()
        self._wake_r = self._wake_w = -1  # a pipe that ends the listener's wait (`stop`)
        self._pending: set[int] = set()
        self._lock = threading.Lock()
        self._send_wake = threading.Event()
        self._threads: list[threading.Thread] = []

    @classmethod
    def for_database(cls, db: Database, **handlers: Any) -> ClusterBus:
        params = {**db.db.connect_params, **KEEPALIVES}

        def connect(role: str) -> Any:
            conn = psycopg2.connect(dbname=db.db.database, application_name=role, **params)
            conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
            return conn

        return cls(connect, **handlers)

    def start(self) -> None:
        self._wake_r, self._wake_w = os.pipe()
        for target, name in ((self._listen, "tf-bus-listen"), (self._send, "tf-bus-send")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        if not self._threads:
            return
        self._stop.set()
        self._send_wake.set()
        os.write(self._wake_w, b"x")
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads = []
        os.close(self._wake_r)
        os.close(self._wake_w)

    def live_changed(self, users: Iterable[int]) -> None:
        """These users' totals changed here: tell the other processes (soon, coalesced)."""
        with self._lock:
            self._pending.update(users)
        self._send_wake.set()

    # -- listening -------------------------------------------------------------------------

    def _listen(self) -> None:
        delay, first = RETRY_FIRST, True
        while not self._stop.is_set():
            conn = None
            try:
                conn = self._connect(LISTENER)
                with conn.cursor() as cur:
                    cur.execute(f"LISTEN {KEYS}; LISTEN {LIVE}")
                self.listening.set()
                self.on_lost()  # notices sent before (or while away) are lost: start afresh
                self.reconnects += not first
                first, delay = False, RETRY_FIRST
                self._receive(conn)
            except (psycopg2.Error, OSError) as exc:
                self.listening.clear()
                log.warning("cluster notices: connection lost, reconnecting",
                            extra={"error": repr(exc)})
                self._stop.wait(delay)
                delay = min(delay * 2, RETRY_MOST)
            finally:
                self.listening.clear()
                if conn is not None:
                    conn.close()

    def _receive(self, conn: Any) -> None:
        """Dispatch notices until stopped (returns) or the connection fails (raises)."""
        while not self._stop.is_set():
            ready, _, _ = select.select([conn, self._wake_r], [], [], IDLE_CHECK)
            if self._stop.is_set():
                return
            if not ready:
                with conn.cursor() as cur:  # raises if the connection is gone
                    cur.execute("SELECT 1")
            conn.poll()
            for notice in conn.notifies:
                self._dispatch(notice.channel, notice.payload)
            conn.notifies.clear()

    def _dispatch(self, channel: str, payload: str) -> None:
        try:
            if channel == KEYS:
                self.on_keys()
            elif channel == LIVE:
                sender, _, ids = payload.partition(" ")
                if sender != self.token:
                    self.on_live({int(i) for i in ids.split(",") if i})
        except Exception:  # a bad notice or a failing handler must not end the listener
            log.exception("cluster notice not handled", extra={"channel": channel})

    # -- sending ---------------------------------------------------------------------------

    def _send(self) -> None:
        conn = None
        while not self._stop.is_set():
            self._send_wake.wait()
            if self._stop.wait(self.coalesce):  # more changes join this notice meanwhile
                break
            self._send_wake.clear()
            with self._lock:
                users, self._pending = self._pending, set()
            try:
                conn = conn or self._connect(SENDER)
                with conn.cursor() as cur:
                    for payload in self._payloads(users):
                        cur.execute("SELECT pg_notify(%s, %s)", (LIVE, payload))
            except (psycopg2.Error, OSError) as exc:
                log.warning("cluster notices: not sent, retrying",
                            extra={"error": repr(exc)})
                if conn is not None:
                    conn.close()
                conn = None
                self.live_changed(users)
                self._stop.wait(RETRY_MOST)
        if conn is not None:
            conn.close()

    def _payloads(self, users: set[int]) -> list[str]:
        """`token id,id,...`, split to fit NOTIFY's payload limit."""
        out, ids = [], [str(u) for u in sorted(users)]
        while ids:
            part = f"{self.token} "
            while ids and len(part) + len(ids[-1]) + 1 < PAYLOAD_MAX:
                part += ids.pop() + ","
            out.append(part.rstrip(","))
        return out
