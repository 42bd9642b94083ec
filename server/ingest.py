"""Heartbeats into spans: each device's heartbeats are stored and joined WakaTime's way (the
engine's desktop.engine.store.beats, on the server's database), whatever order they arrive in,
and written by group commit, so concurrent requests share one transaction and each is answered
only once its heartbeats and spans are committed. A batch that fails for any reason but the
database being unavailable is written again request by request, then heartbeat by heartbeat:
one request's bad data fails that request's guilty heartbeats alone.

Nothing about a stream is held in memory: any server process, or one restarted, carries on
from the heartbeats in the database (a user's writes are serialised by `user_lock`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace

from prometheus_client import Counter

from desktop.engine import upstream
from desktop.engine.heartbeats import Heartbeat, prepare
from desktop.engine.span import Span
from desktop.engine.store import beats as beatlib
from server.batcher import Batcher
from server.errors import unavailable
from server.history import History
from server.models import User

log = logging.getLogger("timeforged.server")
HEARTBEATS = Counter("timeforged_heartbeats_total", "Heartbeats accepted")
BATCHES = Counter("timeforged_heartbeat_commits_total", "Transactions writing heartbeats")


@dataclass(frozen=True)
class Beats:
    user: User
    device: str
    device_name: str
    beats: Sequence[Heartbeat]


Stored = list[str | Exception | None]  # per heartbeat its span's uuid, or why not stored
Outcome = Stored | PermissionError  # or the device is another user's


class HeartbeatWriter:
    def __init__(self, history: History, *, max_batch: int = 200, forward: bool = False,
                 on_commit: Callable[[set[int]], None] | None = None) -> None:
        """`forward`: queue each new heartbeat for the upstream, in the same transaction.
        `on_commit(user ids)`: called once a batch is committed."""
        self.history = history
        self.forward = forward
        self.on_commit = on_commit
        self.db = history.db
        self.batcher: Batcher[Beats, Outcome] = Batcher(self._flush, max_batch=max_batch,
                                                        name="heartbeat-commit")

    def submit(self, item: Beats) -> Future[Outcome]:
        return self.batcher.submit(item)

    def close(self) -> None:
        self.batcher.close()

    def _flush(self, items: Sequence[Beats]) -> list[Outcome]:
        out: list[Outcome] = []
        good = []
        for item in items:
            try:
                self.history.claim_device(item.user, item.device, item.device_name)
            except PermissionError as exc:
                out.append(exc)
                continue
            good.append(item)
            out.append([])
        if not good:
            return out
        it = iter(self._isolating(good))
        return [o if isinstance(o, PermissionError) else next(it) for o in out]

    def _isolating(self, items: list[Beats]) -> list[Stored]:
        """`items` written together; if that fails, and not because the database is
        unavailable (raised: every request is answered 503), each request alone, then each
        heartbeat of a request that still fails: only the heartbeats at fault are not stored,
        and their requests learn why, in their place."""
        try:
            return self._write(items)
        except Exception as exc:
            if unavailable(exc):
                raise
            failure = exc
        if len(items) > 1:
            return [self._isolating([item])[0] for item in items]
        item = items[0]
        if len(item.beats) > 1:
            return [[self._isolating([replace(item, beats=[beat])])[0][0]
                     for beat in item.beats]]
        log.error("heartbeat not stored", extra={"user": item.user.id, "device": item.device,
                                                 "error": repr(failure)})
        return [[failure]]

    def _write(self, items: list[Beats]) -> list[Stored]:
        try:
            with self.db.user_lock(*sorted({item.user.id for item in items})):
                stored = self._store(items)
            if self.on_commit:
                self.on_commit({item.user.id for item in items})
            return stored
        except BaseException:
            self.history.forget_ids()  # ids interned in the rolled-back transaction are gone
            raise

    def _store(self, items: list[Beats]) -> list[Stored]:
        """Join and write a batch. Requests of one device are joined together (the result
        does not depend on how heartbeats are grouped): a few queries per device and stream,
        not per request."""
        now = time.time()
        prepared = [[prepare(b, item.device) for b in item.beats] for item in items]
        firsts = {beat.key: span for mine in prepared for _, beat, span in mine}
        aids, _ = self.history.intern(list(firsts.values()))  # one per activity
        activity = dict(zip(firsts, aids, strict=True))
        streams: dict[tuple[str, str], tuple[User, list[beatlib.Beat]]] = {}
        received: dict[int, tuple[str, Heartbeat]] = {}  # id(beat) -> machine, as received
        for item, mine in zip(items, prepared, strict=True):
            for (source, beat, _), sent in zip(mine, item.beats, strict=True):
                received[id(beat)] = (item.device_name, sent)
                beat.activity = activity[beat.key]
                streams.setdefault((item.device, source), (item.user, []))[1].append(beat)
        per_user: dict[int, tuple[User, dict[str, Span]]] = {}
        uuid_of: dict[int, str | None] = {}  # id(beat) -> its span's uuid
        new = 0
        forwarded: list[tuple[str, str, float]] = []
        for (device, source), (user, beats) in streams.items():
            origin = self.history.origin_id(source, device)
            change, fresh = beatlib.add(self.history.beats, origin, beats,
                                        self.history.timeout, self.history.deleted(user))
            new += sum(fresh)
            if self.forward:
                forwarded += [(received[id(b)][0], upstream.wire(received[id(b)][1]), now)
                              for b, was_new in zip(beats, fresh, strict=True) if was_new]
            named: dict[int, str | None] = {}  # each run's uuid, worked out once
            for k, r in change.run_of.items():
                if id(r) not in named:
                    named[id(r)] = (beatlib.span_uuid(device, source, r.start, r.key)
                                    if r.counts else None)
                uuid_of[k] = named[id(r)]
            rows = self.history.activity_rows(
                {r.activity for r in (*change.upsert, *change.retire)})
            spans = per_user.setdefault(user.id, (user, {}))[1]
            for r in change.upsert:
                span = beatlib.span_of(device, source, r, rows[r.activity], False)
                spans[span.uuid] = span
            for r in change.retire:
                span = beatlib.span_of(device, source, r, rows[r.activity], True)
                spans[span.uuid] = span
        self.history.put_many([(user, list(spans.values()), [now] * len(spans))
                               for user, spans in per_user.values()], locked=True)
        self.db.many("INSERT INTO upstream_queue (machine, body, queued) VALUES %s", forwarded)
        BATCHES.inc()
        HEARTBEATS.inc(new)
        return [[uuid_of.get(id(beat)) for _, beat, _ in mine] for mine in prepared]
