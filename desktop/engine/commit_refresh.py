"""The running engine's reading of new commits: every few minutes on its own thread, never per
watcher poll. A pass over repositories whose refs have not moved costs one `git for-each-ref`
each (desktop.engine.gitlog's fingerprint)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from desktop.engine.commits import Commits

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 300.0
FIRST_DELAY_SECONDS = 30.0  # let the app start before the first (maybe long) read


class CommitReader:
    """Runs `Commits.refresh` every `interval` seconds; `on_change()` after a pass that read
    something new (a new repository, or moved refs)."""

    def __init__(self, commits: Commits, interval: float = INTERVAL_SECONDS,
                 first_delay: float = FIRST_DELAY_SECONDS,
                 on_change: Callable[[], None] | None = None) -> None:
        self.commits = commits
        self.interval = interval
        self.first_delay = first_delay
        self.on_change = on_change
        self.problems: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> bool:
        """One pass; True when something new was read. Problems are kept, never raised."""
        store = self.commits.store
        before = {root: was for root, (_, was, _) in store.repositories().items()}
        self.problems = self.commits.refresh()
        for problem in self.problems:
            log.warning("commits: %s", problem)
        after = {root: was for root, (_, was, _) in store.repositories().items()}
        changed = after != before
        if changed and self.on_change is not None:
            self.on_change()
        return changed

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="timeforged-commits",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        delay = self.first_delay
        while not self._stop.wait(delay):
            try:
                self.run_once()
            except Exception:  # a store or git failure must not end the thread
                log.exception("reading commits failed")
            delay = self.interval
