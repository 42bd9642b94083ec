"""The break, shown on every screen: one full-screen, always-on-top window per QScreen with
the countdown, and postpone/skip buttons unless strict mode hides them.

Wire it to the engine with ``bridge.event.connect(overlay.on_event)``; the buttons call
`engine.breaks.postpone()` / `.skip()`, whose events close the windows again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QFont, QGuiApplication, QKeyEvent, QScreen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.engine.formatting import format_duration

CLOSING_EVENTS = ("break_ended", "break_skipped", "break_postponed")
MESSAGES = {
    "micro": "Look at something about 20 feet (6 m) away, and blink.",
    "long": "Stand up, stretch, walk around, drink some water.",
}


class BreakScreen(QWidget):
    """The break on one screen."""

    def __init__(self, overlay: BreakOverlay, screen: QScreen) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool)
        self.setObjectName("breakScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("TimeForged break")
        self.setStyleSheet("#breakScreen { background: #10141c; } QLabel { color: #e8ecf4; }"
                           "QPushButton { padding: 10px 24px; font-size: 15px; }")
        self.overlay = overlay
        self.target = screen
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        self.title = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.title.setFont(QFont(self.font().family(), 28, QFont.Weight.Bold))
        self.countdown = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.countdown.setFont(QFont(self.font().family(), 64, QFont.Weight.Light))
        self.message = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.message.setFont(QFont(self.font().family(), 16))
        for label in (self.title, self.countdown, self.message):
            layout.addWidget(label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.postpone = QPushButton("Postpone")
        self.skip = QPushButton("Skip")
        self.postpone.clicked.connect(overlay.postpone)
        self.skip.clicked.connect(overlay.skip)
        buttons.addWidget(self.postpone)
        buttons.addWidget(self.skip)
        buttons.addStretch(1)
        layout.addSpacing(24)
        layout.addLayout(buttons)
        layout.addStretch(3)

    def place(self) -> None:
        """Cover exactly this screen, full screen and above everything."""
        self.setGeometry(self.target.geometry())
        self.winId()  # the native window exists: it can be moved to its screen
        self.windowHandle().setScreen(self.target)
        self.showFullScreen()
        self.raise_()

    def refresh(self, info: Any, remaining: float) -> None:
        kind = info.kind
        self.title.setText("Micro break" if kind == "micro" else "Long break")
        self.countdown.setText(format_duration(remaining))
        self.message.setText(MESSAGES.get(kind, ""))
        self.postpone.setVisible(bool(info.can_postpone))
        self.postpone.setText(f"Postpone ({info.postpones_left} left)")
        self.skip.setVisible(bool(info.can_skip))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        event.accept()  # Escape and friends do not end a break

    def closeEvent(self, event: Any) -> None:
        if self.overlay.showing and not self.overlay.closing:
            event.ignore()  # the window manager's close button does not end a break either
        else:
            super().closeEvent(event)


class BreakOverlay(QObject):
    """Shows the running break on every screen, including screens plugged in meanwhile."""

    def __init__(self, breaks: Any, parent: QObject | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.breaks = breaks
        self.clock = clock
        self.info: Any = None
        self.windows: list[BreakScreen] = []
        self.closing = False
        self._timer = QTimer(self, interval=250)
        self._timer.timeout.connect(self._tick)
        app = QGuiApplication.instance()
        app.screenAdded.connect(self._screen_added)
        app.screenRemoved.connect(self._screen_removed)

    @property
    def showing(self) -> bool:
        return self.info is not None

    @Slot(str, object)
    def on_event(self, kind: str, payload: object) -> None:
        if kind == "break_due":
            self.show_break(payload)
        elif kind in CLOSING_EVENTS:
            self.hide_break()

    def show_break(self, info: Any) -> None:
        self.info = info
        for screen in QGuiApplication.screens():
            if not any(w.target is screen for w in self.windows):
                self._open(screen)
        self._tick()
        self._timer.start()

    def hide_break(self) -> None:
        self.info = None
        self._timer.stop()
        self.closing = True
        try:
            for window in self.windows:
                window.close()
        finally:
            self.closing = False
        self.windows = []

    @Slot()
    def postpone(self) -> None:
        self._ask(self.breaks.postpone)

    @Slot()
    def skip(self) -> None:
        self._ask(self.breaks.skip)

    def _ask(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except Exception as exc:  # strict mode or no postpone left: say so on screen
            for window in self.windows:
                window.message.setText(str(exc))

    def _open(self, screen: QScreen) -> None:
        window = BreakScreen(self, screen)
        self.windows.append(window)
        if self.info is not None:
            window.refresh(self.info, self.info.remaining(self.clock()))
        window.place()

    @Slot()
    def _tick(self) -> None:
        if self.info is None:
            return
        remaining = self.info.remaining(self.clock())
        for window in self.windows:
            window.refresh(self.info, remaining)
        if remaining <= 0:  # the engine ends it on its next poll; do not linger meanwhile
            self.hide_break()

    @Slot(QScreen)
    def _screen_added(self, screen: QScreen) -> None:
        if self.showing:
            self._open(screen)

    @Slot(QScreen)
    def _screen_removed(self, screen: QScreen) -> None:
        for window in [w for w in self.windows if w.target is screen]:
            self.windows.remove(window)
            self.closing = True
            window.close()
            self.closing = False
