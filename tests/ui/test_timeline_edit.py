"""Editing from the statistics window on a real store: "Add time…", the timeline's context
menu (move to a project or category, split, delete with a confirmation), "Export
timesheet…"; the figures drawn follow. The grabs are checked to be drawn; docs/screenshots/
has the 1366×768 ones (tests/ui/shoot_manual_time.py)."""

from __future__ import annotations

import csv
from datetime import datetime

import pytest
from PySide6.QtCore import QDateTime, QPointF, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.engine.service import Engine
from desktop.ui.stats_window import StatsWindow
from desktop.ui.theme import Theme
from tests.ui.seed import TODAY, TZ, seed_home

pytestmark = pytest.mark.x11

@pytest.fixture
def engine(tmp_path):
    engine = Engine(seed_home(tmp_path / "home"))
    yield engine
    engine.store.close()


@pytest.fixture
def window(qapp, qtbot, engine):
    win = StatsWindow(engine, None, Theme(qapp, "light"), today=TODAY)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    with qtbot.waitSignal(win.loaded, timeout=20000):
        win.show()
    qtbot.waitExposed(win)
    return win


def _reloads(qtbot, win, action) -> None:
    with qtbot.waitSignal(win.loaded, timeout=20000):
        action()


def _coding_bar(win, hour: float):
    tl = win.timeline
    bar = tl.bar_at(hour, len(tl.lanes) - 1 - tl.lanes.index("coding"))
    assert bar is not None and bar.uuid
    return bar


def test_add_time_dialog(window, qtbot, engine, tmp_path):
    assert window.total_fig.value.text() == "4h 35m"
    dialog = window.editor.add_time()
    qtbot.waitExposed(dialog)
    dialog.duration.setText("soon")
    dialog.project.setCurrentText("client-x")
    dialog.accept()
    assert dialog.isVisible() and "duration" in dialog.error.text()
    dialog.error.setText("")
    dialog.duration.setText("1h")
    dialog.note.setText("design review")
    dialog.start.setDateTime(QDateTime(datetime(2026, 11, 18, 15, 0)))  # in TZ, shown
    assert dialog.grab().save(str(tmp_path / "add-time-dialog.png"))
    _reloads(qtbot, window, dialog.accept)
    assert window.total_fig.value.text() == "5h 35m"
    manual = [s for s in engine.store.spans(0, 4e9) if s.source == "manual"]
    assert [(s.project, s.title, s.duration) for s in manual] == [
        ("client-x", "design review", 3600)]
    tl = window.timeline
    assert any("manual entry" in tl.hover_text(15.5, lane) for lane in range(len(tl.lanes)))


def test_context_menu_split_move_delete(window, qtbot, engine, qapp, tmp_path):
    bar = _coding_bar(window, 9.5)
    tl = window.timeline
    lane = len(tl.lanes) - 1 - tl.lanes.index("coding")
    scene = tl.getPlotItem().getViewBox().mapViewToScene(QPointF(9.75, lane))
    tl.customContextMenuRequested.emit(tl.mapFromScene(scene))
    menu = qapp.activePopupWidget()
    qtbot.waitUntil(lambda: (qapp.activePopupWidget() or menu) is not None and menu.isVisible())
    assert menu.grab().save(str(tmp_path / "timeline-span-menu.png"))
    texts = [a.text() for a in menu.actions()]
    assert "Split at 09:45" in texts and "Delete…" in texts and "Move to project" in texts
    targets = [a.text() for a in next(a for a in menu.actions()
                                      if a.text() == "Move to project").menu().actions()]
    assert targets == ["webshop", "", "Other project…"]  # not "(no project)", not its own
    menu.close()

    bar_at = at_hour(9.75)
    split = next(a for a in window.editor.span_menu(bar.uuid, bar_at).actions()
                 if a.text().startswith("Split"))
    _reloads(qtbot, window, split.trigger)
    first = engine.store.span_by_uuid(bar.uuid)
    assert first.end == bar_at
    moved_menu = window.editor.span_menu(bar.uuid, bar_at - 60)
    move = next(a for a in moved_menu.actions() if a.text() == "Move to project").menu()
    webshop = next(a for a in move.actions() if a.text() == "webshop")
    _reloads(qtbot, window, webshop.trigger)
    assert engine.store.span_by_uuid(bar.uuid).project == "webshop"

    def answer(button):
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and "Delete 45m 00s" in box.text()
        box.button(button).click()

    delete = next(a for a in window.editor.span_menu(bar.uuid, bar_at - 60).actions()
                  if a.text() == "Delete…")
    QTimer.singleShot(300, lambda: answer(QMessageBox.StandardButton.No))
    delete.trigger()
    assert engine.store.span_by_uuid(bar.uuid).duration == 2700
    QTimer.singleShot(300, lambda: answer(QMessageBox.StandardButton.Yes))
    _reloads(qtbot, window, delete.trigger)
    assert engine.store.span_by_uuid(bar.uuid).duration == 0
    assert window.total_fig.value.text() == "3h 50m"


def _categories(window, uuid: str):
    menu = window.editor.span_menu(uuid, at_hour(9.75))
    return next(a for a in menu.actions() if a.text() == "Move to category").menu()


def test_context_menu_move_to_category(window, qtbot, engine, tmp_path):
    """A coding bar moved to "meeting" draws in the meeting lane and stays there after the
    rules are reloaded; "As the rules say" gives it back; the total does not change."""
    bar = _coding_bar(window, 9.5)
    span = engine.store.span_by_uuid(bar.uuid)
    assert window.coding_fig.value.text() == "3h 30m"
    categories = _categories(window, bar.uuid)
    names = [a.text() for a in categories.actions()]
    assert "meeting" in names and "design" in names
    assert "coding" not in names and "As the rules say" not in names  # its own; none set
    categories.popup(window.mapToGlobal(window.rect().center()))
    qtbot.waitUntil(categories.isVisible)
    assert categories.grab().save(str(tmp_path / "timeline-category-menu.png"))
    categories.close()
    _reloads(qtbot, window, next(a for a in categories.actions()
                                 if a.text() == "meeting").trigger)
    assert engine.store.span_by_uuid(bar.uuid).category == "meeting"
    tl = window.timeline
    assert tl.bar_at(9.75, len(tl.lanes) - 1 - tl.lanes.index("meeting")).uuid == bar.uuid
    assert window.total_fig.value.text() == "4h 35m"
    coding = 3 * 3600 + 30 * 60 - span.duration  # the coding figure loses the span
    assert window.coding_fig.value.text() == f"{coding // 3600:.0f}h {coding % 3600 // 60:02.0f}m"

    back = _categories(window, bar.uuid)
    assert "meeting" not in [a.text() for a in back.actions()]
    _reloads(qtbot, window, next(a for a in back.actions()
                                 if a.text() == "As the rules say").trigger)
    assert engine.store.span_by_uuid(bar.uuid).category is None
    assert _coding_bar(window, 9.75).uuid == bar.uuid
    assert window.coding_fig.value.text() == "3h 30m"


def test_export_timesheet(window, tmp_path):
    path = window.editor.export_timesheet(str(tmp_path / "sheet.csv"))
    rows = list(csv.DictReader(path.open()))
    assert {r["day"] for r in rows} == {"2026-11-18"}
    assert sum(float(r["total_seconds"]) for r in rows) == 4 * 3600 + 35 * 60


def at_hour(hour: float) -> float:
    return datetime(2026, 11, 18, tzinfo=TZ).timestamp() + hour * 3600
