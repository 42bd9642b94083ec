from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop.engine.analytics import DIMENSIONS, Analytics, Item
from desktop.engine.span import Classification, Span
from desktop.engine.store import Store
from desktop.engine.timeline import resolve
from tests.store_helpers import T0, TinyRules, random_spans

UTC_ZONE = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
KOLKATA = ZoneInfo("Asia/Kolkata")  # +05:30


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "tf.sqlite3", device="dev-a")
    yield s
    s.close()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def items(summary) -> dict[str, float]:
    return {it.name: it.seconds for it in summary.items}


def sample(store: Store) -> None:
    """Monday 2026-03-02, UTC: 09:00-10:00 coding alpha (window + editor inside), 10:00-10:30
    youtube, 10:30-11:00 chat on another device, 23:30-00:30 coding beta across midnight."""
    store.add_spans([
        Span(T0 + 9 * 3600, T0 + 10 * 3600, app="code", title="x.py - alpha",
             language="Python"),
        Span(T0 + 9 * 3600 + 600, T0 + 9 * 3600 + 1200, source="editor", editor="vim",
             file="x.py", language="Python", branch="main", project="alpha"),
        Span(T0 + 10 * 3600, T0 + 10.5 * 3600, source="browser", app="firefox",
             site="youtube.com"),
        Span(T0 + 10.5 * 3600, T0 + 11 * 3600, device="dev-b", app="chat"),
        Span(T0 + 23.5 * 3600, T0 + 24.5 * 3600, app="code", title="y.rs - beta",
             language="Rust"),
    ])


def test_summary_by_every_dimension(store):
    sample(store)
    an = Analytics(store, TinyRules(), UTC_ZONE)
    start, end = utc(2026, 3, 2), utc(2026, 3, 3)
    expect = {
        "project": {"alpha": 3600, "unknown": 1800, "team": 1800, "beta": 1800},
        "language": {"Python": 3600, "unknown": 3600, "Rust": 1800},
        "app": {"code": 3000 + 1800, "unknown": 600, "firefox": 1800, "chat": 1800},
        "site": {"unknown": 7200, "youtube.com": 1800},
        "category": {"coding": 5400, "entertainment": 1800, "communicating": 1800},
        "productivity": {"very productive": 5400, "very distracting": 1800,
                         "productive": 1800},
        "editor": {"unknown": 8400, "vim": 600},
        "branch": {"unknown": 8400, "main": 600},
        "file": {"unknown": 8400, "x.py": 600},
        "hour": {"09": 3600, "10": 3600, "11": 0, "23": 1800},
        "weekday": {"Mon": 9000},
        "day": {"2026-03-02": 9000},
        "device": {"dev-a": 7200, "dev-b": 1800},
        "source": {"window": 3000 + 1800 + 1800, "editor": 600, "browser": 1800},
    }
    assert set(expect) == set(DIMENSIONS)
    for by, want in expect.items():
        s = an.summary(start, end, by)
        assert items(s) == {k: v for k, v in want.items() if v}, by
        assert s.total_seconds == 9000 and s.by == by
        assert [it.seconds for it in s.items] == sorted((it.seconds for it in s.items),
                                                        reverse=True)


def test_summary_filters(store):
    sample(store)
    an = Analytics(store, TinyRules(), UTC_ZONE)
    start, end = utc(2026, 3, 2), utc(2026, 3, 4)
    assert items(an.summary(start, end, "language", {"category": "coding"})) == {
        "Python": 3600, "Rust": 3600}
    assert items(an.summary(start, end, "day", {"project": "beta"})) == {
        "2026-03-02": 1800, "2026-03-03": 1800}
    assert items(an.summary(start, end, "project", {"hour": "09", "source": "editor"})) == {
        "alpha": 600}
    assert an.summary(start, end, "app", {"device": "nope"}).items == []
    with pytest.raises(ValueError, match="unknown dimension"):
        an.summary(start, end, "colour")


