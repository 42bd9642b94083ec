"""Group commit: requests that arrive while a write is running are written together, in one
transaction, by one thread; each request's answer waits for its batch's commit, so nothing
acknowledged can be lost. A `flush` that raises fails every request of its batch (the
heartbeat writer retries a failed batch item by item itself, so that it seldom does)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

log = logging.getLogger("timeforged.batcher")
T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """Calls `flush(items)` (which returns one result per item, in order, once committed) in a
    thread of its own, with everything submitted since the previous call began: no timer, the
    batch is whatever queued up while the last one was being written."""

    def __init__(self, flush: Callable[[Sequence[T]], Sequence[R]], *, max_batch: int = 1000,
                 name: str = "group-commit") -> None:
        self._flush = flush
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[T, Future[R]] | None] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self.batches = 0  # flushes so far (tests, metrics)

    def submit(self, item: T) -> Future[R]:
        if self._closed:
            raise RuntimeError("batcher closed")
        future: Future[R] = Future()
        self._queue.put((item, future))
        return future

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        self._closed = True
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        stopping = False
        while True:
            batch: list[tuple[T, Future[R]]] = []
            try:
                item = self._queue.get(block=not stopping)
                while True:
                    if item is None:
                        stopping = True
                    else:
                        batch.append(item)
                    if len(batch) >= self.max_batch:
                        break
                    item = self._queue.get_nowait()
            except queue.Empty:
                pass
            if batch:
                self._write(batch)
            elif stopping:
                return

    def _write(self, batch: list[tuple[T, Future[R]]]) -> None:
        self.batches += 1
        try:
            results = self._flush([item for item, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"flush returned {len(results)} results for {len(batch)}")
        except BaseException as exc:  # every waiter of this batch learns it failed
            log.warning("batch of %d failed: %s", len(batch), exc)
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)
