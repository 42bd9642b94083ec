"""Live totals: each user's today (total and per project) pushed to their subscribers (the web
page, the status bars) as Server-Sent Events, from GET /api/v1/users/current/live.

Writers only mark users changed (`changed`, from any thread); one task on the event loop
computes each changed user's totals once per round, for all of that user's subscribers, and
rounds are at least `interval` seconds apart: however many heartbeats and subscribers, the
cost is one totals query per subscribed, changed user per interval. A subscriber that reads
slowly only ever has the latest totals waiting (older ones are dropped). A process learns of
the writes it made itself; of those of the other processes sharing a PostgreSQL database
through server.cluster_bus (and in any case at the next `refresh`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from typing import Any

from fastapi.concurrency import run_in_threadpool

from desktop.engine.api.shapes import duration_parts
from server.history import zone
from server.models import User
from server.reports import Reports

KEEPALIVE = 15.0  # a comment line this often, so proxies and clients see the stream alive
KEEPALIVE_COMMENT = b": keepalive\n\n"


class LiveHub:
    def __init__(self, totals: Callable[[User], dict[str, Any]], *, interval: float = 1.0,
                 refresh: float = 30.0) -> None:
        self.totals, self.interval, self.refresh = totals, interval, refresh
        self._subs: dict[int, set[asyncio.Queue[bytes]]] = {}
        self._users: dict[int, User] = {}
        self._dirty: set[int] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.rounds = 0  # (tests, benchmarks)

    @property
    def subscribers(self) -> int:
        return sum(len(s) for s in self._subs.values())

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = self._loop.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def changed(self, users: Iterable[int]) -> None:
        """These users' totals changed (committed); callable from any thread."""
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop is closing
                self._loop.call_soon_threadsafe(self._mark, set(users))

    def everyone_changed(self) -> None:
        """Every subscribed user's totals may have changed; callable from any thread."""
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(lambda: self._mark(set(self._subs)))

    def _mark(self, users: set[int]) -> None:
        users = {uid for uid in users if uid in self._subs}
        if users and self._wake is not None:
            self._dirty |= users
            self._wake.set()

    async def _run(self) -> None:
        """Rounds: the changed users' totals (everyone's every `refresh` seconds), and every
        KEEPALIVE seconds a comment to each stream with nothing waiting (one timer for all
        of them, rather than one per stream and event)."""
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        next_refresh, next_keepalive = loop.time() + self.refresh, loop.time() + KEEPALIVE
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(min(next_refresh, next_keepalive)):
                    await self._wake.wait()
            self._wake.clear()
            now = loop.time()
            users, self._dirty = self._dirty, set()
            if now >= next_refresh:
                users |= set(self._subs)
                next_refresh = now + self.refresh
            for uid in users:
                if uid in self._subs:
                    await self._publish(uid)
            if now >= next_keepalive:
                for queues in self._subs.values():
                    for queue in queues:
                        if queue.empty():
                            queue.put_nowait(KEEPALIVE_COMMENT)
                next_keepalive = now + KEEPALIVE
            self.rounds += 1
            await asyncio.sleep(self.interval)

    async def _publish(self, uid: int) -> None:
        try:
            data = event(await run_in_threadpool(self.totals, self._users[uid]))
        except Exception:  # the database: the next round tries again
            self._dirty.add(uid)
            return
        for queue in self._subs.get(uid, ()):  # encoded once for all of them
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(data)

    async def stream(self, user: User) -> AsyncIterator[bytes]:
        """The user's totals now, then whenever they change, as SSE; ends when cancelled
        (the client went away)."""
        queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=1)
        self._subs.setdefault(user.id, set()).add(queue)
        self._users[user.id] = user
        try:
            yield b"retry: 3000\n" + event(await run_in_threadpool(self.totals, user))
            while True:
                yield await queue.get()
        finally:
            subs = self._subs.get(user.id)
            if subs is not None:
                subs.discard(queue)
                if not subs:
                    del self._subs[user.id]
                    self._users.pop(user.id, None)


def event(data: dict[str, Any]) -> bytes:
    return b"event: totals\ndata: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"


def today_totals(reports: Reports, user: User) -> dict[str, Any]:
    """The user's today so far (in their time zone): total and per project."""
    today = datetime.now(zone(user)).date()
    report = reports.report(user, today, today)
    total = sum(report.per_day[today].values())
    return {"date": today.isoformat(), "total_seconds": round(total, 3),
            "text": duration_parts(total)["text"],
            "projects": [{"name": name, "total_seconds": round(secs, 3),
                          "text": duration_parts(secs)["text"]}
                         for name, secs in reports.by(report, "project")]}
