"""Import and export on a real SQLite store: round trips, idempotency, hand-computed totals
of the WakaTime and ActivityWatch samples in tests/data, and broken files that change nothing."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.engine.io import (
    ImportFormatError,
    detect_format,
    export_file,
    import_file,
    read_spans,
)
from desktop.engine.io.activitywatch import flood, intersect
from desktop.engine.io.wakatime import editor_of
from desktop.engine.span import Span
from desktop.engine.store import Store

DATA = Path(__file__).parent / "data"
ALL = (0.0, 1e12)


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "tf.sqlite3", device="this-pc")
    yield s
    s.close()


def totals(spans, key) -> dict:
    out: dict = defaultdict(float)
    for s in spans:
        out[key(s)] += s.duration
    return dict(out)


def sample_spans() -> list[Span]:
    base = at("2024-03-31 00:30:00")  # a DST change night in Europe, for good measure
    return [
        Span(base, base + 1234.5678901, source="window", device="laptop", app="Code",
             title="main.py — ünïcode, \"quotes\", commas\nand a newline", url=None,
             site=None, file="/src/main.py", project="tf", branch="main", language="Python",
             editor="vscode", keystrokes=12, clicks=3, scrolls=2, moves=40),
        Span(base + 1234.5678901, base + 2000.1, source="browser", device="laptop",
             app="firefox", title="Docs", url="https://docs.python.org/3/?a=1&b=2",
             site="docs.python.org", browser="firefox", private=True, audible=True,
             idle_to_active=3),
        Span(base + 5000, base + 5000.000001, source="wakatime:editor", device="desktop",
             file="C:\\src\\x.rs", language="Rust", lines_added=7, lines_deleted=2),
    ]


@pytest.mark.parametrize("name", ["history.json", "history.csv"])
def test_export_import_round_trip_is_exact(tmp_path, store, name):
    spans = sample_spans()
    store.add_spans(spans)
    path = tmp_path / name
    seen = []
    assert export_file(store, path, progress=lambda d, t: seen.append((d, t))) == 3
    assert seen[-1] == (3, 3)
    other = Store(tmp_path / "other.sqlite3", device="elsewhere")
    try:
        result = import_file(path, other)
        assert (result.format, result.parsed, result.added, result.skipped) == (
            name.rsplit(".", 1)[1], 3, 3, 0)
        assert other.spans(*ALL) == store.spans(*ALL) == spans
        again = import_file(path, other)
        assert (again.added, again.skipped) == (0, 3)
        assert len(other.spans(*ALL)) == 3
    finally:
        other.close()


def test_export_a_range_only(tmp_path, store):
    spans = sample_spans()
    store.add_spans(spans)
    path = tmp_path / "part.json"
    assert export_file(store, path, start=spans[2].start, end=spans[2].end + 1) == 1
    data = json.loads(path.read_text())
    assert data["format"] == "timeforged" and data["version"] == 1
    assert data["spans"][0]["uuid"] == spans[2].uuid


# -- WakaTime --------------------------------------------------------------------------------

def test_wakatime_totals_computed_by_hand(store):
    progress = []
    result = import_file(DATA / "wakatime_dump.json", store,
                         progress=lambda d, t: progress.append((d, t)))
    assert result.format == "wakatime"
    spans = store.spans(*ALL)
    # Day 1, timeforged: tracker.py 09:00-09:10 (600) + rules.py 09:10-09:20 (600; the
    # 09:20 heartbeat is followed by a 20 min gap: 0) + tracker.py 09:40-09:41:30 (90) +
    # README.md 09:41:30-09:45 (210). Day 2: wakatime.py 10:00-10:10 (600). Day 2/3: the
    # 23:50 heartbeat is exactly 15 min before the next: not joined (0); then tracker.py
    # 00:05-00:14 coding (540) + 00:14-00:20 debugging (360).
    # website: index.html 14:00-14:24:59 (1499); style.css 14:24:59 is 15:01 before the next: 0.
    # no project: github.com 10:30-10:36 (360), stackoverflow.com 10:36-10:38 (120).
    assert totals(spans, lambda s: s.project) == {
        "timeforged": 3000, "website": 1499, None: 480}
    assert result.seconds == 4979
    assert totals(spans, lambda s: s.language) == {
        "Python": 600 + 600 + 90 + 600 + 900, "Markdown": 210, "HTML": 1499, None: 480}
    assert totals(spans, lambda s: s.site) == {None: 4499, "github.com": 360,
                                                "stackoverflow.com": 120}
    assert totals(spans, lambda s: s.editor) == {"vscode": 3000, "vim": 1499, None: 480}
    assert {s.browser for s in spans if s.site} == {"chrome"}
    assert {s.source for s in spans} == {"wakatime:editor", "wakatime:browser"}
    assert {s.device for s in spans} == {"ana-laptop"}
    assert min(s.start for s in spans) == at("2024-01-02 09:00:00")
    # the day-3 run is split where the category changes
    late = [s for s in spans if s.start >= at("2024-01-04 00:00:00")]
    assert [(s.start, s.end) for s in late] == [
        (at("2024-01-04 00:05:00"), at("2024-01-04 00:14:00")),
        (at("2024-01-04 00:14:00"), at("2024-01-04 00:20:00"))]
    assert progress[0] == (0, result.parsed) and progress[-1] == (result.parsed, result.parsed)


def test_wakatime_timeout_is_configurable(store):
    # 5 min: only gaps under 300 s join. timeforged day 1: 09:00-09:05 (300) + rules.py
    # 09:10-09:12:30 (150) + 09:40-09:41:30 (90) + 09:41:30-09:45 (210); browsing 480.
    result = import_file(DATA / "wakatime_dump.json", store, wakatime_timeout_minutes=5)
    assert totals(store.spans(*ALL), lambda s: s.project) == {"timeforged": 750, None: 480}
    assert result.seconds == 1230


def test_wakatime_import_twice_adds_nothing(store):
    first = import_file(DATA / "wakatime_dump.json", store)
    before = store.spans(*ALL)
    second = import_file(DATA / "wakatime_dump.json", store)
    assert first.added == first.parsed > 0
    assert (second.added, second.skipped) == (0, first.parsed)
    assert store.spans(*ALL) == before


def test_wakatime_user_agents():
    assert editor_of("wakatime/v1.86.1 (linux-6.5.0) go1.21.5 vscode/1.85.1 "
                     "vscode-wakatime/24.4.0") == "vscode"
    assert editor_of("wakatime/v1.73.0 (darwin-22.1.0-arm64) go1.20 PyCharm/2023.1 "
                     "PyCharm-wakatime/14.1.4") == "pycharm"
    assert editor_of("wakatime/v1.73.0 (windows-10.0) go1.20 emacs/29.1") == "emacs"
    assert editor_of(None) is None


# -- ActivityWatch ---------------------------------------------------------------------------

def test_activitywatch_totals_computed_by_hand(store):
    result = import_file(DATA / "activitywatch_export.json", store)
    assert result.format == "activitywatch"
    spans = store.spans(*ALL)
    window = [s for s in spans if s.source == "activitywatch:window"]
    web = [s for s in spans if s.source == "activitywatch:browser"]
    # Day 1 active: not-afk 09:00-10:00 and 10:30-11:00, plus the audible YouTube tab
    # 10:00-10:20. Code 09:00-09:20 flooded over the 2 s gap to 09:20:02 (1202) + 09:30-10:00
    # (1800) + 10:40-11:00 (1200; 11:00-11:10 has no not-afk); firefox 09:20:02-09:30 (598) +
    # 10:00-10:20 (1200); Slack 600.
    # Day 2 active: 09:00-09:30, 09:40-10:00. kitty 09:00-09:30 (1800) + 09:59-10:00 (60);
    # firefox 09:40-09:59 (1140: cut by the overlapping kitty event).
    assert totals(window, lambda s: s.app) == {
        "Code": 4202, "firefox": 598 + 1200 + 1140, "Slack": 600, "kitty": 1860}
    assert sum(s.duration for s in window) == 9600
    # Browser: docs 598; YouTube (audible) 10:00-10:20 1200, the silent one while afk 0;
    # HN while Slack had the focus 0; the pull request 1140.
    assert totals(web, lambda s: s.site) == {
        "docs.python.org": 598, "www.youtube.com": 1200, "github.com": 1140}
    assert sum(s.duration for s in web) == 2938
    # the time reports will count: the browser's lies within the windows', so counted once
    assert result.seconds == 9600
    assert {s.device for s in spans} == {"ana-laptop"}
    assert {(s.browser, s.app) for s in web} == {("firefox", "firefox")}
    assert [s.audible for s in web if s.site == "www.youtube.com"] == [True]
    assert all(s.title and s.app for s in window)


def test_activitywatch_import_twice_adds_nothing(store):
    first = import_file(DATA / "activitywatch_export.json", store)
    second = import_file(DATA / "activitywatch_export.json", store)
    assert first.added == first.parsed == 12
    assert second.added == 0
    assert len(store.spans(*ALL)) == 12


def test_flood_and_intersect():
    from desktop.engine.io.activitywatch import Event

    events = flood([Event(10, 20, {"a": 1}, "x"), Event(0, 8, {"a": 0}, "w"),
                    Event(30, 40, {}, "y"), Event(35, 50, {}, "z")])
    assert [(e.start, e.end) for e in events] == [(0, 10), (10, 20), (30, 35), (35, 50)]
    parts = intersect(events, [Event(5, 12, {}, ""), Event(36, 37, {}, "")])
    assert [(e.start, e.end, e.ident) for e in parts] == [(5, 10, "w"), (10, 12, "x"),
                                                          (36, 37, "z")]


# -- broken files ----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "words"), [
    ("wakatime_truncated.json", ["not valid JSON (the file looks truncated)", "line "]),
    ("wakatime_wrong_type.json", ["days[1].heartbeats[2].time",
                                  "expected a number, got str '2024-01-03 10:10:00'"]),
    ("wakatime_missing_key.json", ["days[2].heartbeats[1]", "missing key 'entity'"]),
    ("activitywatch_truncated.json", ["not valid JSON", "line "]),
    ("activitywatch_bad_timestamp.json", [
        "buckets['aw-watcher-afk_ana-laptop'].events[1].timestamp",
        "not an ISO 8601 time: 'yesterday at nine'"]),
    ("activitywatch_missing_events.json", ["buckets['aw-watcher-web-firefox']",
                                           "missing key 'events'"]),
])
def test_broken_files_give_a_clear_error_and_change_nothing(tmp_path, store, name, words):
    store.add_spans(sample_spans())
    before = store.spans(*ALL)
    with pytest.raises(ImportFormatError) as caught:
        import_file(DATA / name, store)
    message = str(caught.value)
    assert message.startswith(str(DATA / name))
    for word in words:
        assert word in message, message
    assert store.spans(*ALL) == before


@pytest.mark.parametrize(("content", "words"), [
    ('{"format": "timeforged", "version": 1, "spans": [{"start": 1, "end": 0, "uuid": '
     '"6a1f7b8e-3f0a-4a0e-9d1c-0b3c7a6f1e2d", "source": "window", "device": "d"}]}',
     ["spans[0]", "end is before start"]),
    ('{"format": "timeforged", "version": 1, "spans": [{"start": 1, "end": 2, "uuid": "x", '
     '"source": "window", "device": "d"}]}', ["spans[0]", "uuid is not a UUID"]),
    ('{"format": "timeforged", "version": 1, "spans": [{"start": 1, "end": 2, "uuid": '
     '"6a1f7b8e-3f0a-4a0e-9d1c-0b3c7a6f1e2d", "source": "window", "device": "d", '
     '"colour": "red"}]}', ["spans[0]", "unknown field(s) colour"]),
    ('{"format": "timeforged", "version": 9, "spans": []}', ["newer TimeForged"]),
    ('{"hello": "world"}', ["unknown format"]),
    ("[1, 2]", ["unknown format"]),
    ("", ["not valid JSON"]),
])
def test_broken_native_json(tmp_path, store, content, words):
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(ImportFormatError) as caught:
        import_file(path, store)
    for word in words:
        assert word in str(caught.value)
    assert store.spans(*ALL) == []


def test_broken_csv_points_at_the_line(tmp_path, store):
    path = tmp_path / "history.csv"
    spans = sample_spans()
    store.add_spans(spans)
    export_file(store, path)
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    good = len(lines)
    row_start = f"\n{spans[2].start!r},"
    assert text.count(row_start) == 1
    path.write_text(text.replace(row_start, "\nnoon,"))
    other = Store(tmp_path / "other.sqlite3")
    try:
        with pytest.raises(ImportFormatError) as caught:
            import_file(path, other)
        assert "start: not a number: 'noon'" in str(caught.value)
        assert ": line 5: " in str(caught.value)  # the header, a two-line row, a row, this
        path.write_text("".join(lines[: good - 1]) + lines[-1][:20])  # truncated last row
        with pytest.raises(ImportFormatError) as caught:
            import_file(path, other)
        assert "truncated?" in str(caught.value)
        path.write_text("when,what\n1,2\n")
        with pytest.raises(ImportFormatError, match="missing column"):
            import_file(path, other)
        assert other.spans(*ALL) == []
    finally:
        other.close()


def test_detect_format(tmp_path):
    assert detect_format(DATA / "wakatime_dump.json") == "wakatime"
    assert detect_format(DATA / "activitywatch_export.json") == "activitywatch"
    copy = tmp_path / "export.txt"
    shutil.copy(DATA / "activitywatch_export.json", copy)
    assert read_spans(copy)[0] == "activitywatch"
    with pytest.raises(ImportFormatError, match="no such file"):
        read_spans(tmp_path / "missing.json")
