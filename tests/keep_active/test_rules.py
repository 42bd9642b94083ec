"""The keep-active rules on recorded inputs: pactl's JSON (recorded from a real PipeWire),
macOS `pmset -g assertions`, Windows audio sessions; meeting apps, pages and `.desktop`
categories; and what the tracker makes of them (Hypothesis)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.engine.tracker import Tracker
from watchers.keep_active import (
    FULLSCREEN,
    MEETING,
    SCREEN_SHARE,
    KeepActive,
    KeepActiveSettings,
    focused_stream,
)
from watchers.keep_active.audio import (
    AudioStream,
    AudioUnavailable,
    parse_pmset_assertions,
    parse_sink_inputs,
    parse_windows_sessions,
)
from watchers.keep_active.meetings import DesktopCategories, is_meeting, is_screen_share
from watchers.observation import Observation

DATA = Path(__file__).parent.parent / "data" / "keep_active"


class Recorded:
    name = "audio.recorded"

    def __init__(self, streams: list[AudioStream]) -> None:
        self.streams = streams

    def playing(self) -> list[AudioStream]:
        return self.streams


def test_pactl_sink_inputs_a_muted_or_corked_stream_does_not_play():
    text = (DATA / "pactl_sink_inputs.json").read_text()
    assert parse_sink_inputs(text) == [AudioStream(14064, "paplay", "pacat")]
    items = json.loads(text)
    items[0]["corked"] = True
    assert parse_sink_inputs(json.dumps(items)) == []
    with pytest.raises(AudioUnavailable):
        parse_sink_inputs("Connection failure")


def test_pmset_assertions_name_the_apps_playing_or_in_a_call():
    streams = parse_pmset_assertions((DATA / "pmset_assertions.txt").read_text())
    assert [(s.pid, s.app) for s in streams] == [
        (812, "Google Chrome"), (812, "Google Chrome"), (977, "zoom.us")]


def test_windows_active_sessions_only():
    rows = json.loads((DATA / "windows_sessions.json").read_text())
    assert parse_windows_sessions(rows) == [AudioStream(None, None, None),
                                            AudioStream(4120, "Spotify.exe", "Spotify.exe")]


def test_a_stream_belongs_to_the_focused_process_its_parent_or_its_name():
    me = os.getpid()
    assert focused_stream(AudioStream(me, "x"), me, [])
    assert focused_stream(AudioStream(me, "x"), os.getppid(), [])  # a child of the window's
    assert not focused_stream(AudioStream(me, "x"), 999_999_999, [])
    assert focused_stream(AudioStream(None, "Spotify.exe", "Spotify.exe"), None, ["spotify"])


@pytest.mark.parametrize("url", [
    "https://meet.google.com/abc-defg-hij", "https://teams.microsoft.com/l/meetup-join/19%3a",
    "https://us02web.zoom.us/wc/123456/join", "https://meet.jit.si/TeamStandup",
    "https://app.slack.com/huddle/T01/C02"])
def test_meeting_pages(url):
    assert is_meeting(["firefox"], url, "a page")


@pytest.mark.parametrize("url", [
    "https://meet.google.com/", "https://zoom.us/pricing", "https://meet.jit.si/",
    "https://teams.microsoft.com/", "https://example.com/meet"])
def test_pages_that_are_not_a_meeting(url):
    assert not is_meeting(["firefox"], url, "a page")


def test_meeting_apps_table_titles_and_user_patterns():
    assert is_meeting(["zoom"], None, "Zoom")
    assert is_meeting(["slack"], None, "Huddle with Ana - Slack")
    assert is_meeting(["discord"], None, "Voice Connected - Discord")
    assert not is_meeting(["slack"], None, "general - Slack")
    import re
    assert is_meeting(["mumble"], None, "Mumble", extra=[re.compile("mumble")])


def test_desktop_categories_name_meeting_apps(tmp_path, monkeypatch):
    apps = tmp_path / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / "org.example.Talk.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Talk\nExec=talk-app %U\n"
        "StartupWMClass=TalkWindow\nCategories=Network;VideoConference;\n")
    (apps / "org.example.Notes.desktop").write_text(
        "[Desktop Entry]\nType=Application\nName=Notes\nExec=notes\nCategories=Office;\n")
    monkeypatch.setattr("watchers.keep_active.meetings.application_dirs", lambda: [apps])
    names = DesktopCategories().names()
    assert {"org.example.talk", "talk", "talkwindow", "talk-app"} <= names
    assert "notes" not in names
    keep = KeepActive(KeepActiveSettings(audio=False), desktop=DesktopCategories())
    assert keep.reason(Observation(time=0, app="TalkWindow", title="Talk")) == MEETING
    assert keep.reason(Observation(time=0, app="Notes", title="Notes")) is None


def test_rules_in_order_and_each_switchable():
    share = Observation(time=0, app="chromium", title="meet.google.com is sharing your screen.",
                        fullscreen=True)
    assert KeepActive(KeepActiveSettings(audio=False)).reason(share) == SCREEN_SHARE
    assert KeepActive(KeepActiveSettings(audio=False, screen_share=False)).reason(share) \
        == FULLSCREEN
    off = KeepActiveSettings(audio=False, screen_share=False, fullscreen=False)
    assert KeepActive(off).reason(share) is None
    assert is_screen_share("You are screen sharing") and not is_screen_share("notes.txt")
    zoom = Observation(time=0, app="zoom", title="Zoom Meeting")
    assert KeepActive(KeepActiveSettings(audio=False, meeting=False)).reason(zoom) is None
    tab = Observation(time=0, app="firefox", title="a video", audible=True)
    keep = KeepActive(KeepActiveSettings(), audio=Recorded([]))
    assert keep.reason(tab) == "audio"  # the browser said its tab plays


class Counting(Recorded):
    calls = 0

    def playing(self) -> list[AudioStream]:
        self.calls += 1
        return self.streams


def test_the_sound_server_is_asked_only_when_idle_and_not_every_poll():
    source = Counting([AudioStream(42, "mpv", "mpv")])
    keep = KeepActive(KeepActiveSettings(), audio=source, audio_recheck=3600)
    typing = Observation(time=0, app="mpv", title="film", pid=42, idle_seconds=1.0)
    idle = typing.replace(idle_seconds=200.0)
    assert keep.reason(typing) is None and source.calls == 0
    assert [keep.reason(idle) for _ in range(5)] == ["audio"] * 5 and source.calls == 1
    keep.reason(typing)
    assert keep.reason(idle) == "audio" and source.calls == 2  # idle again: asked afresh


# -- the tracker: kept-active time counts like input; ordinary spans are unchanged ----------

_polls = st.lists(st.tuples(st.floats(0, 600), st.sampled_from([None, None, "audio", "meeting"])),
                  min_size=1, max_size=40)


def _run(polls: list[tuple[float, str | None]], with_reasons: bool) -> list[tuple[float, float]]:
    spans = {}
    tracker = Tracker("dev", lambda s: spans.__setitem__(s.uuid, (s.start, s.end)),
                      idle_timeout=180, poll_interval=1)
    for i, (idle, reason) in enumerate(polls):
        tracker.observe(Observation(time=1000.0 + i, app="A", title="t", idle_seconds=idle,
                                    active_reason=reason if with_reasons else None))
    tracker.close(1000.0 + len(polls))
    return sorted(spans.values())


@settings(max_examples=200, deadline=None)
@given(_polls)
def test_kept_active_time_only_adds_and_without_reasons_nothing_changes(polls):
    plain = _run(polls, with_reasons=False)
    kept = _run(polls, with_reasons=True)
    total = sum(b - a for a, b in kept)
    assert total >= sum(b - a for a, b in plain)
    if all(reason is None for _, reason in polls):
        assert kept == plain
    if all(reason for _, reason in polls):  # every poll kept active: one span, never cut
        assert kept == [(1000.0, 1000.0 + len(polls))]
