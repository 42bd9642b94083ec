"""The drill-down's Commits tab on a real git repository and real tracked spans: each of the
project's commits in the period with its time, lines and branch, sortable, and its pull
requests; screenshots into screenshots/ (gitignored; docs/screenshots/stats-commits*.png
are copies), at 1280x1000 and 1366x768."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.engine.service import Engine
from desktop.ui.stats_window import StatsWindow
from desktop.ui.theme import Theme
from tests.test_commits import commit, git
from tests.ui.seed import TODAY, at, code, known_spans, seed_home

pytestmark = pytest.mark.x11

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture
def stellar(tmp_path) -> Path:
    repo = tmp_path / "src" / "stellar"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "me@example.com")
    return repo


def test_the_commits_of_a_drilled_project(qapp, qtbot, tmp_path, stellar):
    d = TODAY
    spans = [
        *known_spans(),
        code(d, "15:00", "16:00", "stellar", "Python", "main", str(stellar / "orbit.py")),
        code(d, "16:00", "17:30", "stellar", "Python", "pr/12", str(stellar / "thrust.py")),
        code(d, "17:30", "18:00", "stellar", "Python", "main", str(stellar / "orbit.py"))]
    engine = Engine(seed_home(tmp_path / "home", spans))
    first = commit(stellar, "orbit.py", 40, at(d, "15:40"))
    second = commit(stellar, "orbit.py", 12, at(d, "16:00"))
    git(stellar, "checkout", "-q", "-b", "pr/12")
    third = commit(stellar, "thrust.py", 85, at(d, "17:30"))
    git(stellar, "checkout", "-q", "main")
    commit(stellar, "notes.md", 3, at(d, "17:45"), email="someone@else.example")
    fourth = commit(stellar, "docs.md", 7, at(d, "18:00"))
    theme = Theme(qapp, "light")
    win = StatsWindow(engine, None, theme, today=TODAY)
    qtbot.addWidget(win)
    try:
        win.resize(1280, 1000)
        with qtbot.waitSignal(win.loaded, timeout=20000):
            win.show()
        view = win.commits_view
        with qtbot.waitSignal(view.loaded, timeout=30000):
            win.drill_into("stellar")
        win.drill_tabs.setCurrentWidget(view)
        table = view.table
        rows = [[table.topLevelItem(i).text(c) for c in range(table.columnCount())]
                for i in range(table.topLevelItemCount())]
        # Newest first; each commit's coding time on its branch since the one before.
        assert [tuple(r) for r in rows] == [
            (fourth[:9], "add docs.md", "30m 00s", "+7", "−0", "main"),
            (third[:9], "add thrust.py", "1h 30m", "+85", "−0", "pr/12"),
            (second[:9], "add orbit.py", "20m 00s", "+0", "−28", "main"),
            (first[:9], "add orbit.py", "40m 00s", "+40", "−0", "main")]
        assert view.summary.text() == "4 commits · 3h 00m of coding"
        assert "Wed 18 Nov 2026 17:30" in table.topLevelItem(1).toolTip(0)  # Paris time
        table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # by time, as numbers
        assert [table.topLevelItem(i).text(2) for i in range(4)] == [
            "1h 30m", "40m 00s", "30m 00s", "20m 00s"]
        table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
        assert [table.topLevelItem(i).text(3) for i in range(4)] == ["+0", "+7", "+40", "+85"]
        SHOTS.mkdir(exist_ok=True)
        table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        qtbot.waitExposed(win)
        assert win.grab().save(str(SHOTS / "stats-commits.png"))
        win.resize(1366, 768)
        qapp.processEvents()
        assert win.grab().save(str(SHOTS / "stats-commits-1366x768.png"))

        view.view.setCurrentIndex(1)  # pull requests
        pulls = [[table.topLevelItem(i).text(c) for c in range(table.columnCount())]
                 for i in range(table.topLevelItemCount())]
        assert pulls == [["#12", "pr/12", "1", "1h 30m", "+85", "−0"]]

        with qtbot.waitSignal(win.loaded, timeout=20000):
            win.drill_into(None)
        assert view.data is None and table.topLevelItemCount() == 0
    finally:
        win.close()
        engine.store.close()
