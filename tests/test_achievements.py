"""Achievements (desktop.engine.achievements) on real store files: earned on the day history
met the rule, backfilled silently, then each new one reported once."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop.engine import paths
from desktop.engine.achievements import check, statuses
from desktop.engine.analytics import Analytics
from desktop.engine.span import Span
from desktop.engine.store import Store
from tests.store_helpers import T0, TinyRules

H = 3600
MONDAY = date(2026, 3, 2)  # T0's day
GOAL = 2 * H


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "tf.sqlite3", device="dev-a")
    yield s
    s.close()


def coding(day: int, hours: float, language: str = "Python", lines: int = 0) -> list[Span]:
    base = T0 + day * 86400 + 9 * H
    return [Span(base, base + hours * H, app="code", title="a - alpha"),
            Span(base, base + 60, source="editor", editor="vim", file="a.py",
                 language=language, lines_added=lines)]


def earned(an: Analytics, today: date) -> dict[str, date | None]:
    return {s.rule.key: s.earned for s in statuses(an, today, GOAL, check_first=False)}


def test_backfill_is_silent_then_each_new_one_is_told_once(store):
    for d in range(8):  # Monday to the next Monday, 2 h a day
        store.add_spans(coding(d, 2, lines=100))
    an = Analytics(store, TinyRules(), ZoneInfo("UTC"))
    today = MONDAY + timedelta(days=7)
    assert check(an, today, GOAL) == []  # the backfill
    got = earned(an, today)
    assert got["hours_10"] == MONDAY + timedelta(days=4)  # 10 h reached on day 5
    assert got["streak_7"] == MONDAY + timedelta(days=6)
    assert got["goal_week"] == MONDAY + timedelta(days=6)  # the Sunday
    assert got["lines_week"] is None and got["new_language"] is None
    assert store.achievements()["hours_10"][1] is False  # never told: backfilled
    progress = {s.rule.key: s.progress for s in statuses(an, today, GOAL)}
    assert progress["lines_week"] == 700 and progress["hours_100"] == pytest.approx(16)

    store.add_spans(coding(40, 1, language="Rust", lines=1000))
    later = MONDAY + timedelta(days=40)
    told = check(an, later, GOAL)
    assert sorted(s.rule.key for s in told) == ["lines_week", "new_language"]
    assert all(s.earned == later for s in told)
    assert store.achievements()["new_language"] == (later.isoformat(), True)
    assert check(an, later, GOAL) == []  # never twice


def test_nothing_tracked_earns_nothing(store):
    an = Analytics(store, TinyRules(), ZoneInfo("UTC"))
    assert check(an, MONDAY, GOAL) == []
    assert all(s.earned is None and s.progress == 0 for s in statuses(an, MONDAY, GOAL))


def test_cli_commands(tf_home):
    store = Store(paths.database_file(paths.home()))
    for d in range(3):
        store.add_spans(coding(d, 5))
    store.close()
    env = {"TIMEFORGED_HOME": tf_home, "PATH": "/usr/bin:/bin", "TZ": "UTC", "COLUMNS": "200"}

    def tf(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "desktop.cli", *args], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    found = {a["key"]: a for a in json.loads(tf("achievements", "--json"))}
    assert found["hours_10"]["earned"] == (MONDAY + timedelta(days=1)).isoformat()
    assert found["hours_100"]["earned"] is None and found["hours_100"]["progress"] == 15
    assert "First 10 hours" in tf("achievements")
    ins = json.loads(tf("insights", "--from", "2026-03-02", "--to", "2026-03-04", "--json"))
    assert ins["coding_seconds"] == 15 * H and ins["longest_stretch"]["seconds"] == 5 * H
    assert ins["by_hour"][9] == 3 * H and ins["weekday_share_percent"]["Mon"] == 33.3
    text = tf("insights", "--from", "2026-03-02", "--to", "2026-03-04")
    assert "Longest coding stretch: 5h" in text
    bad = subprocess.run([sys.executable, "-m", "desktop.cli", "insights", "--from", "nope"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "cannot read 'nope'" in bad.stderr
