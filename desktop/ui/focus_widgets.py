"""Focus mode on screen: the dialog that starts a session (any length, locked or not, what it
will block shown first), the live countdown, and the dialog that ends a locked session only
after its unlock text is typed (the toast over a blocked site or app is in focus_notices.py,
which the idle tray loads alone).

Wire with ``bridge.status.connect(countdown.on_status)``; the dialogs call
``engine.focus.start(plan)`` and ``engine.focus.stop(unlock_text=...)``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.engine.focus.session import PRESETS, FocusError, FocusPlan, parse_duration
from desktop.engine.formatting import format_span
from desktop.ui.focus_notices import countdown_text

UNLOCK_CHARS = 30  # proposed length of a locked session's unlock text
SHOWN_SITES = 12  # sites listed by name before "and N more"


class FocusCountdown(QLabel):
    """The running session's countdown, hidden when none runs; feed it the engine's status
    (``bridge.status.connect(countdown.on_status)``): one update per poll."""

    def __init__(self, focus: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.focus = focus
        self.setObjectName("focusCountdown")
        self.hide()

    @Slot(object)
    def on_status(self, status: Any) -> None:
        text = countdown_text(self.focus, getattr(status, "time", time.time()))
        self.setText(text or "")
        self.setVisible(bool(text))


class StartFocusDialog(QDialog):
    """Start a session: its length (a preset or typed: 25m, 1h30m), locked mode with the
    length of its unlock text, and the sites that will be blocked, listed before starting."""

    def __init__(self, focus: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.focus = focus
        self.base: FocusPlan = focus.default_plan
        self.session: Any = None  # the started session, once Start worked
        self.setWindowTitle("Start a focus session")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.length = QLineEdit(format_span(self.base.minutes * 60), objectName="length")
        self.length.setPlaceholderText("e.g. 25m, 50m, 1h30m")
        self.length.setToolTip("From 1 minute to 24 hours: 45m, 1h30m, or minutes (90).")
        row = QHBoxLayout()
        row.addWidget(self.length)
        for minutes in PRESETS:
            preset = QPushButton(f"{minutes}m")
            preset.setAutoDefault(False)
            preset.clicked.connect(lambda _=False, m=minutes: self.length.setText(f"{m}m"))
            row.addWidget(preset)
        length_label = QLabel("&Length")
        length_label.setBuddy(self.length)
        form.addRow(length_label, row)
        self.locked = QCheckBox("&Locked: it cannot be ended early")
        form.addRow("", self.locked)
        self.unlock_chars = QSpinBox(objectName="unlockChars")
        self.unlock_chars.setRange(0, 200)
        self.unlock_chars.setValue(UNLOCK_CHARS)
        self.unlock_chars.setSuffix(" characters")
        self.unlock_chars.setSpecialValueText("no early end at all")
        self.unlock_chars.setToolTip("To end a locked session early, this many random "
                                     "characters must be typed (pasting is off).")
        self.unlock_chars.setEnabled(False)
        self.locked.toggled.connect(self.unlock_chars.setEnabled)
        form.addRow("&Unlock text", self.unlock_chars)
        layout.addLayout(form)
        self.blocked = QLabel(wordWrap=True, objectName="blockedPreview")
        self.blocked.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.blocked)
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet("color: #d84a4a;")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = buttons.addButton("&Start", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setDefault(True)
        buttons.accepted.connect(self.try_start)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.length.textChanged.connect(self._check)
        self.blocked.setText(self.preview_text())
        self._check()

    def plan(self) -> FocusPlan:
        """The session as set; FocusError when the length is not one."""
        minutes = parse_duration(self.length.text()) / 60
        locked = self.locked.isChecked()
        return replace(self.base, minutes=minutes, locked=locked,
                       unlock_chars=self.unlock_chars.value() if locked else 0)

    def preview_text(self) -> str:
        sites = self.focus.preview(self.base)
        self.blocked.setToolTip(", ".join(sites))
        shown = ", ".join(sites[:SHOWN_SITES]) + (
            f" and {len(sites) - SHOWN_SITES} more" if len(sites) > SHOWN_SITES else "")
        lines = [f"<b>Sites blocked:</b> {shown}" if sites else
                 "<b>Sites blocked:</b> none by name"]
        if self.base.block_apps:
            lines.append(f"<b>Apps blocked:</b> {', '.join(self.base.block_apps)}")
        if self.base.block_distracting:
            lines.append("Any window your rules rate distracting is blocked too.")
        lines.append("<small>Change the lists in Settings → Focus.</small>")
        return "<br>".join(lines)

    @Slot()
    def _check(self) -> bool:
        try:
            self.plan()
        except FocusError as exc:
            self.error.setText(str(exc))
            self.start_button.setEnabled(False)
            return False
        self.error.setText("")
        self.start_button.setEnabled(True)
        return True

    @Slot()
    def try_start(self) -> None:
        if not self._check():
            return
        try:
            self.session = self.focus.start(self.plan())
        except FocusError as exc:  # one is already running
            self.error.setText(str(exc))
            return
        self.accept()


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
