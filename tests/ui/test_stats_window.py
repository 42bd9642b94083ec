"""The stats window on a real SQLite store of known activity: the numbers drawn are right,
and navigation, filters and drill-down change them correctly."""

from __future__ import annotations

from datetime import timedelta

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt

from desktop.engine.service import Engine
from desktop.ui.stats_window import StatsWindow
from desktop.ui.theme import Theme
from tests.ui.seed import TODAY, seed_home

pytestmark = pytest.mark.x11


@pytest.fixture
def engine(tmp_path):
    home = seed_home(tmp_path / "home")
    engine = Engine(home)  # the real engine, not started: its store and analytics only
    yield engine
    engine.store.close()


@pytest.fixture
def window(qapp, qtbot, engine):
    theme = Theme(qapp, "light")
    win = StatsWindow(engine, None, theme, today=TODAY)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.loaded, timeout=20000):
        win.show()
    return win


def bars(chart) -> dict[str, float]:
    """Read a bar chart back from its BarGraphItem: name -> seconds."""
    chart = getattr(chart, "chart", chart)  # a tab page holding its chart
    widths = chart.item.opts["width"]
    return {name: round(w * chart.unit) for name, w in zip(chart.names, widths, strict=True)}


def act(qtbot, win, action) -> None:
    with qtbot.waitSignal(win.loaded, timeout=20000):
        action()


def test_day_view_numbers(window):
    assert window.period_label.text().startswith("Today, Wednesday 18 November 2026")
    assert bars(window.bars["project"]) == {"timeforged": 7200, "(no project)": 5700,
                                            "webshop": 3600}
    assert window.bars["project"].chart.names[0] == "timeforged"  # largest on top
    assert bars(window.bars["language"]) == {"Python": 7200, "unknown": 5700,
                                             "TypeScript": 3600}
    assert bars(window.bars["category"]) == {"coding": 12600, "communicating": 1800,
                                             "entertainment": 1200, "social": 900}
    assert bars(window.bars["site"])["github.com"] == 1800
    assert bars(window.bars["app"]) == {"code": 10800, "firefox": 3900, "slack": 1800}
    assert window.total_fig.value.text() == "4h 35m"
    assert window.coding_fig.value.text() == "3h 30m"
    assert bars(window.distractions) == {"www.youtube.com": 1200, "www.reddit.com": 900}
    assert window.distract_fig.value.text() == "35m 00s"

    # The timeline: coding 09:00-11:30 in three pieces and 13:00-14:00, hours since midnight.
    tl = window.timeline
    lanes = dict(zip(range(len(tl.lanes)), reversed(tl.lanes), strict=True))
    pieces = sorted((lanes[int(y)], x0, x1) for x0, x1, y in zip(
        tl.item.opts["x0"], tl.item.opts["x1"], tl.item.opts["y"], strict=True))
    assert [(a, b) for lane, a, b in pieces if lane == "coding"] == [
        (9.0, 10.5), (10.5, 11.0), (11.0, 11.5), (13.0, 14.0)]
    social = [(a, b) for lane, a, b in pieces if lane == "social"]
    assert len(social) == 1 and social[0] == pytest.approx((11 + 50 / 60, 12 + 5 / 60))
    assert tl.lanes[0] == "coding"
    # Hover details come from the span under the pointer.
    assert "github.com" in tl.hover_text(11.2, len(tl.lanes) - 1)
    assert "09:00–10:30" in tl.hover_text(9.5, len(tl.lanes) - 1)

    # Heatmap over the four weeks to today: Wednesday 10-11 h has today's hour and last
    # week's; ImageItem data is (hour, row) with Monday on the top row.
    heat = window.heatmap
    assert heat.data[2][10] == 7200
    assert heat.data[2][9] == 3600
    assert heat.data[0][14] == 3600  # Monday 14:00-15:00
    assert float(heat.image.image[10, 6 - 2]) == 7200
    assert heat.data.sum() == (12600 + 7200 + 10800 + 9000)

    # Goal ring and streaks: 3h30 of a 2 h goal; Mon, Tue, Wed met.
    assert window.ring.fraction == pytest.approx(12600 / 7200)
    assert "Current streak: <b>3 days" in window.goal_label.text()
    # Productivity trend: 14 days ending today; today's pulse is the engine's.
    days, scores = window.trend.curve.getData()
    assert len(days) == 14
    assert scores[-1] == pytest.approx(window.data.pulse)
    assert scores[-1] == pytest.approx(100 * (12600 + 0.5 * 1800) / 16500)


