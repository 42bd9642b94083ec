"""A TimeForged home with a real SQLite store of known activity, for the GUI tests."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from desktop.engine import paths
from desktop.engine.span import Span
from desktop.engine.store import Store

TZ = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 18)  # a Wednesday
GOAL_MINUTES = 120


def at(day: date, hhmm: str) -> float:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).timestamp()


def code(day: date, start: str, end: str, project: str, language: str, branch: str,
         file: str) -> Span:
    return Span(at(day, start), at(day, end), source="window", app="code",
                title=f"{Path(file).name} - {project} - Visual Studio Code", file=file,
                project=project, branch=branch, language=language, editor="vscode")


def web(day: date, start: str, end: str, site: str, title: str) -> Span:
    return Span(at(day, start), at(day, end), source="window", app="firefox",
                title=f"{title} — Mozilla Firefox", site=site, url=f"https://{site}/",
                browser="firefox")


def app(day: date, start: str, end: str, name: str, title: str) -> Span:
    return Span(at(day, start), at(day, end), source="window", app=name, title=title)


def known_spans() -> list[Span]:
    d, y, b = TODAY, TODAY - timedelta(days=1), TODAY - timedelta(days=2)
    monday = TODAY - timedelta(days=TODAY.weekday())
    last_week = monday - timedelta(days=5)  # the Wednesday before
    return [
        # Today: 1.5 h + 0.5 h on timeforged (Python, two branches), 1 h webshop (TypeScript),
        # 30 min GitHub, 20 min YouTube, 15 min Reddit, 30 min Slack.
        code(d, "09:00", "10:30", "timeforged", "Python", "main", "/src/timeforged/app.py"),
        code(d, "10:30", "11:00", "timeforged", "Python", "ui-stats",
             "/src/timeforged/desktop/ui/stats_window.py"),
        web(d, "11:00", "11:30", "github.com", "Pull requests · timeforged"),
        web(d, "11:30", "11:50", "www.youtube.com", "Lo-fi beats - YouTube"),
        web(d, "11:50", "12:05", "www.reddit.com", "r/programming"),
        code(d, "13:00", "14:00", "webshop", "TypeScript", "feature/cart", "/src/webshop/cart.ts"),
        app(d, "14:00", "14:30", "slack", "general | Team - Slack"),
        # Yesterday: 2 h timeforged (Rust), 30 min Reddit.
        code(y, "09:00", "11:00", "timeforged", "Rust", "main", "/src/timeforged/core/lib.rs"),
        web(y, "11:00", "11:30", "www.reddit.com", "r/rust"),
        # The day before: 3 h webshop.
        code(b, "14:00", "17:00", "webshop", "TypeScript", "main", "/src/webshop/index.ts"),
        # Last week: 2.5 h timeforged.
        code(last_week, "10:00", "12:30", "timeforged", "Python", "main",
             "/src/timeforged/app.py"),
    ]


def todays_spans() -> list[Span]:
    """Activity of the real today (in TZ), up to now, for views that look at "today"."""
    now = time.time()
    midnight = datetime.now(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(now - 7200, midnight.timestamp() + 1)
    step = (now - 1 - start) / 4
    cut = [start + i * step for i in range(5)]
    return [
        Span(cut[0], cut[1], app="firefox", title="Lo-fi beats - YouTube",
             site="www.youtube.com", browser="firefox"),
        Span(cut[1], cut[2], app="code", title="app.py - timeforged", file="/src/tf/app.py",
             project="timeforged", language="Python", editor="vscode"),
        Span(cut[2], cut[3], app="firefox", title="Issues · timeforged", site="github.com",
             browser="firefox"),
        Span(cut[3], cut[4], app="slack", title="general | Team - Slack"),
    ]


def seed_home(home: Path, spans: list[Span] | None = None) -> Path:
    """Write config (Paris time, a 2 h coding goal) and the spans into a store in `home`."""
    home.mkdir(parents=True, exist_ok=True)
    paths.config_file(home).write_text(
        f'timezone = "Europe/Paris"\n[goals]\ndaily_coding_minutes = {GOAL_MINUTES}\n',
        encoding="utf-8")
    store = Store(paths.database_file(home))
    try:
        store.upsert_spans(known_spans() if spans is None else spans)
    finally:
        store.close()
    return home
