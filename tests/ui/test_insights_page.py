"""The statistics window's Insights page on real store files: the charts and numbers drawn are
the engine's, the achievements are listed; screenshots (screenshots/, gitignored)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from benchmarks.synthetic import day_spans
from desktop.engine.insights import compute
from desktop.engine.service import Engine
from desktop.ui.stats_window import StatsWindow
from desktop.ui.theme import Theme
from tests.ui.seed import TODAY, known_spans, seed_home

pytestmark = pytest.mark.x11

OUT = Path(__file__).resolve().parents[2] / "screenshots"


def open_insights(qapp, qtbot, engine, size=(1280, 1000), kind="week") -> StatsWindow:
    win = StatsWindow(engine, None, Theme(qapp, "light"), today=TODAY)
    qtbot.addWidget(win)
    win.resize(*size)
    with qtbot.waitSignal(win.loaded, timeout=20000):
        win.show()
    with qtbot.waitSignal(win.insights.loaded, timeout=60000):
        win.pages.setCurrentWidget(win.insights)
    if kind != "week":
        with qtbot.waitSignal(win.insights.loaded, timeout=60000):
            win.set_range(kind)
    qtbot.waitExposed(win)
    return win


def test_page_draws_the_engines_figures(qapp, qtbot, tmp_path):
    engine = Engine(seed_home(tmp_path / "home"))
    try:
        win = open_insights(qapp, qtbot, engine)
        start, end = win.period.bounds(engine.config.zone())
        expected = compute(engine.analytics, start, end)
        page = win.insights
        assert page.hours.hours == pytest.approx([s / 3600 for s in expected.by_hour])
        assert page.weekdays.hours == pytest.approx([s / 3600 for s in expected.by_weekday])
        assert "Longest stretch" in page.figures.text()
        best = expected.best_hours()[0]
        assert f"{best:02d}:00" in page.hours_text.text()
        assert "First 10 hours" in page.achievements.text()
        assert expected.suggestions[0].split(":")[0] in page.suggestions.text()
        # Another range: the page follows the window's.
        with qtbot.waitSignal(page.loaded, timeout=60000):
            win.step(-1)
        start, end = win.period.bounds(engine.config.zone())
        again = compute(engine.analytics, start, end)
        assert page.hours.hours == pytest.approx([s / 3600 for s in again.by_hour])
    finally:
        engine.store.close()


def test_screenshots(qapp, qtbot, tmp_path):
    spans = known_spans()
    for back in range(1, 120):
        spans += day_spans(TODAY - timedelta(days=back), device="laptop")
    engine = Engine(seed_home(tmp_path / "home", spans))
    try:
        OUT.mkdir(exist_ok=True)
        for size in ((1280, 1000), (1366, 768)):
            win = open_insights(qapp, qtbot, engine, size, kind="last30")
            assert win.insights.breakers.text().count("<tr>") > 2
            assert win.grab().save(str(OUT / f"insights-{size[0]}x{size[1]}.png"))
            win.close()
    finally:
        engine.store.close()
