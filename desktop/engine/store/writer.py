"""Batched, never-failing writes for the tracker."""

from __future__ import annotations

import threading

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
        self._pending: dict[str, Span] = {}
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="span-writer", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def unsaved(self) -> list[Span]:
        """The spans not written yet (after close: those that could not be)."""
        with self._lock:
            return list(self._pending.values())

    def put(self, span: Span) -> None:
        lock = self._lock
        lock.acquire()  # (not `with`: its method lookups cost as much as the rest)
        try:
            self._pending[span.uuid] = span
        finally:
            lock.release()

    def flush(self) -> None:
        """Write what is pending now; on failure keep it and record the error."""
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, {}
            if not batch:
                return
            try:
                self.store.upsert_spans(batch.values(), refresh=True)
            except Exception as exc:  # never into the tracker: keep, report, retry
                self.last_error = str(exc) if isinstance(exc, StoreError) else (
                    f"Could not save spans ({type(exc).__name__}: {exc}); "
                    f"keeping them in memory and retrying")
                with self._lock:
                    for uuid, span in batch.items():
                        self._pending.setdefault(uuid, span)  # a newer put() wins
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
