"""Editing from the statistics window: the timeline's context menu on a span (move to a
project or category, split here, delete), "Add time…" and "Export timesheet…". The edits
themselves are the engine's (desktop.engine.manual); this only asks and forwards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QMenu,
    QMessageBox,
    QToolButton,
    QWidget,
)

from desktop.engine import manual
from desktop.engine.formatting import format_duration
from desktop.engine.span import MANUAL
from desktop.engine.timesheet import timesheet, timesheet_csv
from desktop.ui.charts.timeline import TimelineChart
from desktop.ui.manual_time_dialog import ManualTimeDialog


class TimelineEditor:
    """What the menus need from the window: the engine (its store and analytics), the projects
    to offer and the period shown (callables, read when used), and `changed`, called after
    each edit (the window redraws)."""

    def __init__(self, engine: Any, parent: QWidget, changed: Callable[[], None],
                 projects: Callable[[], list[str]],
                 period: Callable[[], tuple[date, date]]) -> None:
        self.engine = engine
        self.parent = parent
        self.changed = changed
        self.projects = projects
        self.period = period
        self.dialog: ManualTimeDialog | None = None

    def _bounds(self) -> tuple[datetime, datetime]:
        tz = self.engine.config.zone()
        first, end = self.period()
        return (datetime.combine(first, time(), tzinfo=tz),
                datetime.combine(end, time(), tzinfo=tz))

    def toolbar_button(self) -> QToolButton:
        """"Time ▾": Add time…, Export timesheet…"""
        button = QToolButton()
        button.setText("Time")
        button.setToolTip("Add time the tracker could not see; export a timesheet")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        menu.addAction("Add time…").triggered.connect(lambda _=False: self.add_time())
        menu.addAction("Export timesheet…").triggered.connect(
            lambda _=False: self.export_timesheet())
        button.setMenu(menu)
        return button

    def attach(self, chart: TimelineChart) -> None:
        """A right click on a bar of `chart` opens the span's menu (instead of pyqtgraph's)."""
        chart.getPlotItem().setMenuEnabled(False)
        chart.getPlotItem().getViewBox().setMenuEnabled(False)
        chart.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        chart.customContextMenuRequested.connect(lambda pos: self._chart_menu(chart, pos))

    def _chart_menu(self, chart: TimelineChart, pos: QPoint) -> None:
        point = chart.to_view(chart.mapToScene(pos))
        bar = chart.bar_at(point.x(), point.y())
        if bar is None:
            return
        at = self._bounds()[0].timestamp() + point.x() * 3600
        menu = self.span_menu(bar.uuid, at)
        if menu is not None:
            menu.popup(chart.mapToGlobal(pos))

    def span_menu(self, uuid: str, at: float) -> QMenu | None:
        """The menu for the span `uuid`, clicked at epoch `at`; None if it is gone."""
        span = self.engine.store.span_by_uuid(uuid) if uuid else None
        if span is None:
            return None
        menu = QMenu(self.parent)
        tz = self.engine.config.zone()
        a, b = (datetime.fromtimestamp(t, tz) for t in (span.start, span.end))
        title = menu.addAction(f"{'Manual: ' if span.source == MANUAL else ''}"
                               f"{span.project or span.app or span.source} "
                               f"{a:%H:%M}–{b:%H:%M}")
        title.setEnabled(False)
        move = menu.addMenu("Move to project")
        # "(no project)" and the like are how the window names no project, not projects.
        names = [p for p in self.projects() if p != span.project and not p.startswith("(")]
        for name in names[:15]:
            move.addAction(name).triggered.connect(
                lambda _=False, n=name: self._do(manual.move, uuid, n))
        move.addSeparator()
        move.addAction("Other project…").triggered.connect(lambda _=False: self._ask_move(uuid))
        self._category_menu(menu.addMenu("Move to category"), span)
        split = menu.addAction(f"Split at {datetime.fromtimestamp(at, tz):%H:%M}")
        split.setEnabled(span.start < at < span.end)
        split.triggered.connect(lambda _=False: self._do(manual.split, uuid, at))
        menu.addSeparator()
        menu.addAction("Delete…").triggered.connect(lambda _=False: self._ask_delete(span))
        return menu

    def _category_menu(self, menu: QMenu, span: Any) -> None:
        """The rules' categories but the span's own, and "As the rules say" once one is set."""
        shown = self.engine.rules.classify(span).category
        for name in sorted(self.engine.rules.categories):
            if name != shown:
                menu.addAction(name).triggered.connect(
                    lambda _=False, n=name: self._do(manual.recategorize, span.uuid, n))
        if span.category:
            menu.addSeparator()
            menu.addAction("As the rules say").triggered.connect(
                lambda _=False: self._do(manual.recategorize, span.uuid, ""))

    def _do(self, edit: Callable, *args: Any) -> None:
        try:
            edit(self.engine.store, *args)
        except manual.EditError as exc:
            QMessageBox.warning(self.parent, "TimeForged", str(exc))
            return
        self.changed()

    def _ask_move(self, uuid: str) -> None:
        name, ok = QInputDialog.getText(self.parent, "Move to project", "Project:")
        if ok and name.strip():
            self._do(manual.move, uuid, name.strip())

    def _ask_delete(self, span: Any) -> None:
        tz = self.engine.config.zone()
        answer = QMessageBox.question(
            self.parent, "Delete time",
            f"Delete {format_duration(span.duration)} from "
            f"{datetime.fromtimestamp(span.start, tz):%Y-%m-%d %H:%M} "
            f"({span.project or span.app or span.source})?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self._do(manual.delete, span.uuid)

    def add_time(self) -> ManualTimeDialog:
        """Open the "Add time" dialog (not modal); the entry is stored once accepted. It
        starts an hour ago on today, at 09:00 on another day shown."""
        first = self._bounds()[0]
        now = datetime.now(first.tzinfo)
        start = (now - timedelta(hours=1) if first.date() == now.date()
                 else first + timedelta(hours=9))
        self.dialog = ManualTimeDialog(self.projects(), start.replace(second=0, microsecond=0),
                                       self.parent)
        self.dialog.accepted.connect(lambda d=self.dialog: self._store(d))
        self.dialog.open()
        return self.dialog

    def _store(self, dialog: ManualTimeDialog) -> None:
        if dialog.span is not None:
            manual.log_time(self.engine.store, dialog.span)
            self.changed()

    def export_timesheet(self, path: str | None = None) -> Path | None:
        """Write the period's timesheet (a CSV per day and project) where the user says."""
        start, end = self._bounds()
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self.parent, "Export timesheet", f"timesheet-{start:%Y-%m-%d}.csv",
                "CSV files (*.csv)")
        if not path:
            return None
        target = Path(path)
        target.write_text(timesheet_csv(timesheet(self.engine.analytics, start, end)),
                          encoding="utf-8")
        return target