def test_hover_with_the_mouse(qtbot, window):
    tl = window.timeline
    window.body.parentWidget().parentWidget().ensureWidgetVisible(tl)
    qtbot.waitUntil(tl.isVisible)
    view = tl.getPlotItem().getViewBox()
    scene_pos = view.mapViewToScene(pg.Point(9.5, len(tl.lanes) - 1))
    qtbot.mouseMove(tl.viewport(), tl.mapFromScene(scene_pos))
    qtbot.waitUntil(lambda: "09:00–10:30" in tl.last_tooltip, timeout=5000)
    assert "timeforged" in tl.last_tooltip and "app.py" in tl.last_tooltip


def test_navigation_by_keyboard(qtbot, window):
    act(qtbot, window, lambda: qtbot.keyClick(window, Qt.Key.Key_Left,
                                              Qt.KeyboardModifier.ControlModifier))
    assert window.period.start == TODAY - timedelta(days=1)
    assert window.period_label.text().startswith("Yesterday")
    assert bars(window.bars["project"]) == {"timeforged": 7200, "(no project)": 1800}
    assert bars(window.bars["language"]) == {"Rust": 7200, "unknown": 1800}

    act(qtbot, window, lambda: qtbot.keyClick(window, Qt.Key.Key_3,
                                              Qt.KeyboardModifier.ControlModifier))
    assert window.period.kind == "week" and window.range_combo.currentText() == "This week"
    assert window.stacked.isVisible() and not window.timeline.isVisible()
    seg = window.stacked.segments
    unit = window.stacked.unit
    # This week is Monday to today, as `timeforged report week`.
    assert [round(h * unit) for h in seg["coding"].opts["height"]] == [10800, 7200, 12600]
    assert [round(h * unit) for h in seg["social"].opts["height"]] == [0, 1800, 900]
    # Segments stack: social starts where coding ends.
    assert list(seg["social"].opts["y0"])[1] >= seg["coding"].opts["height"][1]
    assert bars(window.bars["project"]) == {"timeforged": 14400, "webshop": 14400,
                                            "(no project)": 7500}

    act(qtbot, window, lambda: qtbot.keyClick(window, Qt.Key.Key_Left,
                                              Qt.KeyboardModifier.ControlModifier))
    assert window.period.start == TODAY - timedelta(days=TODAY.weekday() + 7)
    assert len(window.stacked.days) == 7  # a past week is whole
    assert bars(window.bars["project"]) == {"timeforged": 9000}

    act(qtbot, window, lambda: qtbot.keyClick(window, Qt.Key.Key_5,
                                              Qt.KeyboardModifier.ControlModifier))
    assert window.period.kind == "month"
    assert len(window.stacked.days) == 18  # the 1st to today
    coding = [round(h * window.stacked.unit) for h in
              window.stacked.segments["coding"].opts["height"]]
    assert coding[10] == 9000 and coding[15:18] == [10800, 7200, 12600]
    assert sum(coding) == 9000 + 10800 + 7200 + 12600

    act(qtbot, window, lambda: qtbot.keyClick(window, Qt.Key.Key_T,
                                              Qt.KeyboardModifier.ControlModifier))
    assert window.period.start == TODAY.replace(day=1)
    act(qtbot, window, lambda: qtbot.keyClick(window, Qt.Key.Key_Left,
                                              Qt.KeyboardModifier.ControlModifier))
    assert len(window.stacked.days) == 31  # October, whole
    act(qtbot, window, lambda: qtbot.keyClick(window, Qt.Key.Key_T,
                                              Qt.KeyboardModifier.ControlModifier))
    assert window.period.start == TODAY.replace(day=1)


