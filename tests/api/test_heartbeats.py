"""The heartbeat model: validation, user agents, WakaTime's joining rules, idempotence."""

from __future__ import annotations

import pytest

from desktop.engine.heartbeats import (
    UNKNOWN_EDITOR,
    Heartbeat,
    HeartbeatError,
    line_changes,
    parse_heartbeat,
    parse_heartbeats,
    parse_user_agent,
    stop,
)
from desktop.engine.store import Store
from tests.store_helpers import post

NOW = 1_700_000_000.0
VIM = "wakatime/13.1.0 (Linux-6.1.0-x86_64-with-glibc2.36) Python3.11.7.final.0 vim/9.0 " \
      "vim-wakatime/10.0"


def beat(t: float, entity: str = "/src/app.py", **kw) -> Heartbeat:
    kw.setdefault("project", "app")
    kw.setdefault("user_agent", VIM)
    return Heartbeat(entity=entity, time=NOW + t, **kw)


# -- parsing ---------------------------------------------------------------------------------


def test_numbers_as_strings_and_defaults():
    hb = parse_heartbeat({"entity": "/a.py", "time": str(NOW), "lineno": "12", "cursorpos": 3,
                          "lines": "400.0", "is_write": "true", "line_additions": "2",
                          "dependencies": "os,sys, json"}, now=NOW)
    assert (hb.time, hb.lineno, hb.cursorpos, hb.lines, hb.is_write) == (NOW, 12, 3, 400, True)
    assert (hb.type, hb.category, hb.line_additions) == ("file", "coding", 2)
    assert hb.dependencies == ("os", "sys", "json")


def test_wakatime_cli_shape_with_nulls():
    hb = parse_heartbeat({"time": NOW, "entity": "/a.py", "type": "file", "category": None,
                          "is_write": None, "project": None, "branch": None, "language": None,
                          "dependencies": None, "lines": None, "lineno": None,
                          "cursorpos": None, "user_agent": VIM}, now=NOW)
    assert hb.project is None and hb.category == "coding" and hb.user_agent == VIM


@pytest.mark.parametrize(("data", "field"), [
    ({"time": NOW}, "entity"),
    ({"entity": "", "time": NOW}, "entity"),
    ({"entity": ["x"], "time": NOW}, "entity"),
    ({"entity": "/a"}, "time"),
    ({"entity": "/a", "time": "soon"}, "time"),
    ({"entity": "/a", "time": True}, "time"),
    ({"entity": "/a", "time": NOW * 1000}, "time"),
    ({"entity": "/a", "time": NOW + 86400}, "time"),
    ({"entity": "/a", "time": NOW - 400 * 86400}, "time"),
    ({"entity": "/a", "time": float("nan")}, "time"),
    ({"entity": "/a", "time": NOW, "lineno": "twelve"}, "lineno"),
    ({"entity": "/a", "time": NOW, "lineno": 1.5}, "lineno"),
    ({"entity": "/a", "time": NOW, "lines": -3}, "lines"),
    ({"entity": "/a", "time": NOW, "is_write": "maybe"}, "is_write"),
    ({"entity": "/a", "time": NOW, "type": "folder"}, "type"),
    ({"entity": "/a", "time": NOW, "category": "napping"}, "category"),
    ({"entity": "/a", "time": NOW, "project": {"a": 1}}, "project"),
    ({"entity": "/a", "time": NOW, "dependencies": [1, 2]}, "dependencies[0]"),
    ({"entity": "x" * 5000, "time": NOW}, "entity"),
    ({"entity": "/a\x00b", "time": NOW}, "entity"),
    ({"entity": "/h/\ud800.py", "time": NOW}, "entity"),  # valid JSON, not storable UTF-8
    ({"entity": "/a", "time": NOW, "project": "p\udfff"}, "project"),
    ({"entity": "/a", "time": NOW, "user_agent": "vim\ud83d"}, "user_agent"),
    ({"entity": "/a", "time": NOW, "dependencies": ["ok", "\udc80"]}, "dependencies[1]"),
    ({"entity": "/a", "time": NOW + 601}, "time"),  # more than 10 minutes of clock skew
    ({"entity": "/a", "time": 10 ** 400}, "time"),
    ({"entity": "/a", "time": NOW, "lines": 10 ** 400}, "lines"),
    ({"entity": "/a", "time": NOW, "lineno": -(10 ** 400)}, "lineno"),
    ({"entity": "/a", "time": NOW, "cursorpos": 2 ** 53 + 1}, "cursorpos"),
    ({"entity": "/a", "time": NOW, "line_additions": "1" * 400}, "line_additions"),
])
def test_bad_fields_are_named(data, field):
    with pytest.raises(HeartbeatError) as err:
        parse_heartbeat(data, now=NOW)
    assert err.value.field == field
    assert str(err.value).startswith(field)


