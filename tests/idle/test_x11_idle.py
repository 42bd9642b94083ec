"""Idle time and input counts on a real X server, with input sent by xdotool (XTest)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.xsession import XSession, start_session
from watchers.idle import IdleWatcher, create_idle_watcher
from watchers.idle.hooks import InputHooks
from watchers.idle.xscreensaver import XScreenSaverIdle
from watchers.observation import ActivityCounts
from watchers.window import WatcherUnavailable

pytestmark = pytest.mark.x11


@pytest.fixture(params=["xrecord", "pynput"])
def hooks(x_session: XSession, request) -> Iterator[InputHooks]:
    h = InputHooks(request.param)
    assert h.ensure_running()
    assert h.wait_ready(10), h.error
    h.take_counts()
    yield h
    h.close()


def send_input(x: XSession) -> None:
    x.xdotool("mousemove", "10", "10", "mousemove", "200", "150")
    x.xdotool("key", "a", "b", "c")
    x.xdotool("click", "1")
    x.xdotool("click", "4", "click", "5")  # wheel up, wheel down


def wait_counts(hooks: InputHooks, enough, timeout: float = 5.0) -> ActivityCounts:
    total = ActivityCounts()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        total = total + hooks.take_counts()
        if enough(total):
            break
        time.sleep(0.02)
    return total


def test_hooks_count_input_kinds(x_session, hooks):
    send_input(x_session)
    counts = wait_counts(hooks, lambda c: c.keystrokes >= 3 and c.scrolls >= 2 and c.clicks)
    assert counts.keystrokes == 3
    assert counts.clicks == 1
    assert counts.scrolls == 2
    assert counts.moves >= 1
    assert hooks.take_counts() == ActivityCounts()  # counted once


def test_hooks_idle_resets_on_input(x_session, hooks):
    x_session.xdotool("mousemove", "5", "5")
    wait_counts(hooks, lambda c: c.moves >= 1)
    time.sleep(1.2)
    assert hooks.seconds_idle() >= 1.0
    sent = time.monotonic()
    x_session.xdotool("key", "shift")
    wait_counts(hooks, lambda c: c.keystrokes >= 1)
    assert hooks.seconds_idle() <= time.monotonic() - sent + 0.05


def test_dead_listener_thread_is_restarted(x_session, hooks):
    dead = hooks._listeners[0]
    hooks._stop_listeners()  # as if the X connection had dropped: the threads end
    dead.join(5)
    assert not dead.is_alive()
    hooks._listeners = [dead]
    assert not hooks.alive
    hooks.seconds_idle()  # any call notices and restarts
    assert hooks.alive and hooks.restarts == 1
    assert hooks.wait_ready(10)
    x_session.xdotool("key", "x", "y")
    assert wait_counts(hooks, lambda c: c.keystrokes >= 2).keystrokes == 2


def test_xscreensaver_idle(x_session):
    source = XScreenSaverIdle()
    try:
        # Idle after input is at most the time since the input was sent (a loaded machine may
        # take a while to deliver it, so no fixed bound).
        sent = time.monotonic()
        x_session.xdotool("mousemove", "30", "30")
        assert source.seconds_idle() <= time.monotonic() - sent + 0.05
        time.sleep(1.1)
        assert source.seconds_idle() >= 1.0
        sent = time.monotonic()
        x_session.xdotool("key", "shift")
        assert source.seconds_idle() <= time.monotonic() - sent + 0.05
    finally:
        source.close()


def test_combined_watcher_names_its_source(x_session):
    idle = create_idle_watcher("x11")
    try:
        assert idle.hooks is not None and idle.hooks.wait_ready(10)
        # No input seen by the hooks yet: the X server's timer answers.
        idle.seconds_idle()
        assert idle.source == "idle.xscreensaver"
        sent = time.monotonic()
        x_session.xdotool("mousemove", "40", "40", "key", "a")
        assert wait_counts(idle.hooks, lambda c: c.keystrokes >= 1).keystrokes == 1
        assert idle.seconds_idle() <= time.monotonic() - sent + 0.05
        assert idle.source == "idle.hooks"
        assert idle.warnings == ()
    finally:
        idle.close()


def test_deaf_hooks_are_restarted_and_the_timer_answers(x_session):
    idle = create_idle_watcher("x11")
    try:
        hooks = idle.hooks
        assert hooks is not None and hooks.wait_ready(10)
        sent = time.monotonic()
        x_session.xdotool("key", "a")
        deadline = time.monotonic() + 5
        while not hooks.has_seen_input and time.monotonic() < deadline:
            time.sleep(0.02)
        # Pretend the hooks stopped hearing input a minute ago (what a suspend can do) while
        # the X server saw the key just now.
        hooks._last_input = time.monotonic() - 60
        assert idle.seconds_idle() <= time.monotonic() - sent + 0.05
        assert idle.source == "idle.xscreensaver"
        assert hooks.restarts == 1 and hooks.alive
    finally:
        idle.close()


def test_without_display_everything_is_named(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    idle = create_idle_watcher("none")
    with pytest.raises(WatcherUnavailable):
        idle.seconds_idle()
    assert idle.warnings == ("idle time unavailable: no display",)
    assert idle.take_counts() == ActivityCounts()


def test_hooks_unavailable_without_display(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("XDG_SESSION_TYPE", "tty")
    hooks = InputHooks()
    try:
        hooks.ensure_running()
        with pytest.raises(WatcherUnavailable):
            hooks.seconds_idle()
        watcher = IdleWatcher(hooks, None)
        assert any("activity counts" in w for w in watcher.warnings)
    finally:
        hooks.close()


def test_hooks_survive_an_x_server_restart(monkeypatch):
    """The X server dies under the hooks, then comes back on the same display number."""
    session = start_session()
    monkeypatch.setenv("DISPLAY", session.display)
    hooks = InputHooks()
    replacement = None
    try:
        assert hooks.ensure_running() and hooks.wait_ready(10)
        session.close()
        deadline = time.monotonic() + 10
        while hooks.alive and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not hooks.alive
        with pytest.raises(WatcherUnavailable, match="cannot connect"):
            hooks.seconds_idle()
        replacement = subprocess.Popen(
            ["Xvfb", session.display, "-nolisten", "tcp", "-noreset", "+extension", "RECORD"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while not hooks.ensure_running() and time.monotonic() < deadline:
            time.sleep(0.2)  # the retry pause grows after each failure
        assert hooks.alive and hooks.restarts >= 1
        subprocess.run(["xdotool", "key", "a"], env={**os.environ, "DISPLAY": session.display},
                       check=True, timeout=15)
        assert wait_counts(hooks, lambda c: c.keystrokes >= 1).keystrokes == 1
    finally:
        hooks.close()
        session.close()
        if replacement is not None:
            replacement.terminate()
            replacement.wait(timeout=5)


# pynput's listener thread dies with an exception there: that is the case under test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.parametrize("backend", ["xrecord", "pynput"])
def test_x_server_without_record_extension(backend, monkeypatch):
    """No RECORD: the hooks say so within their start timeout (pynput's own wait() would
    block for ever), and the X server's idle timer still answers."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-nolisten", "tcp", "-noreset",
                             "-extension", "RECORD"], pass_fds=(write_fd,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        display = ":" + pipe.readline().strip()
    monkeypatch.setenv("DISPLAY", display)
    idle = IdleWatcher(InputHooks(backend), XScreenSaverIdle())
    try:
        started = time.monotonic()
        assert not idle.hooks.ensure_running()
        assert time.monotonic() - started < 10
        assert idle.seconds_idle() >= 0 and idle.source == "idle.xscreensaver"
        assert any(w.startswith("no activity counts") for w in idle.warnings)
    finally:
        idle.close()
        xvfb.terminate()
        xvfb.wait(timeout=5)
