"""The drill-down's Commits tab: a drilled project's commits in the period (short hash, first
line of the message, coding time, lines added and removed, branch), sortable by any column,
or its pull requests. Loaded off the GUI thread (desktop.ui.commits_data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.engine.commits import Commits
from desktop.engine.formatting import format_duration
from desktop.engine.periods import Period
from desktop.ui.bridge import QueryRunner
from desktop.ui.commits_data import CommitList, load_commits
from desktop.ui.stats_data import engine_project

COMMIT_COLUMNS = ("Commit", "Message", "Time", "+", "−", "Branch")
PULL_COLUMNS = ("Pull request", "Branch", "Commits", "Time", "+", "−")
VIEWS = ("Commits", "Pull requests")
_SORT = Qt.ItemDataRole.UserRole
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class _Row(QTreeWidgetItem):
    """A row sorting by each cell's sort key (numbers as numbers), not its text."""

    def __init__(self, cells: list[tuple[str, Any]], tip: str = "") -> None:
        super().__init__([text for text, _ in cells])
        for i, (text, key) in enumerate(cells):
            self.setData(i, _SORT, key)
            self.setToolTip(i, tip or text)
            if isinstance(key, (int, float)) and i:
                self.setTextAlignment(i, _RIGHT)

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        col = self.treeWidget().sortColumn() if self.treeWidget() else 0
        a, b = self.data(col, _SORT), other.data(col, _SORT)
        return (a is None, a) < (b is None, b) if type(a) is type(b) else str(a) < str(b)


class CommitsView(QWidget):
    loaded = Signal(object)  # CommitList, once drawn

    def __init__(self, engine: Any) -> None:
        super().__init__()
        config = getattr(engine, "config", None)
        emails = getattr(getattr(config, "git", None), "emails", ())
        self.commits = Commits(engine.store, engine.analytics, emails)
        self.runner = QueryRunner(self)
        self.runner.finished.connect(self._on_result)
        self.runner.failed.connect(self._on_failure)
        self._token = 0
        self._asked: tuple[str, float, float] | None = None
        self.data: CommitList | None = None

        self.view = QComboBox()
        self.view.addItems(VIEWS)
        self.view.setToolTip("Each commit, or the pull requests their branches belong to")
        self.view.currentIndexChanged.connect(lambda _i: self._draw())
        self.summary = QLabel("")
        self.summary.setObjectName("muted")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.view)
        top.addWidget(self.summary, 1)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.setMinimumHeight(120)

    def show_for(self, project: str | None, period: Period | None) -> None:
        """Load `project`'s commits in `period` (nothing when either is None)."""
        asked = None
        if project is not None and period is not None:
            start, end = period.bounds(self.commits.analytics.tz)
            asked = (engine_project(project), start.timestamp(), end.timestamp())
        if asked == self._asked:
            return
        self._asked = asked
        if asked is None:
            self._token = 0
            self.data = None
            self._draw()
            return
        self.summary.setText("Reading commits…")
        commits = self.commits
        self._token = self.runner.submit(lambda: load_commits(commits, *asked))

    def _on_result(self, token: int, result: CommitList) -> None:
        if token != self._token:
            return
        self._token = 0
        self.data = result
        self._draw()
        self.loaded.emit(result)

    def _on_failure(self, token: int, message: str) -> None:
        if token == self._token:
            self._token = 0
            self.summary.setText(f"Could not read the commits: {message}")

    def _draw(self) -> None:
        pulls = self.view.currentIndex() == 1
        data = self.data
        self.table.setSortingEnabled(False)
        self.table.clear()
        columns = PULL_COLUMNS if pulls else COMMIT_COLUMNS
        self.table.setColumnCount(len(columns))
        self.table.setHeaderLabels(list(columns))
        rows: list[tuple[list[tuple[str, Any]], str]] = []
        if data is not None and pulls:
            rows = [([(p.pull, int(p.pull.lstrip("#") or 0)), (p.branch or "", p.branch or ""),
                      (str(p.commits), p.commits), (format_duration(p.seconds), p.seconds),
                      (f"+{p.added}", p.added), (f"−{p.deleted}", p.deleted)], "")
                    for p in data.pulls]
        elif data is not None:
            tz = self.commits.analytics.tz
            rows = [([(c.hash[:9], c.authored), (c.subject, c.subject.lower()),
                      (format_duration(c.seconds), c.seconds), (f"+{c.added}", c.added),
                      (f"−{c.deleted}", c.deleted), (c.branch or "", c.branch or "")],
                     f"{c.hash}\n{datetime.fromtimestamp(c.authored, tz):%a %d %b %Y %H:%M}"
                     f"\n{c.subject}")
                    for c in data.commits]
        self.table.addTopLevelItems([_Row(cells, tip) for cells, tip in rows])
        header = self.table.header()
        header.setStretchLastSection(False)
        for i in range(len(columns)):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(3 if pulls else 0, Qt.SortOrder.DescendingOrder)
        self.summary.setText(self._summary(data, pulls))

    @staticmethod
    def _summary(data: CommitList | None, pulls: bool) -> str:
        if data is None:
            return ""
        problems = f" · {'; '.join(data.problems)}" if data.problems else ""
        if not data.commits:
            return ("No commits of yours in this period (yours: the repository's git "
                    "user.email, or [git] emails in config.toml)" + problems)
        total = sum(c.seconds for c in data.commits)
        if pulls:
            return f"{len(data.pulls)} pull requests{problems}"
        return (f"{len(data.commits)} commits · {format_duration(total)} of coding"
                f"{problems}")