def test_clock_skew_and_unicode_that_can_be_stored():
    assert parse_heartbeat({"entity": "/a", "time": NOW + 599}, now=NOW).time == NOW + 599
    beat = parse_heartbeat({"entity": "/h/\U0001f600 ünï.py", "time": NOW}, now=NOW)
    assert beat.entity == "/h/😀 ünï.py"


def test_bulk_errors_in_place():
    out = parse_heartbeats([{"entity": "/a", "time": NOW}, {"entity": "/b", "time": "x"}, 7],
                           now=NOW)
    assert isinstance(out[0], Heartbeat)
    assert isinstance(out[1], HeartbeatError) and out[1].field == "[1].time"
    assert isinstance(out[2], HeartbeatError) and out[2].field == "[2].heartbeat"
    with pytest.raises(HeartbeatError, match="body"):
        parse_heartbeats({"entity": "/a"}, now=NOW)


@pytest.mark.parametrize(("ua", "editor", "plugin", "os"), [
    (VIM, "Vim", "vim-wakatime", "Linux"),
    ("wakatime/v1.73.0 (darwin-23.1.0-arm64) go1.21.5 vscode/1.85.1 vscode-wakatime/24.4.0",
     "VS Code", "vscode-wakatime", "Mac"),
    ("neovim/0.9.4 vim-wakatime/11.1.1", "Neovim", "vim-wakatime", None),
    ("wakatime/v1.90 (windows-10.0-amd64) go1.22 PyCharm/2023.3 PyCharm-wakatime/14.2.0",
     "PyCharm", "PyCharm-wakatime", "Windows"),
    ("sublime/4169 sublime-wakatime/11.1.1", "Sublime Text", "sublime-wakatime", None),
    ("emacs-wakatime/1.0.2", "Emacs", "emacs-wakatime", None),
    ("Python-urllib/3.11", None, None, None),
    ("", None, None, None),
])
def test_user_agents(ua, editor, plugin, os):
    agent = parse_user_agent(ua)
    assert (agent.editor, agent.plugin, agent.os) == (editor, plugin, os)


# -- joining (through a real store) -------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "tf.sqlite3", device="dev")
    yield s
    s.close()


def spans(store: Store) -> list[tuple]:
    return [(s.start - NOW, s.end - NOW, s.file or s.url) for s in store.spans(0, 4e9)]


def test_consecutive_heartbeats_join_and_gaps_go_to_the_earlier_entity(store):
    post(store, [beat(0), beat(60), beat(120, "/src/b.py"), beat(200, "/src/b.py"),
                 beat(200 + 16 * 60, "/src/b.py"), beat(200 + 17 * 60, "/src/b.py")])
    assert spans(store) == [(0, 120, "/src/app.py"), (120, 200, "/src/b.py"),
                            (200 + 16 * 60, 200 + 17 * 60, "/src/b.py")]
    assert {(s.source, s.editor, s.project) for s in store.spans(0, 4e9)} == {
        ("editor", "Vim", "app")}


def test_timeout_is_configurable(tmp_path):
    for timeout, expected in ((600, [(0, 300, "/src/app.py")]), (120, [])):
        store = Store(tmp_path / f"{timeout}.sqlite3", device="dev")
        post(store, [beat(0), beat(300)], editor=timeout)
        assert spans(store) == expected  # two lone heartbeats count nothing
        store.close()


def test_one_by_one_equals_bulk_and_resending_is_idempotent(store, tmp_path):
    beats = [beat(i * 50, "/src/a.py" if i < 5 else "/src/b.py",
                  line_additions=1) for i in range(10)]
    for b in beats:
        post(store, [b])
    bulk = Store(tmp_path / "bulk.sqlite3", device="dev")
    post(bulk, beats)
    rows = [(s.uuid, s.start, s.end, s.lines_added) for s in store.spans(0, 4e9)]
    assert rows == [(s.uuid, s.start, s.end, s.lines_added) for s in bulk.spans(0, 4e9)]
    _, new = post(store, beats)
    assert new == [False] * 10  # duplicates: nothing new
    assert [(s.uuid, s.start, s.end, s.lines_added) for s in store.spans(0, 4e9)] == rows
    bulk.close()


def test_lines_per_file_and_project(store):
    post(store, [beat(0, line_additions=3, line_deletions=1), beat(30, line_additions=2),
                 beat(60, "/src/b.py", line_additions=5), beat(90, "/src/b.py")])
    assert line_changes(store.spans(0, 4e9)) == {("app", "/src/app.py"): (5, 1),
                                                 ("app", "/src/b.py"): (5, 0)}


