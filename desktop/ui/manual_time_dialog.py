"""The "Add time…" dialog: a manual entry (duration, project, note, start) for time the
watchers could not see. Validation and storing are the engine's (desktop.engine.manual)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from desktop.engine import manual
from desktop.engine.span import Span


class ManualTimeDialog(QDialog):
    """Asks for an entry; `span` holds it once accepted (not stored yet). The start is shown
    and read in `start`'s time zone (the configured one, not necessarily the system's)."""

    def __init__(self, projects: list[str], start: datetime,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tz = start.tzinfo
        self.setWindowTitle("Add time")
        self.span: Span | None = None
        form = QFormLayout(self)
        intro = QLabel("Time the tracker could not see: a meeting, a whiteboard, a call away "
                       "from the computer. It replaces what was tracked at the same moments.")
        intro.setWordWrap(True)
        form.addRow(intro)
        self.duration = QLineEdit()
        self.duration.setPlaceholderText("1h30m, 45m, 2h")
        form.addRow("&Duration", self.duration)
        self.project = QComboBox()
        self.project.setEditable(True)
        self.project.addItems(projects)
        self.project.setCurrentText("")
        self.project.lineEdit().setPlaceholderText("a project")
        form.addRow("&Project", self.project)
        self.note = QLineEdit()
        self.note.setPlaceholderText("design review (optional)")
        form.addRow("&Note", self.note)
        self.start = QDateTimeEdit(QDateTime(start.replace(tzinfo=None)))
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("yyyy-MM-dd HH:mm")
        form.addRow("&Start", self.start)
        self.error = QLabel()
        self.error.setObjectName("errorLabel")
        self.error.setStyleSheet("color: #d14343")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(420)

    def accept(self) -> None:
        try:
            seconds = manual.parse_duration(self.duration.text())
            start = self.start.dateTime().toPython().replace(tzinfo=self.tz).timestamp()
            self.span = manual.manual_span(start, seconds,
                                           self.project.currentText(), self.note.text())
        except manual.EditError as exc:
            self.error.setText(str(exc))
            return
        super().accept()
