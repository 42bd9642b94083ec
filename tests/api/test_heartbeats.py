"""The heartbeat model: validation, user agents, WakaTime's joining rules, idempotence."""

from __future__ import annotations

import pytest

from desktop.engine.heartbeats import (
    UNKNOWN_EDITOR,
    Heartbeat,
    HeartbeatError,
    Joiner,
    join,
    line_changes,
    parse_heartbeat,
    parse_heartbeats,
    parse_user_agent,
)

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
])
def test_bad_fields_are_named(data, field):
    with pytest.raises(HeartbeatError) as err:
        parse_heartbeat(data, now=NOW)
    assert err.value.field == field
    assert str(err.value).startswith(field)


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


# -- joining ---------------------------------------------------------------------------------


def test_consecutive_heartbeats_join_and_gaps_go_to_the_earlier_entity():
    spans = sorted(join([beat(0), beat(60), beat(120, "/src/b.py"), beat(200, "/src/b.py"),
                         beat(200 + 16 * 60, "/src/b.py"), beat(200 + 17 * 60, "/src/b.py")],
                        "dev"), key=lambda s: s.start)
    assert [(s.start - NOW, s.end - NOW, s.file) for s in spans] == [
        (0, 120, "/src/app.py"), (120, 200, "/src/b.py"),
        (200 + 16 * 60, 200 + 17 * 60, "/src/b.py")]
    assert {(s.source, s.editor, s.project) for s in spans} == {("editor", "Vim", "app")}


def test_timeout_is_configurable():
    beats = [beat(0), beat(300)]
    assert len(join(beats, "dev", timeout=600)) == 1
    assert join(beats, "dev", timeout=120) == []  # two lone heartbeats count nothing


def test_streaming_equals_batch_and_resending_is_idempotent():
    beats = [beat(i * 50, "/src/a.py" if i < 5 else "/src/b.py",
                  line_additions=1) for i in range(10)]
    batch = {s.uuid: s for s in join(beats, "dev")}
    live = Joiner("dev")
    streamed: dict = {}
    for b in beats:
        for span in live.add([b]).spans:
            streamed[span.uuid] = span
    assert streamed == batch
    again = live.add(beats)
    assert again.spans == [] and again.new == [False] * 10  # duplicates: nothing new
    fresh = {s.uuid: s for s in join(beats, "dev")}  # after a restart: same uuids
    assert fresh == batch


def test_lines_per_file_and_project():
    beats = [beat(0, line_additions=3, line_deletions=1), beat(30, line_additions=2),
             beat(60, "/src/b.py", line_additions=5), beat(90, "/src/b.py")]
    assert line_changes(join(beats, "dev")) == {("app", "/src/app.py"): (5, 1),
                                                ("app", "/src/b.py"): (5, 0)}


def test_late_heartbeats_do_not_disturb_the_live_span():
    live = Joiner("dev")
    live.add([beat(1000), beat(1100)])
    late = live.add([beat(0, "/old.py"), beat(100, "/old.py")])
    assert [(s.start - NOW, s.end - NOW, s.file) for s in late.spans] == [(0, 100, "/old.py")]
    now = live.add([beat(1200)]).spans
    assert [(s.start - NOW, s.end - NOW) for s in now] == [(1000, 1200)]


def test_browser_stream_is_separate_and_private_tabs_keep_nothing():
    live = Joiner("dev", timeouts={"browser": 120})
    tab = dict(type="url", category="browsing", browser="Chromium", project=None)
    live.add([beat(0), beat(10, "https://github.com/x", title="x", **tab)])
    spans = live.add([beat(60), beat(70, "https://github.com/x", title="x", **tab)]).spans
    by_source = {s.source: s for s in spans}
    assert by_source["editor"].end - NOW == 60
    assert (by_source["browser"].site, by_source["browser"].url) == ("github.com",
                                                                     "https://github.com/x")
    ended = live.end("browser", NOW + 80)
    assert ended is not None and ended.end - NOW == 80
    secret = join([beat(0, "private-tab", private=True, **tab),
                   beat(30, "private-tab", private=True, **tab)], "dev")
    assert [(s.url, s.title, s.site, s.private) for s in secret] == [(None, None, None, True)]


def test_heartbeat_without_plugin_is_still_an_editor():
    (span,) = join([beat(0, user_agent=None), beat(10, user_agent=None)], "dev")
    assert span.editor == UNKNOWN_EDITOR and span.source == "editor"