def test_late_heartbeats_split_extend_and_bridge_stored_spans(store):
    post(store, [beat(1000), beat(1100)])
    post(store, [beat(0, "/old.py")])
    post(store, [beat(100, "/old.py")])  # late, one per request, like an offline queue
    assert spans(store) == [(0, 100, "/old.py"), (1000, 1100, "/src/app.py")]
    post(store, [beat(1050, "/other.py")])  # splits a span
    assert spans(store) == [(0, 100, "/old.py"), (1000, 1050, "/src/app.py"),
                            (1050, 1100, "/other.py")]
    post(store, [beat(600, "/old.py")])  # bridges two runs the timeout kept apart
    assert spans(store) == [(0, 1000, "/old.py"), (1000, 1050, "/src/app.py"),
                            (1050, 1100, "/other.py")]


def test_a_split_run_is_renumbered_for_later_late_heartbeats(store, tmp_path):
    """A run split by one late heartbeat and then by another, far inside its right part:
    the second must see where the first left the run (not where it began)."""
    base = [beat(t) for t in range(0, 2001, 100)]
    late = [beat(1050, "/b.py"), beat(1750, "/b.py")]
    post(store, base, editor=300)
    for b in late:
        post(store, [b], editor=300)
    fresh = Store(tmp_path / "sorted.sqlite3", device="dev")
    post(fresh, sorted(base + late, key=lambda b: b.time), editor=300)
    assert spans(store) == spans(fresh) == [
        (0, 1050, "/src/app.py"), (1050, 1100, "/b.py"), (1100, 1750, "/src/app.py"),
        (1750, 1800, "/b.py"), (1800, 2000, "/src/app.py")]
    fresh.close()


def test_a_stop_ends_the_stream_and_browser_is_separate(store):
    tab = dict(type="url", category="browsing", browser="Chromium", project=None)
    post(store, [beat(0), beat(10, "https://github.com/x", title="x", **tab)])
    post(store, [beat(60), beat(70, "https://github.com/x", title="x", **tab)])
    store.add_heartbeats([("browser", stop("browser", NOW + 80), None)],
                         {"editor": 900, "browser": 120})
    post(store, [beat(100, "https://github.com/x", title="x", **tab)])  # after the stop
    by_source = {s.source: s for s in store.spans(0, 4e9)}
    assert by_source["editor"].end - NOW == 60
    assert (by_source["browser"].start - NOW, by_source["browser"].end - NOW) == (10, 80)
    assert (by_source["browser"].site, by_source["browser"].url) == ("github.com",
                                                                     "https://github.com/x")


def test_private_tabs_keep_nothing(store):
    tab = dict(type="url", category="browsing", browser="Chromium", project=None)
    post(store, [beat(0, "private-tab", private=True, **tab),
                 beat(30, "private-tab", private=True, **tab)])
    assert [(s.url, s.title, s.site, s.private) for s in store.spans(0, 4e9)] == [
        (None, None, None, True)]


def test_heartbeat_without_plugin_is_still_an_editor(store):
    post(store, [beat(0, user_agent=None), beat(10, user_agent=None)])
    (span,) = store.spans(0, 4e9)
    assert span.editor == UNKNOWN_EDITOR and span.source == "editor"


def test_deleting_a_range_clips_joined_spans_and_late_heartbeats_stay_out(store):
    post(store, [beat(t) for t in range(0, 1001, 100)])
    store.delete_range(NOW + 350, NOW + 650)
    assert spans(store) == [(0, 350, "/src/app.py"), (650, 1000, "/src/app.py")]
    _, new = post(store, [beat(450), beat(500, "/b.py")])  # late, inside the deleted range
    assert new == [False, False]
    assert spans(store) == [(0, 350, "/src/app.py"), (650, 1000, "/src/app.py")]
    post(store, [beat(250, "/b.py"), beat(950, "/b.py")])  # late, beside it: they re-join
    assert spans(store) == [(0, 250, "/src/app.py"), (250, 300, "/b.py"),
                            (300, 350, "/src/app.py"), (650, 950, "/src/app.py"),
                            (950, 1000, "/b.py")]


def test_old_runs_are_forgotten_whole_and_their_spans_stay(store):
    post(store, [beat(t) for t in range(0, 301, 100)] + [beat(5000), beat(5100)])
    before = spans(store)
    assert store.prune_heartbeats(NOW + 5050) == 4  # the first run ended before; not the second
    assert spans(store) == before
    post(store, [beat(5050, "/b.py")])  # the kept run still re-joins
    assert spans(store)[-2:] == [(5000, 5050, "/src/app.py"), (5050, 5100, "/b.py")]
