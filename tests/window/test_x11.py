"""The X11 window watcher against a real Xvfb + openbox, real xterm windows and xdotool."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator

import pytest
from Xlib import X, Xatom
from Xlib.display import Display
from Xlib.protocol import event

from tests.xsession import XSession, start_session
from watchers.window import WatcherUnavailable
from watchers.window.x11 import X11WindowWatcher, parse_wm_class

pytestmark = pytest.mark.x11


@pytest.fixture
def watcher(x_session: XSession) -> Iterator[X11WindowWatcher]:
    w = X11WindowWatcher()
    yield w
    w.close()


def wait_for(read, predicate, timeout: float = 5.0):
    """Poll `read()` until `predicate(value)`; the last value either way."""
    deadline = time.monotonic() + timeout
    value = read()
    while not predicate(value) and time.monotonic() < deadline:
        time.sleep(0.02)
        value = read()
    return value


def set_fullscreen(display_name: str, wid: int, on: bool) -> None:
    """Ask the window manager (EWMH client message) to toggle fullscreen, as apps do."""
    d = Display(display_name)
    try:
        root = d.screen().root
        state = d.intern_atom("_NET_WM_STATE")
        fullscreen = d.intern_atom("_NET_WM_STATE_FULLSCREEN")
        msg = event.ClientMessage(window=d.create_resource_object("window", wid),
                                  client_type=state, data=(32, [int(on), fullscreen, 0, 1, 0]))
        root.send_event(msg, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask)
        d.flush()
    finally:
        d.close()


def test_reports_class_title_pid_exe_of_focused_window(x_session, watcher):
    first = x_session.open_window("first window", "FirstClass")
    second = x_session.open_window("second window", "SecondClass")
    info = wait_for(watcher.active_window, lambda i: i and i.title == "second window")
    assert info.app == "SecondClass" and info.wm_class == "SecondClass"
    assert info.pid == second.proc.pid
    assert info.exe is not None and os.path.basename(info.exe) == "xterm"
    assert info.process_name == "xterm"
    assert info.source == "window.x11" and info.fullscreen is False

    first.activate()
    info = wait_for(watcher.active_window, lambda i: i and i.title == "first window")
    assert (info.app, info.pid) == ("FirstClass", first.proc.pid)
    first.close()
    second.close()


def test_title_changes_are_seen(x_session, watcher):
    win = x_session.open_window("before", "Retitled")
    wait_for(watcher.active_window, lambda i: i and i.title == "before")
    win.set_title("after — ✓")
    info = wait_for(watcher.active_window, lambda i: i and i.title == "after — ✓")
    assert info.title == "after — ✓"
    win.close()


def test_one_round_trip_while_the_window_stays_two_when_it_changed(x_session, watcher):
    first = x_session.open_window("stays", "Stays")
    wait_for(watcher.active_window, lambda i: i and i.title == "stays")
    sent = []
    display = watcher._display
    flush = display.flush
    display.flush = lambda: (sent.append(bool(display._out)), flush())[1]
    assert watcher.active_window().title == "stays" and sent.count(True) == 1
    sent.clear()
    second = x_session.open_window("comes", "Comes")
    info = wait_for(watcher.active_window, lambda i: i and i.title == "comes")
    assert info.app == "Comes" and info.pid == second.proc.pid
    second.close()  # the window asked ahead is gone: its BadWindow answers are dropped
    info = wait_for(watcher.active_window, lambda i: i is not None and i.title == "stays")
    assert info.app == "Stays" and not display._awaited
    first.close()


@pytest.mark.parametrize("title", ["Ünïcødé — 日本語", "Привет, мир", "Ελληνικά ∑ 🙂"])
def test_utf8_titles_from_xterm(x_session, watcher, title):
    # xterm stores non-Latin-1 titles as COMPOUND_TEXT in WM_NAME (no _NET_WM_NAME).
    win = x_session.open_window(title, "Utf8Title")
    info = wait_for(watcher.active_window, lambda i: i and i.app == "Utf8Title")
    assert info.title == title
    win.close()


def bare_window(x_session: XSession, props: dict[str, tuple[str, bytes]], wm_class: bytes):
    """A bare client window with exactly `props` (name: (type, value)) and WM_CLASS, mapped
    and activated; returns (display, window): close the display to destroy it."""
    d = Display(x_session.display)
    screen = d.screen()
    w = screen.root.create_window(0, 0, 200, 100, 0, screen.root_depth)
    for name, (kind, value) in props.items():
        w.change_property(d.intern_atom(name), d.intern_atom(kind), 8, value)
    w.change_property(Xatom.WM_CLASS, Xatom.STRING, 8, wm_class)
    w.change_property(d.intern_atom("_NET_WM_PID"), Xatom.CARDINAL, 32, [os.getpid()])
    w.map()
    d.sync()
    wait_for(lambda: x_session.run("xprop", "-id", str(w.id), "WM_STATE"),
             lambda out: "Normal" in out)
    x_session.xdotool("windowactivate", "--sync", str(w.id))
    return d, w


def test_utf8_net_wm_name_wins_over_wm_name(x_session, watcher):
    title = "net: Ünïcødé — 日本語"
    d, _ = bare_window(x_session, {"_NET_WM_NAME": ("UTF8_STRING", title.encode()),
                                   "WM_NAME": ("STRING", b"legacy name")}, b"modern\0Modern\0")
    try:
        info = wait_for(watcher.active_window, lambda i: i and i.app == "Modern")
        assert info.title == title
    finally:
        d.close()


def test_wm_name_only_window(x_session, watcher):
    """A bare client with only WM_NAME (Latin-1 STRING) and WM_CLASS, as old toolkits make."""
    d, w = bare_window(x_session, {"WM_NAME": ("STRING", "Café crème".encode("latin-1"))},
                       b"oldapp\0OldApp\0")
    try:
        info = wait_for(watcher.active_window, lambda i: i and i.app == "OldApp")
        assert info.title == "Café crème"
        assert info.pid == os.getpid()
        assert info.wm_class == "OldApp"
        assert w.get_full_property(d.intern_atom("_NET_WM_NAME"), X.AnyPropertyType) is None
    finally:
        d.close()


def test_fullscreen_state(x_session, watcher):
    win = x_session.open_window("movie", "Player")
    wait_for(watcher.active_window, lambda i: i and i.title == "movie")

    def toggle(on: bool):
        # Ask until openbox has applied it (it may still be settling the new window), then
        # compare the watcher with what xprop reads.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            set_fullscreen(x_session.display, win.wid, on)
            state = wait_for(lambda: x_session.run("xprop", "-id", str(win.wid), "_NET_WM_STATE"),
                             lambda out: ("FULLSCREEN" in out) == on, timeout=1.0)
            if ("FULLSCREEN" in state) == on:
                break
        return wait_for(watcher.active_window, lambda i: i and i.fullscreen == on)

    assert toggle(True).fullscreen is True
    assert toggle(False).fullscreen is False
    win.close()


def test_no_display_is_a_plain_error(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(WatcherUnavailable, match="DISPLAY is not set"):
        X11WindowWatcher().active_window()


def test_survives_the_x_server_going_away_and_reconnects():
    """A private X server is killed under the watcher; a new one on the same display number
    is picked up by the next call."""
    session = start_session()
    watcher = X11WindowWatcher(session.display)
    replacement = None
    try:
        win = session.open_window("doomed", "Doomed")
        assert wait_for(watcher.active_window, lambda i: i and i.app == "Doomed").pid
        win.close()
        session.close()
        with pytest.raises(WatcherUnavailable, match=r"went away|cannot connect"):
            watcher.active_window()
        with pytest.raises(WatcherUnavailable, match="cannot connect"):
            watcher.active_window()
        replacement = subprocess.Popen(
            ["Xvfb", session.display, "-nolisten", "tcp", "-noreset"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while True:
            try:
                assert watcher.active_window() is None  # nothing focused yet
                break
            except WatcherUnavailable:
                assert time.monotonic() < deadline, "the watcher never reconnected"
                time.sleep(0.05)
        # No window manager there: the X input focus tells which window is active.
        env = dict(os.environ, DISPLAY=session.display)
        xterm = subprocess.Popen(["xterm", "-T", "no wm", "-class", "Bare", "-e", "sleep", "60"],
                                 env=env, start_new_session=True)
        try:
            search = ["xdotool", "search", "--onlyvisible", "--pid", str(xterm.pid)]
            wid = wait_for(lambda: subprocess.run(search, env=env, capture_output=True,
                                                  text=True).stdout.split(), bool)[-1]
            subprocess.run(["xdotool", "windowfocus", "--sync", wid], env=env, check=True)
            info = wait_for(watcher.active_window, lambda i: i is not None)
            assert (info.app, info.title, info.pid) == ("Bare", "no wm", xterm.pid)
        finally:
            xterm.terminate()
            xterm.wait(timeout=5)
    finally:
        session.close()
        watcher.close()
        if replacement is not None:
            replacement.terminate()
            replacement.wait(timeout=5)


def test_wm_class_parsing():
    assert parse_wm_class(b"xterm\0XTerm\0") == ("XTerm", "xterm")
    assert parse_wm_class(b"only-instance\0") == (None, "only-instance")
    assert parse_wm_class(None) == (None, None)
