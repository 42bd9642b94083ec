"""Computing the insights' day digests before they are asked for: the running engine does it
every few minutes on its own thread (a pass with nothing changed compares day signatures
only), and an import at its end, so that `timeforged insights year` and the statistics
window's first call read stored digests (desktop.engine.store.day_digests)."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from desktop.engine.store.db import StoreError
from desktop.engine.store.rollups import DAY

if TYPE_CHECKING:
    from desktop.engine.analytics import Analytics
    from desktop.engine.insights import InsightsCache

log = logging.getLogger(__name__)

DAYS = 400  # a year's range in any time zone, and its previous days
INTERVAL_SECONDS = 600.0
FIRST_DELAY_SECONDS = 60.0  # let the app start first


def warm(cache: InsightsCache, now: float | None = None) -> None:
    """Digests of the DAYS whole UTC days before today computed and stored where missing
    (today's changes all the time: it is left to the calls)."""
    today = int((time.time() if now is None else now) // DAY)
    cache.digests((today - DAYS) * DAY, today * DAY)


def warm_after_import(analytics: Analytics) -> None:
    """`warm` once the import is stored: a failure here leaves it as it is (the digests are
    then computed on first use), never reported as the import's."""
    from desktop.engine.insights import InsightsCache

    try:
        warm(InsightsCache(analytics))
    except StoreError as exc:
        log.warning("insights' day digests not computed after the import: %s", exc)


class DigestWarmer:
    """Runs `warm` every `interval` seconds on its own thread, one cache kept between
    passes (made, and the insights loaded, at the first pass: an idle app that was just
    started has not loaded them); failures are logged, never raised."""

    def __init__(self, analytics: Analytics, interval: float = INTERVAL_SECONDS,
                 first_delay: float = FIRST_DELAY_SECONDS) -> None:
        self.analytics = analytics
        self.cache: InsightsCache | None = None
        self.interval = interval
        self.first_delay = first_delay
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="timeforged-digests",
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
                if self.cache is None:
                    from desktop.engine.insights import InsightsCache

                    self.cache = InsightsCache(self.analytics)
                warm(self.cache)
            except Exception:  # a store failure must not end the thread
                log.exception("computing the insights' day digests failed")
            delay = self.interval
