"""Forms built from the engine's config dataclasses: one editor per field, ranges from the
field metadata, so a new setting shows up without UI code."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

# Friendlier labels and help for known fields; anything else gets its humanized name.
LABELS = {
    "poll_interval": ("Poll every (seconds)", "How often the watchers look at the desktop."),
    "idle_timeout": ("Idle after (seconds)", "Without keyboard or mouse input for this long, "
                     "you count as away; the idle time is not recorded."),
    "flush_interval": ("Save every (seconds)", "At most this much is lost on a crash."),
    "sleep_gap": ("Sleep gap (seconds)", "A longer pause between polls is treated as sleep."),
    "excluded_apps": ("Never record apps", "Regular expressions on the app name, one per line."),
    "excluded_titles": ("Never record titles", "Regular expressions, one per line."),
    "redact_titles": ("Redact titles", "Matching titles are stored as [redacted]."),
    "daily_coding_minutes": ("Daily goal (minutes)", "The streak counts days reaching it."),
    "category": ("Goal category", "Which category counts toward the goal."),
    "micro_interval_minutes": ("Micro-break every (minutes)", "20-20-20: look 20 feet away "
                               "for 20 seconds every 20 minutes."),
    "micro_duration_seconds": ("Micro-break length (seconds)", ""),
    "long_interval_minutes": ("Long break every (minutes)", ""),
    "long_duration_minutes": ("Long break length (minutes)", ""),
    "warning_seconds": ("Warn before a break (seconds)", ""),
    "max_postpones": ("Postpones allowed", "Not in strict mode."),
    "strict": ("Strict mode", "No postponing or skipping."),
    "do_not_disturb": ("Do not disturb", "No break over a full-screen window."),
    "daily_limit_minutes": ("Daily active time limit (minutes)", ""),
    "default_minutes": ("Session length (minutes)", ""),
    "block_distracting": ("Block distracting sites", "The categories your rules rate below 0."),
    "block_sites": ("Also block sites", "One per line."),
    "block_apps": ("Also block apps", "One per line."),
    "hosts_block": ("Block in the hosts file", "Asks for the administrator password."),
    "minimize_blocked": ("Minimize blocked windows", ""),
    "schedules": ("Schedules", "One per line, e.g. weekdays 09:00-12:00."),
}
# What an unset optional number means, shown at the bottom of its spin box.
UNSET = {"sleep_gap": "automatic", "daily_limit_minutes": "no limit"}


def _base(kind: Any) -> tuple[Any, bool]:
    optional = False
    if isinstance(kind, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        optional = len(args) < len(typing.get_args(kind))
        kind = args[0]
    return typing.get_origin(kind) or kind, optional


class DataclassForm(QWidget):
    """Edits a copy of one config section; `value()` returns the edited copy."""

    def __init__(self, section: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.editors: dict[str, tuple[QWidget, Any, bool]] = {}
        layout = QFormLayout(self)
        hints = typing.get_type_hints(type(section))
        for f in dataclasses.fields(section):
            base, optional = _base(hints[f.name])
            editor = self._editor(base, optional, f.metadata, getattr(section, f.name),
                                  UNSET.get(f.name, "none"))
            label, tip = LABELS.get(f.name, (f.name.replace("_", " ").capitalize(), ""))
            editor.setToolTip(tip)
            editor.setObjectName(f.name)
            layout.addRow(label, editor)
            self.editors[f.name] = (editor, base, optional)

    @staticmethod
    def _editor(base: Any, optional: bool, meta: Any, value: Any, unset: str) -> QWidget:
        low, high = meta.get("range", (0, 10**9))
        if base is bool:
            box = QCheckBox()
            box.setChecked(bool(value))
            return box
        if base is int:
            spin = QSpinBox()
            spin.setRange(int(low), int(high))
            spin.setValue(int(value or 0))
            spin.setMaximumWidth(160)
            return spin
        if base is float:
            dspin = QDoubleSpinBox()
            dspin.setDecimals(1)
            # An optional number uses the bottom of its range (shown "automatic") for None.
            dspin.setRange(float(low) - (1 if optional else 0), float(high))
            if optional:
                dspin.setSpecialValueText(unset)
            dspin.setValue(float(low) - 1 if value is None else float(value))
            dspin.setMaximumWidth(160)
            return dspin
        if base is list:
            text = QPlainTextEdit("\n".join(value or []))
            text.setMaximumHeight(80)
            text.setTabChangesFocus(True)
            return text
        line = QLineEdit("" if value is None else str(value))
        return line

    def value(self) -> Any:
        changes: dict[str, Any] = {}
        for name, (editor, _base, optional) in self.editors.items():
            if isinstance(editor, QCheckBox):
                changes[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox):
                changes[name] = editor.value()
            elif isinstance(editor, QDoubleSpinBox):
                at_special = optional and editor.value() == editor.minimum()
                changes[name] = None if at_special else editor.value()
            elif isinstance(editor, QPlainTextEdit):
                changes[name] = [ln.strip() for ln in editor.toPlainText().splitlines()
                                 if ln.strip()]
            elif isinstance(editor, QLineEdit):
                text = editor.text().strip()
                changes[name] = text if text or not optional else None
        return dataclasses.replace(self.section, **changes)
