"""Heartbeats into spans: each device's stream is joined WakaTime's way (the engine's Joiner)
and written by group commit, so concurrent requests share one transaction and each is
answered only once its spans are committed.

Where each stream stands (its open span) is kept in the database too, in the same
transaction: the next heartbeat may reach another server process, or this one restarted, and
carries on the same span; an acknowledged heartbeat that only opened a span is not lost."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass

import orjson
from prometheus_client import Counter

from desktop.engine.heartbeats import Heartbeat, Joiner
from desktop.engine.span import Span
from server.batcher import Batcher
from server.history import History, chunks, marks
from server.models import User

HEARTBEATS = Counter("timeforged_heartbeats_total", "Heartbeats accepted")
BATCHES = Counter("timeforged_heartbeat_commits_total", "Transactions writing heartbeats")
Stream = tuple[Span, tuple, float]


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
        self.joiners: dict[str, Joiner] = {}  # by device (a device has one owner)
        self.versions: dict[tuple[str, str], int] = {}  # (device, source): state held
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
        devices = sorted({item.device for item in good})
        try:
            with self.db.user_lock(*sorted({item.user.id for item in good})):
                stored = self._resume(devices)
                ids, saved = self._join_and_write(good, devices, stored)
        except BaseException:
            # Nothing was written: the joiners took these heartbeats in all the same. Forget
            # their streams; the next request carries on from the database.
            for device in devices:
                self.joiners.pop(device, None)
            self.versions = {k: v for k, v in self.versions.items() if k[0] not in devices}
            self.history.forget_ids()
            raise
        self.versions.update(saved)
        it = iter(ids)
        return [o if isinstance(o, PermissionError) else next(it) for o in out]

    def _join_and_write(self, items: list[Beats], devices: list[str],
                        stored: dict[tuple[str, str], tuple[int, bytes]]
                        ) -> tuple[list[list[str | None]], dict[tuple[str, str], int]]:
        now = time.time()
        ids = []
        per_user: dict[int, tuple[User, dict[str, Span]]] = {}
        new = 0
        for item in items:
            result = self.joiners[item.device].add(item.beats)
            spans = per_user.setdefault(item.user.id, (item.user, {}))[1]
            for span in result.spans:  # a later request's version of a span replaces
                spans[span.uuid] = span
            ids.append(result.span_ids)
            new += sum(result.new)
        streams, saved = self._streams(devices, stored)
        self.history.put_many([(user, list(spans.values()), [now] * len(spans))
                               for user, spans in per_user.values()], locked=True,
                              also=[streams])
        BATCHES.inc()
        HEARTBEATS.inc(new)
        return ids, saved

    def _resume(self, devices: list[str]) -> dict[tuple[str, str], tuple[int, bytes]]:
        """Bring each device's joiner up to the stream state in the database (written by
        another process, or before a restart) unless it holds that state already."""
        stored: dict[tuple[str, str], tuple[int, bytes]] = {}
        for part in chunks(devices):
            for device, source, version, state in self.db.execute(
                    f"SELECT device, source, version, state FROM heartbeat_stream WHERE "
                    f"device IN ({marks(len(part))})", list(part)):
                stored[device, source] = (version, state.encode())
        for device in devices:
            joiner = self.joiners.get(device)
            if joiner is None:
                joiner = self.joiners[device] = Joiner(device)
            sources = {s for d, s in stored if d == device} | \
                {s for d, s in self.versions if d == device}
            for source in sources:
                version, state = stored.get((device, source), (0, b""))
                if self.versions.get((device, source), 0) != version:
                    joiner.resume(source, _decode(state) if state else None)
        return stored

    def _streams(self, devices: list[str], stored: dict[tuple[str, str], tuple[int, bytes]]
                 ) -> tuple[tuple[str, list], dict[tuple[str, str], int]]:
        """The insert saving the streams that moved, and the versions then held."""
        rows = []
        for device in devices:
            for source, stream in self.joiners[device].streams().items():
                state = _encode(stream)
                version, before = stored.get((device, source), (0, b""))
                if state != before:
                    rows.append((device, source, version + 1, state.decode()))
        saved = {(d, s): v for (d, s), (v, _) in stored.items()}
        saved.update({(d, s): v for d, s, v, _ in rows})
        return (_SAVE, rows), saved


_SAVE = ("INSERT INTO heartbeat_stream (device, source, version, state) VALUES %s ON CONFLICT "
         "(device, source) DO UPDATE SET version = excluded.version, state = excluded.state")


def _encode(stream: Stream) -> bytes:
    span, key, last = stream
    return orjson.dumps({"span": dataclasses.asdict(span), "key": list(key), "last": last})


def _decode(state: bytes) -> Stream:
    data = orjson.loads(state)
    return Span(**data["span"]), tuple(data["key"]), data["last"]
