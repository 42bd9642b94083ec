"""Scripted observations through the whole engine: Tracker -> SpanWriter -> Store -> Analytics
with the rules, across a local midnight on a DST night, then a rule edit that re-classifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from desktop.engine.analytics import Analytics
from desktop.engine.rules import Rules
from desktop.engine.store import SpanWriter, Store
from desktop.engine.tracker import Tracker
from watchers.observation import Observation

NY = ZoneInfo("America/New_York")


def test_day_boundary_dst_idle_and_reclassification(tmp_path):
    rules_path = tmp_path / "rules.toml"
    rules = Rules.load(rules_path)
    store = Store(tmp_path / "tf.sqlite3", device="pc")
    writer = SpanWriter(store, flush_interval=0.5)
    tracker = Tracker(store.device, writer.put, redactor=rules.redact)
    # 2024-11-02 23:30 New York (EDT, UTC-4); the clocks fall back at 02:00 EDT on Nov 3.
    t = datetime(2024, 11, 2, 23, 30, tzinfo=NY).timestamp()
    script = [
        (3600, {"app": "Code", "title": "tracker.py - timeforged - Visual Studio Code"}),
        (1800, {"app": "firefox", "title": "Talk - YouTube — Mozilla Firefox",
                "url": "https://www.youtube.com/watch?v=x", "site": "www.youtube.com"}),
        # 01:00 EDT .. 02:00 EST is two real hours on the wall clock's "1 to 2"
        (7200, {"app": "kitty", "title": "vim io.py"}),
    ]
    for seconds, fields in script:
        for _ in range(int(seconds)):
            tracker.observe(Observation(time=t, idle_seconds=0.0, **fields))
            t += 1
    # then away: no input after the last poll; noticed 3 minutes later, the span ends at the
    # last input, not when the idleness was noticed
    last_input = t - 1
    for _ in range(300):
        tracker.observe(Observation(time=t, app="kitty", title="vim io.py",
                                    idle_seconds=t - last_input))
        t += 1
    assert tracker.current is None
    tracker.close(t)
    writer.close()

    day = lambda d: datetime(2024, 11, d, tzinfo=NY)  # noqa: E731
    analytics = Analytics(store, rules, NY)
    by_day = analytics.summary(day(2), day(4), by="day")
    assert {i.name: i.seconds for i in by_day.items} == {
        "2024-11-02": 1800, "2024-11-03": 1800 + 1800 + 7200 - 1}
    by_category = analytics.summary(day(2), day(4), by="category")
    assert {i.name: i.seconds for i in by_category.items} == {
        "coding": 3600 + 7200 - 1, "entertainment": 1800}
    # the local day of Nov 3 has 25 hours; everything still adds up to the real time spent
    assert by_day.total_seconds == 3600 + 1800 + 7200 - 1
    assert day(4) - day(3) == timedelta(hours=24)  # wall-clock arithmetic...
    assert day(4).timestamp() - day(3).timestamp() == 25 * 3600  # ...but 25 real hours

    # Editing the rules re-classifies history at report time.
    rules_path.write_text("[[rules]]\nmatch.title = 'talk'\nmatch.site = 'youtube'\n"
                          "category = 'learning'\nproject = 'conferences'\n")
    edited = Rules.load(rules_path)
    assert edited.fingerprint != rules.fingerprint
    analytics = Analytics(store, edited, NY)
    by_category = analytics.summary(day(2), day(4), by="category")
    assert {i.name: i.seconds for i in by_category.items} == {
        "coding": 3600 + 7200 - 1, "learning": 1800}
    by_project = analytics.summary(day(2), day(4), by="project")
    assert by_project.items[-1].name == "conferences" and by_project.items[-1].seconds == 1800
    spans = store.spans(0, 1e12)
    assert len(spans) == 3
    # 23:30 EDT (03:30 UTC) + 3 h 29 min 59 s: 06:59:59 UTC, 01:59:59 EST, after the change
    assert datetime.fromtimestamp(spans[-1].end, UTC) == datetime(2024, 11, 3, 6, 59, 59,
                                                                   tzinfo=UTC)
    assert datetime.fromtimestamp(spans[-1].end, NY).tzname() == "EST"
    store.close()
