"""Forms built from the engine's config sections: one editor per setting, ranges from the
setting's metadata, so a new setting shows up without UI code."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.engine.config import field_problem, settings_of
from desktop.engine.formatting import UNIT_WORDS, format_span, parse_span

# Friendlier labels and help for known fields; anything else gets its humanized name.
# Durations (fields with a "unit") are typed as 45s, 20m, 1h30m: their labels carry no unit.
LABELS = {
    "poll_interval": ("Poll every", "How often the watchers look at the desktop."),
    "idle_timeout": ("Idle after", "Without keyboard or mouse input for this long, "
                     "you count as away; the idle time is not recorded."),
    "flush_interval": ("Save every", "At most this much is lost on a crash."),
    "sleep_gap": ("Sleep gap", "A longer pause between polls is treated as sleep."),
    "excluded_apps": ("Never record apps", "Regular expressions on the app name."),
    "excluded_titles": ("Never record titles", "Regular expressions on the window title."),
    "redact_titles": ("Redact titles", "Matching titles are stored as [redacted]."),
    "daily_coding_minutes": ("Daily goal (minutes)", "The streak counts days reaching it."),
    "category": ("Goal category", "Which category counts toward the goal."),
    "micro_interval_minutes": ("Micro-break every", "20-20-20: look 20 feet away "
                               "for 20 seconds every 20 minutes."),
    "micro_duration_seconds": ("Micro-break length", ""),
    "long_interval_minutes": ("Long break every", ""),
    "long_duration_minutes": ("Long break length", ""),
    "warning_seconds": ("Warn before a break", ""),
    "postpone_minutes": ("Postpone by", "How long “Postpone” puts a break off."),
    "max_postpones": ("Postpones allowed", "Not in strict mode."),
    "strict": ("Strict mode", "No postponing or skipping."),
    "do_not_disturb": ("Do not disturb", "No break over a full-screen window."),
    "daily_limit_minutes": ("Daily active time limit", ""),
    "default_minutes": ("Session length", ""),
    "block_distracting": ("Block distracting sites", "The categories your rules rate below 0."),
    "block_sites": ("Also block sites", "Subdomains are blocked too."),
    "block_apps": ("Also block apps", "The window class or the process name."),
    "hosts_block": ("Block in the hosts file", "Asks for the administrator password."),
    "minimize_blocked": ("Minimize blocked windows", ""),
    "schedules": ("Schedules", "A focus session starts by itself in each window."),
    "schedule": ("Working hours", "Set once: breaks remind only inside them, focus "
                 "schedules may say “working hours”, tracking may keep to them."),
    "track_only_inside": ("Track only in working hours", ""),
    "audio": ("Sound keeps time active", "Audio playing in the focused app or browser tab."),
    "meeting": ("A call keeps time active", "A meeting app or meeting page in focus."),
    "screen_share": ("Screen sharing keeps time active", "A sharing window or bar in focus."),
    "fullscreen": ("Fullscreen keeps time active", "A presentation, a video."),
    "meeting_apps": ("Also meeting apps", "Regular expressions on the app name."),
    "pause_breaks_in_calls": ("Pause breaks and blocking in calls",
                              "During a call, a screen share or a fullscreen presentation."),
}
# The format of each list box (one item per line) and a one-line example.
LIST_FORMATS = {
    "excluded_apps": ("regular expressions on the app name", "^keepassxc$"),
    "excluded_titles": ("regular expressions on the window title", "(?i)online banking"),
    "redact_titles": ("regular expressions on the window title", "(?i)private|confidential"),
    "block_sites": ("site names", "reddit.com"),
    "block_apps": ("app names (window class or process)", "steam"),
    "schedules": ("days and a time range, or “working hours”",
                  "weekdays 09:00-12:00 (or mon,wed 14:00-16:30)"),
    "schedule": ("days and a time range", "weekdays 09:00-17:30"),
    "meeting_apps": ("regular expressions on the app name", "^mumble$"),
}
# What an unset optional duration means, shown while its field is empty.
UNSET = {"sleep_gap": "automatic", "daily_limit_minutes": "no limit"}
ERROR_STYLE = "color: #e53935"


class DurationEdit(QLineEdit):
    """A duration typed as 45s, 20m or 1h30m; a bare number counts in the setting's unit."""

    def __init__(self, value: float | None, unit: float, unset: str | None) -> None:
        super().__init__("" if value is None else format_span(value * unit))
        self.unit = unit
        self.unset = unset
        word = UNIT_WORDS.get(unit, f"{unit:g}-second units")
        self.setPlaceholderText(unset or "e.g. 20m")
        self.hint = (f"A duration such as 45s, 20m or 1h30m; a bare number counts in {word}."
                     + (f" Empty: {unset}." if unset else ""))
        self.setMaximumWidth(160)

    def setting(self) -> float | None:
        """The value in the setting's unit; ValueError when the text is not a duration."""
        text = self.text().strip()
        if not text and self.unset:
            return None
        return parse_span(text, self.unit) / self.unit


