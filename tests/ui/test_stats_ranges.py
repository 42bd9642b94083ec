"""The statistics window's ranges add up to what `timeforged report` says for the same dates;
axes say their unit; time of no project is shown, hidden and left out of percentages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from PySide6.QtCore import QRect, Qt

from desktop.engine.analytics import explain_coding, explain_distractions, explain_pulse
from desktop.engine.periods import RANGES
from desktop.engine.service import Engine
from desktop.ui.charts.bars import BarChart
from desktop.ui.charts.stacked import StackedDailyChart
from desktop.ui.stats_window import StatsWindow
from desktop.ui.theme import Theme, color_for
from tests.ui.seed import TODAY, known_spans, seed_home, todays_spans

pytestmark = pytest.mark.x11


def report(home, *args: str) -> dict:
    """`timeforged report … --format json`, run as a user runs it."""
    env = {**os.environ, "TIMEFORGED_HOME": str(home)}
    done = subprocess.run([sys.executable, "-m", "desktop.cli", "report", *args, "--format",
                           "json"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def home(tmp_path):
    return seed_home(tmp_path / "home", known_spans() + todays_spans())


def open_window(qapp, qtbot, home, today: date | None = None):
    engine = Engine(home)
    win = StatsWindow(engine, None, Theme(qapp, "light"), today=today)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.loaded, timeout=20000):
        win.show()
    return win, engine


def act(qtbot, win, action) -> None:
    with qtbot.waitSignal(win.loaded, timeout=20000):
        action()


def test_named_ranges_total_what_the_cli_reports(qapp, qtbot, home):
    """Today, yesterday, this week, month and year: as `timeforged report <name>` today."""
    win, engine = open_window(qapp, qtbot, home)
    try:
        for name in ("today", "yesterday", "week", "month", "year"):
            act(qtbot, win, lambda n=name: win.set_range(n))
            cli = report(home, name)
            assert win.data.total_seconds == pytest.approx(cli["total_seconds"], abs=0.01), name
            projects = {i["name"]: i["total_seconds"] for i in cli["items"]}
            shown = {("unknown" if n == "(no project)" else n): s
                     for n, s in win.data.totals["project"]}
            assert shown == pytest.approx(projects, abs=0.01), name
        assert win.data.total_seconds > 0  # this year holds the seeded history
    finally:
        win.close()
        engine.store.close()


def test_every_range_and_its_steps_total_the_cli_report_for_its_dates(qapp, qtbot, home):
    win, engine = open_window(qapp, qtbot, home, today=TODAY)
    try:
        seen = set()
        for i, kind in enumerate(RANGES):
            if kind == "custom":
                continue
            act(qtbot, win, lambda i=i: qtbot.keyClick(win, Qt.Key(Qt.Key.Key_1 + i),
                                                       Qt.KeyboardModifier.ControlModifier))
            assert win.period.kind == kind and win.range_combo.currentData() == kind
            for step in (0, -1):
                if step:
                    act(qtbot, win, lambda: qtbot.keyClick(
                        win, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier))
                p = win.period
                cli = report(home, "--from", p.start.isoformat(), "--to", p.last.isoformat())
                assert win.data.total_seconds == pytest.approx(cli["total_seconds"], abs=0.01)
                seen.add(round(win.data.total_seconds))
        assert len(seen) >= 5  # the ranges really differ

        # A custom range, typed in the date pickers: it starts as the dates shown.
        act(qtbot, win, lambda: win.set_range("last7"))
        act(qtbot, win, lambda: win.set_range("custom"))
        assert win.custom_box.isVisible()
        assert win.from_date.date().toPython() == date(2026, 11, 12)
        act(qtbot, win, lambda: win.from_date.setDate(date(2026, 11, 10)))
        assert (win.period.start, win.period.last) == (date(2026, 11, 10), TODAY)
        cli = report(home, "--from", "2026-11-10", "--to", TODAY.isoformat())
        assert win.data.total_seconds == pytest.approx(cli["total_seconds"], abs=0.01)
        # Ctrl+Left steps back by its own length (9 days).
        act(qtbot, win, lambda: qtbot.keyClick(win, Qt.Key.Key_Left,
                                               Qt.KeyboardModifier.ControlModifier))
        assert (win.period.start, win.period.last) == (date(2026, 11, 1), date(2026, 11, 9))
        assert win.from_date.date().toPython() == date(2026, 11, 1)
        assert win.period_label.full_text() == "01 Nov – 09 Nov 2026 (9 days)"

        # This year stacks months.
        act(qtbot, win, lambda: win.set_range("year"))
        assert len(win.stacked.days) == 11 and win.stacked.monthly
        assert "month" in win.activity_card.title.text()
    finally:
        win.close()
        engine.store.close()


@pytest.mark.parametrize(("seconds", "unit", "label"), [
    (0.05, 1, "seconds"), (5, 1, "seconds"), (119, 1, "seconds"), (600, 60, "minutes"),
    (3 * 3600, 3600, "hours")])
def test_axes_pick_a_unit_never_a_scale_factor(qapp, qtbot, seconds, unit, label):
    bars = BarChart()
    qtbot.addWidget(bars)
    bars.set_items([("timeforged", seconds), ("webshop", seconds / 3)])
    bars.resize(500, 200)
    bars.show()
    qtbot.waitExposed(bars)
    axis = bars.getPlotItem().getAxis("bottom")
    assert bars.unit == unit
    assert label in axis.labelString()
    assert "x0" not in axis.labelString() and "(x" not in axis.labelString()
    assert axis.autoSIPrefixScale == 1.0
    stacked = StackedDailyChart()
    qtbot.addWidget(stacked)
    stacked.set_days([TODAY], {TODAY: {"coding": seconds}})
    stacked.show()
    qtbot.waitExposed(stacked)
    left = stacked.getPlotItem().getAxis("left")
    assert stacked.unit == unit and label in left.labelString()
    assert "(x" not in left.labelString() and left.autoSIPrefixScale == 1.0


def test_no_project_is_named_hidden_in_one_click_and_left_out_of_percentages(
        qapp, qtbot, home):
    win, engine = open_window(qapp, qtbot, home, today=TODAY)
    try:
        chart = win.bars["project"].chart
        assert chart.names == ["timeforged", "(no project)", "webshop"]
        brushes = chart.item.opts["brushes"]
        assert brushes[1] == color_for("unknown") != brushes[0]  # grey, as what is not known
        # Percentages of project time: 7200 / (7200 + 3600), not of all time.
        row = len(chart.names) - 1 - chart.names.index("timeforged")
        assert chart.hover_text(1, row).startswith("timeforged: 2h 00m (67%)")
        no_row = len(chart.names) - 1 - chart.names.index("(no project)")
        assert chart.hover_text(1, no_row) == (
            "(no project): 1h 35m\nClick for branches, files and languages")
        assert "unknown" not in win.filters["project"].itemText(1)

        win.tabs.setCurrentWidget(win.bars["project"])
        qtbot.waitUntil(win.hide_no_project.isVisible)
        qtbot.mouseClick(win.hide_no_project, Qt.MouseButton.LeftButton)
        assert chart.names == ["timeforged", "webshop"]
        assert chart.hover_text(1, 1).startswith("timeforged: 2h 00m (67%)")
        assert win.total_fig.value.text() == "4h 35m"  # hidden from the chart only
        qtbot.mouseClick(win.hide_no_project, Qt.MouseButton.LeftButton)
        assert "(no project)" in chart.names

        # Drilling into (no project) shows its time.
        act(qtbot, win, lambda: win.drill_into("(no project)"))
        assert dict(win.data.drill["language"]) == {"unknown": 5700}
    finally:
        win.close()
        engine.store.close()


def test_summary_figures_say_how_they_are_computed(qapp, qtbot, home):
    win, engine = open_window(qapp, qtbot, home, today=TODAY)
    try:
        assert win.pulse_fig.toolTip() == explain_pulse()
        assert win.coding_fig.toolTip() == explain_coding()
        assert win.distract_fig.toolTip() == explain_distractions()
        for fig in (win.pulse_fig, win.coding_fig, win.distract_fig):
            assert fig.caption.text().endswith("(?)")
        # The explanation is made from the weights the pulse is computed with.
        assert "very productive 100" in explain_pulse() and "neutral 50" in explain_pulse()
        assert "“distracting”" in explain_distractions()
        assert win.data.pulse == pytest.approx(100 * (12600 + 0.5 * 1800) / 16500)
    finally:
        win.close()
        engine.store.close()


def test_the_window_comes_back_where_it_was_on_this_screen(qapp, qtbot, home):
    win, engine = open_window(qapp, qtbot, home, today=TODAY)
    try:
        area = win.screen().availableGeometry()
        assert area.contains(win.frameGeometry())
        place = QRect(area.x() + 40, area.y() + 50, 900, 500)
        win.setGeometry(place)
        qtbot.waitUntil(lambda: win.geometry() == place)
        win.close()
        saved = json.loads((home / "window-places.json").read_text())["statistics"]
        assert list(saved.values()) == [[place.x(), place.y(), 900, 500]]
    finally:
        engine.store.close()
    again, engine = open_window(qapp, qtbot, home, today=TODAY)
    try:
        qtbot.waitUntil(lambda: again.geometry() == place)
        assert area.contains(again.frameGeometry())
    finally:
        again.close()
        engine.store.close()


def test_long_names_are_shortened_with_the_whole_name_in_a_tooltip(qapp, qtbot, home):
    long = "a-project-with-a-name-far-too-long-for-any-axis-or-combo"
    win, engine = open_window(qapp, qtbot, home, today=TODAY)
    try:
        act(qtbot, win, lambda: win.set_filter("project", long))
        combo = win.filters["project"]
        assert combo.currentText() == long and combo.toolTip() == long
        assert combo.width() < combo.fontMetrics().horizontalAdvance(long)
        chart = BarChart()
        qtbot.addWidget(chart)
        chart.set_items([(long, 600)])
        ticks = chart.getPlotItem().getAxis("left")._tickLevels[0]
        assert ticks[0][1] == "…" + long[-23:]
        assert chart.hover_text(1, 0).startswith(long)
        win.period_label.resize(80, 20)
        assert win.period_label.text().endswith("…")
        assert win.period_label.toolTip() == win.period.label(TODAY)
    finally:
        win.close()
        engine.store.close()
