"""Focus enforcement reacting to real windows: watchers + rules recognize a blocked site."""

from __future__ import annotations

import time

import pytest

from desktop.engine.focus.controller import FocusController
from desktop.engine.focus.session import FocusPlan
from desktop.engine.rules import Rules

pytestmark = pytest.mark.x11

REDDIT = "Reddit - Dive into anything — Mozilla Firefox"


def window_state(x_session, wid: int) -> str:
    return x_session.run("xprop", "-id", str(wid), "WM_STATE")


def test_blocked_site_in_focus_is_an_attempt(x_session):
    from watchers.poller import Poller

    events = []
    poller = Poller(session="x11", hooks=False)
    focus = FocusController(Rules.load(None), emit=lambda k, p: events.append((k, p)),
                            minimize=True)
    editor = x_session.open_window("main.py - timeforged - Visual Studio Code", "Code")
    reddit = x_session.open_window(REDDIT, "firefox")
    try:
        focus.start(FocusPlan(minutes=25))
        obs = poller.poll()
        assert (obs.app, obs.site) == ("firefox", "reddit.com")
        t0 = time.perf_counter()
        attempt = focus.observe(obs)
        took = time.perf_counter() - t0
        assert attempt is not None and attempt.site == "reddit.com" and attempt.count == 1
        assert "social" in attempt.reason and attempt.minimized
        assert events[-1] == ("focus_blocked", attempt)
        deadline = time.monotonic() + 10  # openbox iconifies it (asked again while in focus)
        while "Iconic" not in window_state(x_session, reddit.wid):
            assert time.monotonic() < deadline, window_state(x_session, reddit.wid)
            time.sleep(0.25)
            focus.observe(poller.poll())
        focus.observe(poller.poll())  # whatever got the focus next, it is not a new attempt
        assert focus.last_attempt.count == 1

        editor.activate()
        assert focus.observe(poller.poll()) is None  # coding: fine
        reddit.activate()  # back to the feed: a second attempt
        assert focus.observe(poller.poll()).count == 2
        print(f"\nenforcement check (classify + verdict + minimize): {took * 1000:.1f} ms")
    finally:
        poller.close()
        focus.close()
        reddit.close()
        editor.close()
