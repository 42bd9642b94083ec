"""Heartbeats into spans: each device's stream is joined WakaTime's way (the engine's Joiner)
and written by group commit, so concurrent requests share one transaction and each is
answered only once its spans are committed."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from prometheus_client import Counter

from desktop.engine.heartbeats import Heartbeat, Joiner
from desktop.engine.span import Span
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
        self.joiners: dict[tuple[int, str], Joiner] = {}
        self.batcher: Batcher[Beats, Outcome] = Batcher(self._flush, max_batch=max_batch,
                                                        name="heartbeat-commit")

    def submit(self, item: Beats) -> Future[Outcome]:
        return self.batcher.submit(item)

    def close(self) -> None:
        self.batcher.close()

    def _flush(self, items: Sequence[Beats]) -> list[Outcome]:
        now = time.time()
        out: list[Outcome] = []
        per_user: dict[int, tuple[User, dict[str, Span]]] = {}
        new = 0
        try:
            for item in items:
                try:
                    self.history.claim_device(item.user, item.device, item.device_name)
                except PermissionError as exc:
                    out.append(exc)
                    continue
                key = (item.user.id, item.device)
                joiner = self.joiners.get(key) or self.joiners.setdefault(key,
                                                                          Joiner(item.device))
                result = joiner.add(item.beats)
                spans = per_user.setdefault(item.user.id, (item.user, {}))[1]
                for span in result.spans:  # a later request's version of a span replaces
                    spans[span.uuid] = span
                out.append(result.span_ids)
                new += sum(result.new)
            self.history.put_many([(user, list(spans.values()), [now] * len(spans))
                                   for user, spans in per_user.values()])
        except BaseException:
            # The joiners took these heartbeats in, but nothing was written: forget their
            # streams so that the clients' retries are joined again rather than skipped.
            for item in items:
                self.joiners.pop((item.user.id, item.device), None)
            raise
        BATCHES.inc()
        HEARTBEATS.inc(new)
        return out