def test_summary_matches_raw_for_any_range_and_zone(store):
    spans = random_spans(11, 500, days=4)
    store.add_spans(spans)
    rng = random.Random(5)
    for tz in (UTC_ZONE, BERLIN, KOLKATA, ZoneInfo("America/St_Johns")):
        an = Analytics(store, TinyRules(), tz)
        for _ in range(8):
            a = T0 + rng.random() * 4 * 86400
            b = a + rng.random() * rng.choice([600, 86400, 3 * 86400])
            pieces = resolve(spans, a, b)
            want_apps: dict[str, float] = defaultdict(float)
            want_hours: dict[str, float] = defaultdict(float)
            want_code_days: dict[str, float] = defaultdict(float)
            for p in pieces:
                want_apps[p.span.app or "unknown"] += p.duration
                # Split each piece at local hour boundaries (quarters here: exact).
                t = p.start
                while t < p.end:
                    nxt = min(p.end, (t // 900 + 1) * 900)
                    local = datetime.fromtimestamp(t, tz)
                    want_hours[f"{local.hour:02d}"] += nxt - t
                    if p.span.app == "code":
                        want_code_days[local.date().isoformat()] += nxt - t
                    t = nxt
            start, end = datetime.fromtimestamp(a, tz), datetime.fromtimestamp(b, tz)
            got_apps = items(an.summary(start, end, "app"))
            got_hours = items(an.summary(start, end, "hour"))
            got_code_days = items(an.summary(start, end, "day", {"app": "code"}))
            for got, want in ((got_apps, want_apps), (got_hours, want_hours),
                              (got_code_days, want_code_days)):
                want = {k: v for k, v in want.items() if v > 1e-9}
                assert got.keys() == want.keys()
                for k in want:
                    assert got[k] == pytest.approx(want[k], abs=1e-6)


def fill(store: Store, start: datetime, end: datetime, step: float = 600) -> None:
    """Back-to-back 10-minute coding spans covering [start, end)."""
    a, b = start.timestamp(), end.timestamp()
    spans = []
    while a < b:
        spans.append(Span(a, min(a + step, b), app="code", title="z.py - gamma"))
        a += step
    store.add_spans(spans)


def test_dst_days_berlin(store):
    fill(store, datetime(2026, 3, 27, tzinfo=BERLIN), datetime(2026, 4, 1, tzinfo=BERLIN))
    fill(store, datetime(2026, 10, 23, tzinfo=BERLIN), datetime(2026, 10, 28, tzinfo=BERLIN))
    an = Analytics(store, TinyRules(), BERLIN)
    spring = an.daily(date(2026, 3, 28), date(2026, 3, 30))
    assert {d: v["total"] / 3600 for d, v in spring.items()} == {
        date(2026, 3, 28): 24, date(2026, 3, 29): 23, date(2026, 3, 30): 24}
    autumn = an.daily(date(2026, 10, 24), date(2026, 10, 26), by="category")
    assert [v["coding"] / 3600 for v in autumn.values()] == [24, 25, 24]
    day = an.summary(datetime(2026, 3, 29), datetime(2026, 3, 30), "hour")  # naive: Berlin
    hours = items(day)
    assert day.total_seconds == 23 * 3600 and "02" not in hours and hours["03"] == 3600
    fall = items(an.summary(datetime(2026, 10, 25), datetime(2026, 10, 26), "hour"))
    assert fall["02"] == 7200 and len(fall) == 24
    assert items(an.summary(datetime(2026, 3, 29), datetime(2026, 3, 30), "day")) == {
        "2026-03-29": 23 * 3600}


def test_half_hour_zone_and_day_boundaries(store):
    store.add_spans([Span(T0 + 10 * 3600, T0 + 10.5 * 3600, app="code"),     # 15:30 IST
                     Span(T0 + 18 * 3600, T0 + 19 * 3600, app="code")])      # 23:30-00:30
    an = Analytics(store, TinyRules(), KOLKATA)
    assert items(an.summary(datetime(2026, 3, 2), datetime(2026, 3, 4), "hour")) == {
        "15": 1800, "23": 1800, "00": 1800}
    assert items(an.summary(datetime(2026, 3, 2), datetime(2026, 3, 4), "day")) == {
        "2026-03-02": 3600, "2026-03-03": 1800}
    daily = an.daily(date(2026, 3, 1), date(2026, 3, 3))
    assert daily == {date(2026, 3, 1): {}, date(2026, 3, 2): {"total": 3600},
                     date(2026, 3, 3): {"total": 1800}}


def test_timeline_is_resolved_clipped_classified(store):
    sample(store)
    an = Analytics(store, TinyRules(), UTC_ZONE)
    entries = an.timeline(utc(2026, 3, 2, 9, 5), utc(2026, 3, 2, 10, 15))
    got = [(e.start.strftime("%H:%M"), e.end.strftime("%H:%M"), e.span.source,
            e.classification.category) for e in entries]
    assert got == [("09:05", "09:10", "window", "coding"), ("09:10", "09:20", "editor", "coding"),
                   ("09:20", "10:00", "window", "coding"),
                   ("10:00", "10:15", "browser", "entertainment")]
    assert entries[0].start.tzinfo == UTC_ZONE and entries[1].seconds == 600


def test_heatmap_and_pulse(store):
    sample(store)
    an = Analytics(store, TinyRules(), UTC_ZONE)
    grid = an.heatmap(utc(2026, 3, 1), utc(2026, 3, 8))
    assert grid[0][9] == 3600 and grid[0][23] == 1800 and grid[1][0] == 1800
    assert sum(map(sum, grid)) == 7200
    everything = an.heatmap(utc(2026, 3, 1), utc(2026, 3, 8), category=None)
    assert everything[0][10] == 3600
    # 2 h very productive (100), 30 min very distracting (0), 30 min productive (75).
    pulse = an.productivity_pulse(utc(2026, 3, 1), utc(2026, 3, 8))
    assert pulse == pytest.approx((7200 * 100 + 1800 * 0 + 1800 * 75) / 10800)
    assert an.productivity_pulse(utc(2020, 1, 1), utc(2020, 1, 2)) is None


def test_streaks(store):
    zone = BERLIN
    hours = {0: 2, 1: 2, 2: 0.5, 3: 2, 4: 2, 5: 2, 6: 2, 8: 1}  # day offset -> coding hours
    for offset, h in hours.items():
        day = datetime(2026, 3, 20, 9, tzinfo=zone) + timedelta(days=offset)
        fill(store, day, day + timedelta(hours=h))
    store.add_spans([Span(datetime(2026, 3, 27, 9, tzinfo=zone).timestamp(),
                          datetime(2026, 3, 27, 12, tzinfo=zone).timestamp(), app="chat")])
    an = Analytics(store, TinyRules(), zone)
    s = an.streaks(3600, date(2026, 3, 26))
    assert (s.current, s.best, s.today_seconds) == (4, 4, 7200)
    s = an.streaks(3600, date(2026, 3, 27))  # today not met yet (chat is not coding)
    assert (s.current, s.best, s.today_seconds) == (4, 4, 0)
    s = an.streaks(3600, date(2026, 3, 28))  # yesterday missed: streak broken, today met
    assert (s.current, s.best) == (1, 4)
    assert an.streaks(3600, date(2026, 3, 29)).current == 1  # today still open
    assert an.streaks(3600, date(2026, 3, 30)).current == 0
    assert an.streaks(3 * 3600, date(2026, 3, 29)).best == 0


def test_classification_cached_per_activity_and_fingerprint(store, tmp_path):
    store.add_spans([Span(T0 + i * 60, T0 + i * 60 + 50, app="code", title=f"f{i % 3} - p")
                     for i in range(300)])
    rules = TinyRules()
    an = Analytics(store, rules, UTC_ZONE)
    start, end = utc(2026, 3, 2), utc(2026, 3, 3)
    assert items(an.summary(start, end, "category")) == {"coding": 15000}
    assert rules.calls == 3
    an.summary(start, end, "project")
    assert rules.calls == 3
    # A new process reuses the persisted classifications.
    fresh = TinyRules()
    Analytics(Store(store.path), fresh, UTC_ZONE).summary(start, end, "category")
    assert fresh.calls == 0
    # Editing the rules (new fingerprint) re-classifies history.
    rules.fingerprint = "tiny-2"
    rules.classify = lambda span: Classification(None, "docs", 1)
    assert items(an.summary(start, end, "category")) == {"docs": 15000}


def test_empty_store(store):
    an = Analytics(store, TinyRules(), UTC_ZONE)
    s = an.summary(utc(2026, 1, 1), utc(2027, 1, 1))
    assert (s.total_seconds, s.items) == (0, [])
    assert an.timeline(utc(2026, 1, 1), utc(2026, 1, 2)) == []
    assert an.streaks(60, date(2026, 1, 1)).current == 0
    assert Item("a", 1.0).seconds == 1.0


def test_named_rollups_follow_new_and_deleted_spans(store):
    an = Analytics(store, TinyRules(), UTC_ZONE)
    week = (utc(2026, 3, 1), utc(2026, 3, 8))
    store.add_spans([Span(T0 + 3600, T0 + 7200, app="code", title="a - alpha")])
    assert items(an.summary(*week)) == {"alpha": 3600}
    other = Analytics(Store(store.path), TinyRules(), UTC_ZONE)  # a second process
    other.store.add_spans([Span(T0 + 86400, T0 + 86400 + 600, app="code", title="b - beta")])
    assert items(an.summary(*week)) == {"alpha": 3600, "beta": 600}
    store.delete_range(T0, T0 + 5400)
    assert items(other.summary(*week)) == {"alpha": 1800, "beta": 600}
    assert items(an.summary(*week, by="app")) == {"code": 2400}
    assert sum(map(sum, an.heatmap(*week))) == 2400
    other.store.add_spans([Span(T0 + 86400 + 600, T0 + 86400 + 900, app="code", title="b - beta")])
    assert sum(map(sum, an.heatmap(*week))) == 2700
    assert an.daily(date(2026, 3, 3), date(2026, 3, 3), by="project") == {
        date(2026, 3, 3): {"beta": 900}}


def test_named_rollups_name_activities_written_while_they_are_built(store, monkeypatch):
    """Another process adds a new activity between listing a day's activities and saving
    their named rollups: the save sees the stranger, has it named, and counts its time."""
    an = Analytics(store, TinyRules(), UTC_ZONE)
    store.add_spans([Span(T0 + 3600, T0 + 7200, app="code", title="a - alpha")])
    other = Store(store.path)
    listed = Store.rollup_ids
    writes = []

    def list_then_other_writes(self, days, column):
        found = listed(self, days, column)
        if self is store and not writes:
            writes.append(other.add_spans([Span(T0 + 8000, T0 + 8600, app="code",
                                                title="g - gamma")]))
            other.refresh_rollups()
        return found

    monkeypatch.setattr(Store, "rollup_ids", list_then_other_writes)
    week = (utc(2026, 3, 1), utc(2026, 3, 8))  # (a weekday filter: the named quarters)
    assert items(an.summary(*week, filters={"weekday": "Mon"})) == {"alpha": 3600,
                                                                       "gamma": 600}
    assert writes == [1]
    other.close()
