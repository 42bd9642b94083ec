"""Focus mode while the tray idles: the countdown's text, and a toast over a blocked site or
app as it comes into focus. Wire with ``bridge.event.connect(notices.on_event)``."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Slot
from PySide6.QtGui import QCursor, QFont, QGuiApplication
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.engine.formatting import format_duration

TOAST_SECONDS = 4.0


def countdown_text(focus: Any, now: float) -> str | None:
    """"Focus: 23m 10s left (until 14:35, locked)" while a session runs, else None."""
    session = getattr(focus, "session", None)
    if session is None:
        return None
    until = datetime.fromtimestamp(session.ends_at).strftime("%H:%M")
    locked = ", locked" if session.plan.locked else ""
    return (f"Focus: {format_duration(max(0.0, session.ends_at - now))} left "
            f"(until {until}{locked})")


class BlockedToast(QWidget):
    """A small always-on-top card in the middle of the screen under the mouse."""

    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.ToolTip)
        self.setObjectName("blockedToast")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setStyleSheet("#blockedToast { background: #2a1f3d; border: 2px solid #8e5cf0;"
                           " border-radius: 10px; } QLabel { color: #f1ecff; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 20, 28, 20)
        self.headline = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.headline.setFont(QFont(self.font().family(), 18, QFont.Weight.Bold))
        self.detail = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        layout.addWidget(self.headline)
        layout.addWidget(self.detail)
        self._hide = QTimer(self, singleShot=True, interval=int(TOAST_SECONDS * 1000))
        self._hide.timeout.connect(self.hide)

    def show_attempt(self, attempt: Any, remaining: float | None) -> None:
        what = attempt.site or attempt.app or "This"
        self.headline.setText(f"{what} is blocked")
        left = f"{format_duration(remaining)} of focus left. " if remaining else ""
        self.detail.setText(f"{left}Attempt {attempt.count} this session: back to work?")
        self.adjustSize()
        screen = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        self.move(area.center() - QPoint(self.width() // 2, self.height() // 2))
        self.show()
        self.raise_()
        self._hide.start()


class FocusNotices(QObject):
    """Shows the toast on each "focus_blocked" engine event."""

    def __init__(self, focus: Any, parent: QObject | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.focus = focus
        self.clock = clock
        self.toast = BlockedToast()

    @Slot(str, object)
    def on_event(self, kind: str, payload: object) -> None:
        if kind == "focus_blocked":
            session = getattr(self.focus, "session", None)
            remaining = session.ends_at - self.clock() if session is not None else None
            self.toast.show_attempt(payload, remaining)
        elif kind in ("focus_ended", "focus_abandoned"):
            self.toast.hide()
