"""The tray icon and its menu; a small window instead where the desktop has no tray."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSystemTrayIcon,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.engine.formatting import format_duration
from desktop.ui.focus_notices import countdown_text
from desktop.ui.habits import FOCUS_LENGTHS, HabitHooks, habit_state
from desktop.ui.icons import state_icon

STATE_WORDS = {
    "tracking": "Tracking", "idle": "Idle", "paused": "Paused", "stopped": "Stopped",
    "focus": "Focus session", "break": "Break due",
}


def current_label(status: Any) -> str:
    span = getattr(status, "current", None)
    if span is None:
        return "nothing"
    what = span.project or span.site or span.app or "unknown"
    return f"{what} ({span.app})" if span.app and span.app != what else what


def display_state(status: Any) -> str:
    return habit_state(status) or getattr(status, "state", "stopped")


def hold_text(breaks: Any, now: float | None) -> str:
    """"Breaks paused: you are in a call" while breaks wait, else ""."""
    reason = breaks.status(now).paused_reason if breaks is not None and now else None
    return f"Breaks paused: {reason}" if reason else ""


def next_midnight(now: float, tz: Any) -> float:
    local = datetime.fromtimestamp(now, tz)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.timestamp()


class TrayMenu(QMenu):
    """Status lines and every action; shared by the tray icon and the fallback window."""

    open_stats = Signal()
    open_settings = Signal()
    start_focus = Signal()  # "Custom…": the dialog with length, locked mode, what is blocked
    open_api_settings = Signal()  # the local API's line: Settings → Editors
    stop_focus = Signal()
    quit_requested = Signal()

    def __init__(self, engine: Any, hooks: HabitHooks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.hooks = hooks
        self.setToolTipsVisible(True)
        self.today_action = self._info("Today: –")
        self.current_action = self._info("Now: –")
        self.countdown_action = self._info("")
        self.hold_action = self._info("")  # "Breaks paused: you are in a call"
        self.api_action = self._act("", self.open_api_settings.emit)
        self.addSeparator()
        self.pause_15 = self._act("Pause for 15 minutes", lambda: self.pause(15 * 60))
        self.pause_60 = self._act("Pause for 1 hour", lambda: self.pause(3600))
        self.pause_tomorrow = self._act("Pause until tomorrow", self.pause_until_tomorrow)
        self.resume_action = self._act("Resume tracking", self.engine.resume)
        self.addSeparator()
        self.stats_action = self._act("Open statistics…", self.open_stats.emit)
        self.focus_menu = self.addMenu("Start a focus session")
        self.focus_actions = []
        for minutes in FOCUS_LENGTHS:
            act = self.focus_menu.addAction(f"{minutes} minutes")
            act.triggered.connect(lambda _=False, m=minutes: self.hooks.start_focus(m))
            self.focus_actions.append(act)
        self.focus_menu.addSeparator()
        self.custom_focus_action = self.focus_menu.addAction("Custom length, locked mode…")
        self.custom_focus_action.triggered.connect(lambda _=False: self.start_focus.emit())
        self.stop_focus_action = self._act("Stop the focus session…", self.stop_focus.emit)
        self.break_action = self._act("Take a break now", self.hooks.take_break)
        self.addSeparator()
        self.settings_action = self._act("Settings…", self.open_settings.emit)
        self.quit_action = self._act("Quit TimeForged", self.quit_requested.emit)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.update_status(engine.status())

    def _info(self, text: str) -> QAction:
        act = self.addAction(text)
        act.setEnabled(False)
        return act

    def _act(self, text: str, slot) -> QAction:
        act = self.addAction(text)
        act.triggered.connect(lambda _=False: slot())
        return act

    def pause(self, seconds: float) -> None:
        self.engine.pause(time.time() + seconds)

    def pause_until_tomorrow(self) -> None:
        self.engine.pause(next_midnight(time.time(), self.engine.config.zone()))

    def update_status(self, status: Any) -> None:
        self.today_action.setText(f"Today: {format_duration(status.today_seconds)}")
        state = getattr(status, "state", "stopped")
        if state == "paused":
            until = getattr(status, "paused_until", None)
            when = (datetime.fromtimestamp(until).strftime("%H:%M") if until
                    else "you resume")
            self.current_action.setText(f"Paused until {when}")
        else:
            self.current_action.setText(f"Now: {current_label(status)}")
        countdown = countdown_text(getattr(self.engine, "focus", None), status.time)
        self.countdown_action.setText(countdown or "")
        self.countdown_action.setVisible(bool(countdown))
        hold = hold_text(getattr(self.engine, "breaks", None), status.time)
        self.hold_action.setText(hold)
        self.hold_action.setVisible(bool(hold))
        self.update_api()
        focusing = bool(getattr(status, "focus_active", False))
        self.focus_menu.menuAction().setVisible(not focusing)
        self.stop_focus_action.setVisible(focusing)
        paused = state == "paused"
        self.resume_action.setVisible(paused)
        for act in (self.pause_15, self.pause_60, self.pause_tomorrow):
            act.setEnabled(not paused and state != "stopped")

    def update_api(self) -> None:
        """The local API's state, shown only when it cannot listen (not before it starts);
        a click on it opens Settings → Editors, its tooltip says what to do."""
        state = getattr(self.engine, "api_state", None)
        api = state() if state else None
        broken = api is not None and not api.listening and bool(api.advice)
        self.api_action.setText(f"⚠ {api.summary}…" if broken else "")
        self.api_action.setToolTip(api.advice if broken else "")
        self.api_action.setVisible(broken)


def tooltip_text(status: Any, focus: Any = None) -> str:
    state = STATE_WORDS.get(display_state(status), "")
    lines = [f"TimeForged: {state.lower()}",
             f"Today: {format_duration(status.today_seconds)}"]
    countdown = countdown_text(focus, status.time)
    if countdown:
        lines.append(countdown)
    if getattr(status, "current", None) is not None and status.state != "paused":
        lines.append(f"Now: {current_label(status)}")
    if getattr(status, "store_error", None):
        lines.append(f"Database problem: {status.store_error}")
    return "\n".join(lines)


class Tray(QObject):
    """The system tray icon: state icon, tooltip, menu; a left click opens statistics."""

    def __init__(self, menu: TrayMenu, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.menu = menu
        self.icon = QSystemTrayIcon(parent)
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self._activated)
        self.state = ""
        self.update_status(menu.engine.status())

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def update_status(self, status: Any) -> None:
        state = display_state(status)
        if state != self.state:
            self.state = state
            self.icon.setIcon(state_icon(state))
        self.icon.setToolTip(tooltip_text(status, getattr(self.menu.engine, "focus", None)))
        self.menu.update_status(status)

    def show_message(self, title: str, text: str) -> None:
        self.icon.showMessage(title, text, state_icon(self.state or "tracking"), 8000)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self.menu.open_stats.emit()


class FallbackWindow(QWidget):
    """Shown where QSystemTrayIcon.isSystemTrayAvailable() is False; says why."""

    def __init__(self, menu: TrayMenu, reason: str) -> None:
        super().__init__()
        self.menu = menu
        self.setWindowTitle("TimeForged")
        self.setWindowIcon(state_icon("tracking"))
        layout = QVBoxLayout(self)
        why = QLabel(reason)
        why.setWordWrap(True)
        why.setObjectName("muted")
        self.state_label = QLabel()
        self.state_label.setObjectName("periodLabel")
        self.detail_label = QLabel()
        layout.addWidget(self.state_label)
        layout.addWidget(self.detail_label)
        buttons = QHBoxLayout()
        stats = QPushButton("&Statistics")
        stats.clicked.connect(menu.open_stats.emit)
        more = QToolButton()
        more.setText("&More")
        more.setMenu(menu)
        more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        buttons.addWidget(stats)
        buttons.addWidget(more)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(why)
        self.setMinimumWidth(340)
        self.update_status(menu.engine.status())

    def update_status(self, status: Any) -> None:
        state = display_state(status)
        self.setWindowIcon(state_icon(state))
        self.state_label.setText(STATE_WORDS.get(state, state))
        self.detail_label.setText(tooltip_text(status, getattr(self.menu.engine, "focus", None))
                                  .split("\n", 1)[-1])
        self.menu.update_status(status)

    def show_message(self, title: str, text: str) -> None:
        self.detail_label.setText(f"{title}: {text}")

    def closeEvent(self, event: QCloseEvent) -> None:
        # Without a tray this window is the app: closing it minimizes instead of quitting.
        event.ignore()
        self.setWindowState(self.windowState() | Qt.WindowState.WindowMinimized)