def test_drill_down_by_clicking_a_project_bar(qtbot, window):
    chart = window.bars["project"].chart
    window.tabs.setCurrentWidget(window.bars["project"])
    qtbot.waitUntil(lambda: chart.isVisible())
    where = chart.mapFromScene(chart.bar_scene_center("timeforged"))
    act(qtbot, window, lambda: qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton,
                                                pos=where))
    assert window.drill_project == "timeforged"
    assert window.drill_card.title.text() == "Project: timeforged"
    assert bars(window.drill_bars["branch"]) == {"main": 5400, "ui-stats": 1800}
    assert bars(window.drill_bars["language"]) == {"Python": 7200}
    assert bars(window.drill_bars["file"]) == {
        "/src/timeforged/app.py": 5400, "/src/timeforged/desktop/ui/stats_window.py": 1800}

    # The drill-down follows the dates: yesterday timeforged was Rust on main.
    act(qtbot, window, lambda: window.step(-1))
    assert bars(window.drill_bars["language"]) == {"Rust": 7200}

    act(qtbot, window, lambda: qtbot.keyClick(window, Qt.Key.Key_Escape))
    assert window.drill_project is None
    assert not window.drill_tabs.isVisible()


def test_filters(qtbot, window):
    act(qtbot, window, lambda: window.set_filter("language", "TypeScript"))
    assert bars(window.bars["project"]) == {"webshop": 3600}
    assert window.total_fig.value.text() == "1h 00m"
    assert all(bar.key == "coding" for bar in window.timeline.bars)
    assert [(b.start, b.end) for b in window.timeline.bars] == [(13.0, 14.0)]

    act(qtbot, window, lambda: window.set_filter("language", None))
    act(qtbot, window, lambda: window.set_filter("project", "timeforged"))
    # Choosing one project also shows its detail.
    assert window.drill_project == "timeforged"
    assert bars(window.bars["language"]) == {"Python": 7200}

    act(qtbot, window, lambda: window.set_range("week"))
    unit = window.stacked.unit
    assert [round(h * unit) for h in window.stacked.segments["coding"].opts["height"]] == [
        0, 7200, 7200]

    window.color_by.setCurrentText("project")
    act(qtbot, window, window.refresh)
    assert list(window.stacked.segments) == ["timeforged"]


def test_focus_sessions_card(qapp, qtbot, engine):
    from datetime import datetime, time

    from desktop.engine.focus.session import FocusPlan, FocusSession

    tz = engine.analytics.tz

    def at(hour: int, minute: int = 0) -> float:
        return datetime.combine(TODAY, time(hour, minute), tz).timestamp()

    stats = engine.focus.stats
    done = FocusSession.begin(FocusPlan(minutes=60), at(9))
    done.ended_at, done.outcome = at(10), "completed"
    quit_early = FocusSession.begin(FocusPlan(minutes=50), at(13))
    quit_early.ended_at, quit_early.outcome = at(13, 30), "abandoned"
    for session in (done, quit_early):
        stats.save_session(session)
    for minute in (5, 20):
        stats.add_attempt(done.id, at(9, minute), "reddit.com", "firefox", "blocked site")
    win = StatsWindow(engine, None, Theme(qapp, "light"), today=TODAY)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.loaded, timeout=20000):
        win.show()
    text = win.focus_label.text()
    assert "1 completed, 1 abandoned" in text
    assert "Time in focus: 1h 30m" in text
    # Seeded coding: 09:00-11:30 and 13:00-14:00; inside sessions 09-10 and 13-13:30.
    assert "inside focus: 1h 30m; outside: 2h 00m" in text
    assert "Blocked attempts: 2 (reddit.com 2)" in text
