"""The Poller on a real X server: one observation with window, idle and counts filled, each
field naming its watcher; and without any display, warnings instead of errors."""

from __future__ import annotations

import subprocess
import time

import pytest

from watchers.poller import Poller


@pytest.mark.x11
def test_poll_fills_window_and_idle_fields(x_session):
    win = x_session.open_window("poller check", "PollerClass")
    poller = Poller()
    try:
        assert poller.session == "x11"
        assert poller.idle.hooks is not None and poller.idle.hooks.wait_ready(10)
        poller.poll()  # drop counts from before
        x_session.xdotool("mousemove", "50", "60", "key", "a", "b")
        deadline = time.monotonic() + 5
        counted = poller.poll().activity
        while counted.keystrokes < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
            counted = counted + poller.poll().activity
        assert counted.keystrokes == 2 and counted.moves >= 1

        obs = poller.poll()
        assert (obs.app, obs.title, obs.pid) == ("PollerClass", "poller check", win.proc.pid)
        assert obs.exe and obs.exe.endswith("xterm")
        assert obs.fullscreen is False
        for name in ("app", "title", "pid", "exe", "fullscreen"):
            assert obs.source_of(name) == "window.x11"
        assert obs.idle_seconds is not None and obs.idle_seconds < 5
        assert obs.source_of("idle_seconds") in ("idle.hooks", "idle.xscreensaver")
        assert obs.source_of("activity") == "idle.hooks"
        assert obs.warnings == ()
    finally:
        poller.close()
        win.close()


def test_poll_without_display_names_what_is_missing(monkeypatch):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP"):
        monkeypatch.delenv(var, raising=False)
    poller = Poller()
    try:
        obs = poller.poll()
        assert poller.session == "none"
        assert obs.app is None and obs.idle_seconds is None
        assert obs.sources == {}
        assert any(w.startswith("window: no display") for w in obs.warnings)
        assert any("idle time unavailable" in w for w in obs.warnings)
        assert poller.poll().warnings == obs.warnings  # stable, and still no exception
    finally:
        poller.close()


def test_poll_on_wayland_without_a_compositor_api(monkeypatch, tmp_path):
    """A Wayland session whose compositor offers nothing: titles are reported unavailable,
    not guessed from XWayland."""
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "weston")
    monkeypatch.setenv("PATH", str(tmp_path))  # no gdbus, swaymsg...
    poller = Poller()
    try:
        obs = poller.poll()
        assert poller.session == "wayland-weston"
        assert obs.app is None and obs.title is None
        assert any("window titles are unavailable on this Wayland session" in w
                   for w in obs.warnings)
        assert any("input counts are not measured" in w for w in obs.warnings)
    finally:
        poller.close()


@pytest.mark.x11
def test_poll_infers_editor_in_terminal_in_a_git_repo(x_session, tmp_path):
    """vim in an xterm, inside a real git repository on a branch: one poll names the editor,
    file, project, branch and language."""
    repo = tmp_path / "shop"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "cart.py").write_text("items = []\n")
    git = ["git", "-c", "user.email=t@example.org", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q", "-b", "feature/cart"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=repo, check=True)
    win = x_session.open_window("vim", "XTerm", command=["vim", "-n", "src/cart.py"],
                                cwd=str(repo))
    poller = Poller(hooks=False)
    try:
        deadline = time.monotonic() + 10
        obs = poller.poll()
        while obs.editor is None and time.monotonic() < deadline:
            time.sleep(0.1)
            obs = poller.poll()
        assert (obs.terminal, obs.editor) == ("xterm", "Vim")
        assert obs.file == str(repo / "src" / "cart.py")
        assert (obs.project, obs.branch, obs.language) == ("shop", "feature/cart", "Python")
        assert obs.source_of("branch") == "project.git"
        assert obs.source_of("idle_seconds") == "idle.xscreensaver"
    finally:
        poller.close()
        win.close()
