"""Heartbeats into spans: each device's heartbeats are stored and joined WakaTime's way (the
engine's desktop.engine.store.beats, on the server's database), whatever order they arrive in,
and written by group commit, so concurrent requests share one transaction and each is answered
only once its heartbeats and spans are committed.

Nothing about a stream is held in memory: any server process, or one restarted, carries on
from the heartbeats in the database (a user's writes are serialised by `user_lock`)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from prometheus_client import Counter

from desktop.engine.heartbeats import Heartbeat, prepare
from desktop.engine.span import Span
from desktop.engine.store import beats as beatlib
from server.batcher import Batcher
from server.history import History
from server.models import User

HEARTBEATS = Counter("timeforged_heartbeats_total", "Heartbeats accepted")
BATCHES = Counter("timeforged_heartbeat_commits_total", "Transactions writing heartbeats")


@dataclass(frozen=True)
class Beats:
    user: User
    device: str
    device_name: str
    beats: Sequence[Heartbeat]


Outcome = list[str | None] | PermissionError  # per heartbeat its span's uuid, or refused


class HeartbeatWriter:
    def __init__(self, history: History, *, max_batch: int = 200) -> None:
        self.history = history
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
        try:
            with self.db.user_lock(*sorted({item.user.id for item in good})):
                ids = self._store(good)
        except BaseException:
            self.history.forget_ids()  # ids interned in the rolled-back transaction are gone
            raise
        it = iter(ids)
        return [o if isinstance(o, PermissionError) else next(it) for o in out]

    def _store(self, items: list[Beats]) -> list[list[str | None]]:
        now = time.time()
        ids = []
        per_user: dict[int, tuple[User, dict[str, Span]]] = {}
        new = 0
        for item in items:
            prepared = [prepare(b, item.device) for b in item.beats]
            firsts = {beat.key: span for _, beat, span in prepared}  # one per activity
            aids, _ = self.history.intern(list(firsts.values()))
            activity = dict(zip(firsts, aids, strict=True))
            streams: dict[str, list[beatlib.Beat]] = {}
            for source, beat, _ in prepared:
                beat.activity = activity[beat.key]
                streams.setdefault(source, []).append(beat)
            spans = per_user.setdefault(item.user.id, (item.user, {}))[1]
            run_of: dict[int, tuple[str, beatlib.Run]] = {}
            for source, beats in streams.items():
                origin = self.history.origin_id(source, item.device)
                change, fresh = beatlib.add(self.history.beats, origin, beats,
                                            self.history.timeout, self.history.deleted(item.user))
                new += sum(fresh)
                run_of.update((k, (source, r)) for k, r in change.run_of.items())
                rows = self.history.activity_rows(
                    {r.activity for r in (*change.upsert, *change.retire)})
                for r, retired in [(r, False) for r in change.upsert] + [
                        (r, True) for r in change.retire]:
                    span = beatlib.span_of(item.device, source, r, rows[r.activity], retired)
                    spans[span.uuid] = span  # a later request's version replaces
            named: dict[int, str | None] = {}  # each run's uuid, worked out once
            mine = []
            for _, beat, _ in prepared:
                found = run_of.get(id(beat))
                run = id(found[1]) if found else 0
                if run not in named:
                    named[run] = _uuid(item.device, found)
                mine.append(named[run])
            ids.append(mine)
        self.history.put_many([(user, list(spans.values()), [now] * len(spans))
                               for user, spans in per_user.values()], locked=True)
        BATCHES.inc()
        HEARTBEATS.inc(new)
        return ids


def _uuid(device: str, found: tuple[str, beatlib.Run] | None) -> str | None:
    if found is None or not found[1].counts:
        return None
    source, run = found
    return beatlib.span_uuid(device, source, run.start, run.key)
