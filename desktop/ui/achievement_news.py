"""Tells achievements as they are earned: checks now and then, off the GUI thread. The first
check backfills history without a word; later, each new achievement is told once, and a burst
(history imported or synced in) is told in one message rather than a flood."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Slot

from desktop.engine.achievements import Achievements, Status
from desktop.ui.bridge import QueryRunner

CHECK_SECONDS = 600.0  # at most one check this often (the first comes with the first status)
MAX_SINGLE = 3  # more new at once than this: one message for all


class AchievementNews(QObject):
    def __init__(self, engine: Any, runner: QueryRunner, notify: Callable[[str, str], None],
                 quiet: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.runner = runner
        self.notify = notify
        self.quiet = quiet
        self._found: Achievements | None = None
        self._last = -CHECK_SECONDS
        self._token = 0
        runner.finished.connect(self._on_query)

    @Slot(object)
    def on_status(self, status: Any) -> None:
        if self._token or status.time - self._last < CHECK_SECONDS:
            return
        self._last = status.time
        analytics = self.engine.analytics
        if self._found is None or self._found.analytics is not analytics:
            self._found = Achievements(analytics)
        found, config = self._found, self.engine.config
        today = datetime.fromtimestamp(status.time, config.zone()).date()
        goal = config.goals.daily_coding_minutes * 60
        self._token = self.runner.submit(
            lambda: found.check(today, goal, config.goals.category))

    @Slot(int, object)
    def _on_query(self, token: int, result: object) -> None:
        if token != self._token:
            return
        self._token = 0
        new: list[Status] = result  # type: ignore[assignment]
        if not new or self.quiet():
            return
        if len(new) > MAX_SINGLE:
            self.notify(f"{len(new)} achievements earned",
                        ", ".join(s.rule.title for s in new) + ".")
            return
        for s in new:
            self.notify(f"Achievement: {s.rule.title}", f"{s.rule.rule[0].upper()}"
                        f"{s.rule.rule[1:]}.")
