"""Notifications: goal reached, tracking resumed after idle, focus and break events; none of
the habit ones while the welcome screen waits for an answer (`quiet`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QObject, Slot

from desktop.engine.formatting import format_duration
from desktop.engine.habits import HOLD_WORDS
from desktop.ui.achievement_news import AchievementNews
from desktop.ui.bridge import EngineBridge, QueryRunner

# Focus and break events worth a message (the break itself is shown full screen).
HABIT_EVENTS = {
    "focus_ended": ("Focus session complete", "Well done. Time for a short break?"),
    "focus_abandoned": ("Focus session ended early", "It counts as abandoned."),
    "daily_limit": ("Daily limit reached",
                    "You reached your daily limit of active time. Time to stop?"),
}
# Breaks and blocking waiting during a call or a screen share, said once as it begins
# (a fullscreen window or the end of working hours only shows in the tray's status line).
HOLD_TITLES = {"breaks_paused": "Breaks paused", "focus_held": "Blocking paused"}
CALL_HOLDS = {HOLD_WORDS["meeting"], HOLD_WORDS["screen_share"]}
# Below this, coming back from idle is not worth a notification.
MIN_IDLE_TO_NOTIFY = 5 * 60
GOAL_CHECK_SECONDS = 60.0
# The same problem is reported at most this often.
ERROR_REPEAT_SECONDS = 600.0


class Notifier(QObject):
    """Turns engine events into messages on `show(title, text)` (the tray's balloon)."""

    def __init__(self, engine: Any, bridge: EngineBridge, runner: QueryRunner,
                 show: Callable[[str, str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.show = show
        self.runner = runner
        self.sent: list[tuple[str, str]] = []
        self._goal_day: date | None = None  # the day the goal notification went out
        self._goal_token = 0
        self._last_goal_check = 0.0
        self._errors: dict[str, float] = {}
        # While the welcome screen is open: no habit news (a goal "reached" by imported
        # history, idle, focus, breaks); problems are still told.
        self.quiet = False
        bridge.event.connect(self._on_event)
        bridge.status.connect(self._on_status)
        runner.finished.connect(self._on_query)
        news = AchievementNews(engine, runner, self.notify, lambda: self.quiet, self)
        bridge.status.connect(news.on_status)

    def notify(self, title: str, text: str) -> None:
        self.sent.append((title, text))
        self.show(title, text)

    @Slot(str, object)
    def _on_event(self, kind: str, payload: object) -> None:
        if self.quiet and kind not in ("error", "focus_hosts"):
            return
        if kind == "focus_started" and isinstance(payload, dict):
            self.notify("Focus session started", focus_started_text(payload))
        elif kind == "break_postponed":
            back = getattr(payload, "starts_at", None)
            if back is not None:
                self.notify("Break postponed", f"It comes back around "
                            f"{datetime.fromtimestamp(back):%H:%M} (in "
                            f"{format_duration(back - time.time())} of active time).")
        elif kind == "resumed_after_idle" and isinstance(payload, int | float):
            if payload >= MIN_IDLE_TO_NOTIFY:
                self.notify("Welcome back", f"Tracking resumed after {format_duration(payload)} "
                            "away. The idle time was not counted.")
        elif kind == "error":
            message = str(payload)
            now = time.monotonic()
            if now - self._errors.get(message, -ERROR_REPEAT_SECONDS) >= ERROR_REPEAT_SECONDS:
                self._errors[message] = now  # a failing watcher reports on every poll
                self.notify("TimeForged problem", message)
        elif kind in HOLD_TITLES and isinstance(payload, str) and payload in CALL_HOLDS:
            self.notify(HOLD_TITLES[kind], f"{HOLD_TITLES[kind]}: {payload}.")
        elif kind == "break_warning" and isinstance(payload, dict):
            self.notify("A break is coming",
                        f"It starts in {format_duration(payload.get('in_seconds', 0))}.")
        elif kind == "focus_hosts" and isinstance(payload, dict) and not payload.get("ok"):
            self.notify("Sites could not be blocked", str(payload.get("error", "")))
        elif kind in HABIT_EVENTS:
            self.notify(*HABIT_EVENTS[kind])

    @Slot(object)
    def _on_status(self, status: Any) -> None:
        goal = self.goal_seconds()
        today = datetime.fromtimestamp(status.time, self.engine.config.zone()).date()
        if not goal or self._goal_day == today or status.today_seconds < goal:
            return  # coding time cannot exceed the total: no query needed yet
        if status.time - self._last_goal_check < GOAL_CHECK_SECONDS or self._goal_token:
            return
        self._last_goal_check = status.time
        analytics = self.engine.analytics
        self._goal_token = self.runner.submit(
            lambda: (today, analytics.streaks(goal, today)))

    @Slot(int, object)
    def _on_query(self, token: int, result: object) -> None:
        if token != self._goal_token:
            return
        self._goal_token = 0
        day, streaks = result
        if streaks.today_seconds >= streaks.goal_seconds and self._goal_day != day:
            self._goal_day = day
            if self.quiet:  # reached before the welcome was answered (imported history)
                return
            self.notify("Daily goal reached",
                        f"{format_duration(streaks.today_seconds)} of coding today. "
                        f"Streak: {streaks.current} day{'s' if streaks.current != 1 else ''}.")

    def goal_seconds(self) -> float:
        goals = getattr(self.engine.config, "goals", None)
        minutes = getattr(goals, "daily_coding_minutes", 0) if goals else 0
        return float(minutes or 0) * 60.0


def focus_started_text(session: dict) -> str:
    """When the session ends, and whether it can be ended early."""
    ends = datetime.fromtimestamp(session["ends_at"])
    length = format_duration(session["ends_at"] - session["started_at"])
    text = (f"Until {ends:%H:%M} ({length}). Distracting sites and apps are blocked until "
            "then.")
    if session.get("locked"):
        text += (" Locked: ending early takes its unlock text." if session.get("unlock_text")
                 else " Locked: it cannot be ended early.")
    return text
