"""From the engine's thread into Qt's: signals queued onto the GUI thread, and queries run
off it so the UI never waits on disk."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class EngineBridge(QObject):
    """Re-emits the engine's callbacks as Qt signals on the GUI thread.

    The engine calls `_on_engine` from its own thread; emitting `_relay` there is queued
    to this object's (the GUI) thread because the sender thread differs.
    """

    status = Signal(object)  # EngineStatus
    event = Signal(str, object)  # every other engine event: ("resumed_after_idle", seconds)...
    _relay = Signal(str, object)

    def __init__(self, engine: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.last_status = engine.status()
        self._relay.connect(self._dispatch)
        engine.subscribe(self._on_engine)

    def _on_engine(self, kind: str, payload: object) -> None:
        self._relay.emit(kind, payload)

    @Slot(str, object)
    def _dispatch(self, kind: str, payload: object) -> None:
        if kind == "status":
            self.last_status = payload
            self.status.emit(payload)
        else:
            self.event.emit(kind, payload)


class _Job(QRunnable):
    def __init__(self, runner: QueryRunner, token: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._runner, self._token, self._fn = runner, token, fn

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:
            log.exception("background query failed")
            self._runner.failed.emit(self._token, f"{type(exc).__name__}: {exc}")
        else:
            self._runner.finished.emit(self._token, result)


class QueryRunner(QObject):
    """Runs callables on a private one-thread pool (queries run in order, never on the GUI
    thread); results come back through `finished(token, result)` / `failed(token, message)`."""

    finished = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None, threads: int = 1) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._tokens = itertools.count(1)

    def submit(self, fn: Callable[[], Any]) -> int:
        token = next(self._tokens)
        self.pool.start(_Job(self, token, fn))
        return token

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)
