"""The rules editor: the user's rules.toml with its errors by line, and a live preview of how
today's activity would be classified with the text as it stands."""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.engine import paths
from desktop.engine.formatting import format_duration
from desktop.engine.rules import Rules, RulesError
from desktop.engine.span import Span
from desktop.ui.bridge import QueryRunner
from desktop.ui.theme import productivity_color

STARTER = """\
# Your rules, tried before the built-in ones. Examples:
#
# [[rules]]
# match.title = 'text:timeforged'
# project = "timeforged"
#
# [[rules]]
# match.site = '^news\\.ycombinator\\.com$'
# category = "news"
"""
PREVIEW_ROWS = 60
DEBOUNCE_MS = 350


def group_activity(spans: list[Span]) -> list[tuple[Span, float]]:
    """Today's spans grouped by what rules look at, largest first."""
    seconds: dict[tuple, float] = defaultdict(float)
    sample: dict[tuple, Span] = {}
    for span in spans:
        key = (*span.activity_key(), span.source)
        seconds[key] += span.duration
        sample.setdefault(key, span)
    return sorted(((sample[k], s) for k, s in seconds.items()), key=lambda p: -p[1])


class RulesEditor(QWidget):
    preview_updated = Signal()

    def __init__(self, engine: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.path = paths.rules_file(engine.home)
        self.activity: list[tuple[Span, float]] = []
        self.errors: list[RulesError] = []
        self.rules: Rules | None = None
        self._scratch = Path(tempfile.mkdtemp(prefix="timeforged-rules-")) / "rules.toml"

        self.editor = QPlainTextEdit()
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setTabChangesFocus(True)
        text = self.path.read_text("utf-8") if self.path.exists() else STARTER
        self.editor.setPlainText(text)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save_button = QPushButton("&Save rules")
        self.save_button.clicked.connect(self.save)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Time", "Activity", "Project", "Category",
                                              "Productivity"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        where = QLabel(f"Your rules file: {self.path}")
        where.setWordWrap(True)
        where.setObjectName("muted")
        ll.addWidget(where)
        ll.addWidget(self.editor, 1)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.save_button)
        ll.addLayout(row)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(QLabel("Preview: today's activity classified by these rules"))
        rl.addWidget(self.table, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([480, 520])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.update_preview)
        self.editor.textChanged.connect(self._debounce.start)
        self.runner = QueryRunner(self)
        self.runner.finished.connect(self._activity_loaded)
        self._load_activity()

    def _load_activity(self) -> None:
        store, tz = self.engine.store, self.engine.config.zone()

        def today_spans() -> list[tuple[Span, float]]:
            now = time.time()
            midnight = datetime.fromtimestamp(now, tz).replace(hour=0, minute=0, second=0,
                                                               microsecond=0)
            return group_activity(store.spans(midnight.timestamp(), now + 1))

        self.runner.submit(today_spans)

    def _activity_loaded(self, _token: int, activity: list[tuple[Span, float]]) -> None:
        self.activity = activity
        self.update_preview()

    def check(self) -> list[RulesError]:
        self._scratch.write_text(self.editor.toPlainText(), "utf-8")
        self.errors = Rules.check(self._scratch)
        self.rules = None if self.errors else Rules.load(self._scratch)
        return self.errors

    def update_preview(self) -> None:
        errors = self.check()
        if errors:
            first = errors[0]
            where = f"line {first.line}: " if first.line else ""
            self.status.setText(f"<span style='color:#e53935'>✗ {where}"
                                f"{_plain(first)}</span>"
                                + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))
            self.save_button.setEnabled(False)
            if first.line:
                self._mark_line(first.line)
            return
        self.status.setText("<span style='color:#2e9d5b'>✓ The rules are valid.</span>")
        self.save_button.setEnabled(True)
        assert self.rules is not None
        rows = self.activity[:PREVIEW_ROWS]
        self.table.setRowCount(len(rows))
        for r, (span, seconds) in enumerate(rows):
            cls = self.rules.classify(span)
            what = " · ".join(x for x in (span.app, span.site, span.file or span.title) if x)
            cells = [format_duration(seconds), what, cls.project or "", cls.category,
                     f"{cls.productivity:+d}"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 4:
                    item.setForeground(productivity_color(cls.productivity))
                self.table.setItem(r, c, item)
        self.table.resizeColumnToContents(0)
        self.preview_updated.emit()

    def _mark_line(self, line: int) -> None:
        block = self.editor.document().findBlockByLineNumber(line - 1)
        if block.isValid():
            cursor = QTextCursor(block)
            cursor.select(QTextCursor.SelectionType.LineUnderCursor)
            sel = QTextEdit.ExtraSelection()
            sel.cursor = cursor
            sel.format.setBackground(productivity_color(-1).lighter(150))
            self.editor.setExtraSelections([sel])
            return
        self.editor.setExtraSelections([])

    def save(self) -> bool:
        if self.check():
            self.update_preview()
            return False
        self.path.write_text(self.editor.toPlainText(), "utf-8")
        self.editor.setExtraSelections([])
        apply_rules(self.engine, self.path)
        self.status.setText("<span style='color:#2e9d5b'>✓ Saved. Reports use the new rules "
                            "now, history included.</span>")
        return True


def apply_rules(engine: Any, path: Path) -> None:
    """Make the engine report with the rules at `path`."""
    reload = getattr(engine, "reload_rules", None)
    if reload is not None:
        reload()
        return
    from desktop.engine.analytics import Analytics

    rules = Rules.load(path)
    engine.rules = rules
    engine.analytics = Analytics(engine.store, rules, engine.config.zone())


def _plain(error: RulesError) -> str:
    text = str(error)
    return text.replace("&", "&amp;").replace("<", "&lt;")
