"""Focus mode on screen: a toast over a blocked site or app as it comes into focus, and the
dialog that ends a locked session only after its unlock text is typed.

Wire with ``bridge.event.connect(notices.on_event)``; the stop dialog calls
`engine.focus.stop(unlock_text=...)`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Slot
from PySide6.QtGui import QCursor, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.engine.formatting import format_duration

TOAST_SECONDS = 4.0


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


class UnlockEdit(QLineEdit):
    """A line edit that takes typing only: no paste, no drop, no context menu."""

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)

    def keyPressEvent(self, event: Any) -> None:
        if event.matches(QKeySequence.StandardKey.Paste) or (
                event.key() == Qt.Key.Key_Insert
                and event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            event.accept()
            return
        super().keyPressEvent(event)


class StopFocusDialog(QDialog):
    """Ends the running session; a locked one with an unlock text asks for it, typed."""

    def __init__(self, focus: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.focus = focus
        self.setWindowTitle("End focus session")
        session = focus.session
        self.unlock_text = session.unlock_text if session is not None else None
        layout = QVBoxLayout(self)
        self.explain = QLabel(wordWrap=True)
        layout.addWidget(self.explain)
        self.challenge = QLabel(self.unlock_text or "", wordWrap=True)
        self.challenge.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.challenge.setFont(QFont("monospace", 13))
        self.entry = UnlockEdit()
        self.error = QLabel()
        self.error.setStyleSheet("color: #d84a4a;")
        for widget in (self.challenge, self.entry, self.error):
            layout.addWidget(widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.end_button = buttons.addButton("End session",
                                            QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.try_stop)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        locked = session is not None and session.plan.locked
        self.challenge.setVisible(bool(self.unlock_text))
        self.entry.setVisible(bool(self.unlock_text))
        if session is None:
            self.explain.setText("No focus session is running.")
            self.end_button.setEnabled(False)
        elif locked and not self.unlock_text:
            self.explain.setText("This session is locked: it cannot be ended early.")
            self.end_button.setEnabled(False)
        elif locked:
            self.explain.setText("This session is locked. To end it now, type this text "
                                 "exactly (pasting is off on purpose):")
        else:
            self.explain.setText("End the focus session now? It counts as abandoned.")

    @Slot()
    def try_stop(self) -> None:
        from desktop.engine.focus.session import FocusError

        try:
            self.focus.stop(unlock_text=self.entry.text() if self.unlock_text else None)
        except FocusError as exc:
            self.error.setText(str(exc))
            return
        self.accept()
