"""Settings' "Work time" tab: working hours (set once, shared by tracking, breaks and focus
schedules) and the switches for what keeps time active without input."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFrame, QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop.ui.forms import DataclassForm

HOURS_NOTE = ("Outside working hours no break reminder comes; a focus schedule saying "
              "“working hours” runs during them.")
KEEP_NOTE = ("Reading, a call and a video are work: while one of these holds, time stays "
             "active without keyboard or mouse input (“timeforged now --json” names the "
             "reason).")


def work_page(config: Any, forms: dict[str, DataclassForm], pages: dict[str, QWidget],
              ) -> QWidget:
    """The tab; its two forms join `forms` (saved with the others, checked as typed)."""
    page = QWidget()
    layout = QVBoxLayout(page)
    for name, title, note in (("working_hours", "Working hours", HOURS_NOTE),
                              ("keep_active", "What keeps time active", KEEP_NOTE)):
        box = QGroupBox(title)
        column = QVBoxLayout(box)
        label = QLabel(note, wordWrap=True)
        label.setObjectName("muted")
        column.addWidget(label)
        forms[name] = form = DataclassForm(getattr(config, name))
        column.addWidget(form)
        layout.addWidget(box)
    layout.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(page)
    pages["working_hours"] = pages["keep_active"] = scroll
    return scroll
