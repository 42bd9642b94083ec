"""Batched, never-failing writes for the tracker."""

from __future__ import annotations

import threading
from collections import deque

from desktop.engine.span import Span
from desktop.engine.store.db import StoreError
from desktop.engine.store.store import Store


class SpanWriter:
    """Collects spans from any thread and writes them in batches from its own thread.

    The latest version per uuid wins. A flush happens at least every `flush_interval`
    seconds and on close. When the database cannot be written (locked, corrupt, disk
    full), spans stay in memory, `last_error` says why, and the next flush retries:
    nothing is lost and nothing is raised into the tracker.
    """

    def __init__(self, store: Store, flush_interval: float = 5.0) -> None:
        self.store = store
        self.flush_interval = flush_interval
        self.last_error: str | None = None
        # put() appends (one atomic deque call, no lock: the tracker puts its open span at
        # every poll, a bulk writer each of its spans); a flush takes what was appended.
        self._queue: deque[Span] = deque()
        self._kept: dict[str, Span] = {}  # what a failed flush keeps, by uuid (flush's own)
        self._flush_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="span-writer", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        return len(self.unsaved())

    def unsaved(self) -> list[Span]:
        """The spans not written yet (after close: those that could not be), the latest
        version of each uuid."""
        latest = dict(self._kept)
        latest.update((span.uuid, span) for span in list(self._queue))
        return list(latest.values())

    def put(self, span: Span) -> None:
        self._queue.append(span)

    def _take(self) -> dict[str, Span]:
        """What was kept and what was put since, by uuid (the latest put wins); the queue's
        spans are taken out of it one by one, so a put() meanwhile is never lost."""
        batch, self._kept = self._kept, {}
        take = self._queue.popleft
        for _ in range(len(self._queue)):
            span = take()
            batch[span.uuid] = span
        return batch

    def flush(self) -> None:
        """Write what is pending now; on failure keep it and record the error."""
        with self._flush_lock:
            batch = self._take()
            if not batch:
                return
            try:
                self.store.upsert_spans(batch.values(), refresh=True)
            except Exception as exc:  # never into the tracker: keep, report, retry
                self.last_error = str(exc) if isinstance(exc, StoreError) else (
                    f"Could not save spans ({type(exc).__name__}: {exc}); "
                    f"keeping them in memory and retrying")
                self._kept = batch  # (spans put since are in the queue: newer, they win)
            else:
                self.last_error = None

    def _run(self) -> None:
        while not self._stop.wait(self.flush_interval):
            self.flush()

    def close(self) -> None:
        """Stop the thread and write what is left (still kept in memory if that fails)."""
        self._stop.set()
        self._thread.join()
        self.flush()