class DataclassForm(QWidget):
    """Edits a copy of one config section, each field checked as it is typed by the engine's
    own validator (`field_problem`); `problems()` lists what is wrong, `value()` the copy."""

    changed = Signal()

    def __init__(self, section: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.editors: dict[str, tuple[QWidget, Any, bool]] = {}
        self.error_labels: dict[str, QLabel] = {}
        self.examples: dict[str, str] = {}
        layout = QFormLayout(self)
        for f in settings_of(section).values():
            base, optional = f.kind, f.optional
            editor = self._editor(f.name, base, optional, f.metadata, getattr(section, f.name))
            label, tip = LABELS.get(f.name, (f.name.replace("_", " ").capitalize(), ""))
            editor.setObjectName(f.name)
            error = QLabel(wordWrap=True, objectName=f"{f.name}_error")
            error.setStyleSheet(ERROR_STYLE)
            error.hide()
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(editor)
            if f.name in LIST_FORMATS:
                what, example = LIST_FORMATS[f.name]
                fmt = QLabel(f"One per line: {what}, e.g. {example}", wordWrap=True)
                fmt.setObjectName("muted")
                column.addWidget(fmt)
                self.examples[f.name] = example
            elif isinstance(editor, DurationEdit):
                tip = " ".join(t for t in (tip, editor.hint) if t)
                self.examples[f.name] = format_span(
                    (f.default if f.default is not None else f.metadata["range"][0])
                    * editor.unit)
            editor.setToolTip(tip)
            column.addWidget(error)
            layout.addRow(label, cell)
            self.editors[f.name] = (editor, base, optional)
            self.error_labels[f.name] = error
            self._watch(f.name, editor)

    def _editor(self, name: str, base: Any, optional: bool, meta: Any, value: Any) -> QWidget:
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
            return DurationEdit(value, float(meta.get("unit") or 1),
                                UNSET.get(name, "none") if optional else None)
        if base is list:
            text = QPlainTextEdit("\n".join(value or []))
            text.setMaximumHeight(80)
            text.setTabChangesFocus(True)
            if name in LIST_FORMATS:
                what, example = LIST_FORMATS[name]
                text.setPlaceholderText(f"One per line ({what}), e.g.\n{example}")
            return text
        return QLineEdit("" if value is None else str(value))

    def _watch(self, name: str, editor: QWidget) -> None:
        def check() -> None:
            self.show_problem(name, self.problem(name))
            self.changed.emit()

        for signal in ("textChanged", "valueChanged", "toggled"):
            if hasattr(editor, signal):
                getattr(editor, signal).connect(check)
                return

    def _read(self, name: str) -> Any:
        """The field's value as typed; ValueError when it cannot be read (not a duration)."""
        editor, _base, optional = self.editors[name]
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QSpinBox):
            return editor.value()
        if isinstance(editor, DurationEdit):
            return editor.setting()
        if isinstance(editor, QPlainTextEdit):
            return [ln.strip() for ln in editor.toPlainText().splitlines() if ln.strip()]
        text = editor.text().strip()  # type: ignore[attr-defined]
        return text if text or not optional else None

    def problem(self, name: str) -> str | None:
        """What is wrong with the field as typed, with an example of a right value."""
        try:
            value = self._read(name)
        except ValueError as exc:
            return str(exc)
        if value is None and self.editors[name][2]:
            return None
        reason = field_problem(self.section, name, value)
        if reason is None:
            return None
        example = self.examples.get(name)
        return f"{reason}. Example: {example}" if example and "try " not in reason else reason

    def show_problem(self, name: str, problem: str | None) -> None:
        label = self.error_labels[name]
        label.setText(problem or "")
        label.setVisible(bool(problem))
        self.editors[name][0].setStyleSheet(
            "" if not problem else f"#{name} {{ border: 1px solid #e53935; }}")

    def problems(self) -> dict[str, str]:
        """Every field's problem, each now shown at its field."""
        found = {}
        for name in self.editors:
            problem = self.problem(name)
            self.show_problem(name, problem)
            if problem:
                found[name] = problem
        return found

    def value(self) -> Any:
        """The edited copy; call only when `problems()` is empty."""
        return self.section.replace(**{name: self._read(name) for name in self.editors})
