"""The watchers under a real headless GNOME Shell 43 with TimeForged's own extension,
installed by `timeforged setup-wayland` before the shell started; real GTK apps, real input
through a Mutter RemoteDesktop session (a click focuses, a key press resets idle)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wayland.session import (
    SYSTEM_PYTHON,
    CannotStart,
    Compositor,
    Probe,
    start_gnome_shell,
    start_user_session,
)
from watchers.window.gnome_ext import build

pytestmark = pytest.mark.wayland


def real_input(gnome: Compositor, *what: str) -> None:
    source = Path(__file__).with_name("gnome_input.py").read_text()
    gnome.run(SYSTEM_PYTHON, "-c", source, *what)


def gtk_app(gnome: Compositor, *command: str) -> None:
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed: run scripts/setup.sh --test")
    gnome.popen(*command)


@pytest.fixture
def probe(gnome: Compositor) -> Iterator[Probe]:
    probe = Probe(gnome)
    yield probe
    probe.close()


def test_the_extension_pushes_focus_and_title_changes(gnome, probe):
    assert probe.window_name == "window.gnome-ext"
    gtk_app(gnome, "mousepad", "/etc/hostname")
    # GNOME gives no focus to a window started without an activation token: click on it
    # Mousepad maps its window titled "Mousepad", then names the file: wait for the file
    mousepad = probe.wait("window", lambda a: (a[1] == "mousepad" and "hostname" in a[2])
                          or real_input(gnome, "click"))
    assert mousepad[:3] == ["window.gnome-ext", "mousepad", "/etc/hostname [Read Only] - Mousepad"]
    assert "mousepad" in Path(f"/proc/{mousepad[3]}/cmdline").read_text()
    title = f"tf-{uuid.uuid4().hex[:6]}"
    go = os.path.join(gnome.session.runtime, f"{title}.go")
    gtk_app(gnome, "lxterminal", "-e", "sh", "-c",
            "printf '\\033]0;%s\\007' \"$0\"; while [ ! -e \"$1\" ]; do sleep 0.1; done; "
            "printf '\\033]0;%s renamed\\007' \"$0\"; sleep 600", title, go)
    terminal = probe.wait("window", lambda a: a[2] == title or real_input(gnome, "click"))
    assert terminal[:3] == ["window.gnome-ext", "lxterminal", title]
    Path(go).touch()
    renamed = probe.wait("window", lambda a: a[2] == f"{title} renamed")
    assert renamed == [*terminal[:2], f"{title} renamed", *terminal[3:]]


def test_idle_from_mutter_goes_up_then_back_near_zero_after_a_key(gnome, probe):
    assert probe.idle_name == "idle.mutter"
    before = probe.wait("idle", lambda a: a[1] >= 2.0)
    assert before[1] >= 2.0
    real_input(gnome, "key")
    assert probe.ask("idle")[1] < 1.0
    # IdleMonitor is polled: the drop between two readings is one idle→active transition
    assert probe.ask("counts") == ["idle.mutter", {"idle_to_active": 1}]
    assert probe.ask("counts") == ["idle.mutter", {"idle_to_active": 0}]


def test_timeforged_now_names_the_extension(gnome):
    seen = json.loads(gnome.run(SYSTEM_PYTHON, "-m", "desktop.cli", "now", "--json").stdout)
    assert seen["sources"]["idle_seconds"] == "idle.mutter"
    assert not any("window" in w for w in seen["warnings"]), seen["warnings"]
    assert seen["activity"] is None


def test_both_builds_of_the_extension():
    """43-44 get imports.* and init(); 45+ an ES module with a default Extension class."""
    old, new = build(43)["extension.js"], build(45)["extension.js"]
    assert "imports.gi" in old and "function init()" in old and "export default" not in old
    assert "from 'gi://Gio'" in new and "export default class" in new
    assert "imports.gi" not in new and "function init()" not in new
    assert json.loads(build(46)["metadata.json"])["shell-version"] == ["46"]


def test_nothing_is_reported_while_the_extension_is_disabled(gnome, probe):
    """GNOME disables extensions on the lock screen: the last window must not linger."""
    gtk_app(gnome, "mousepad", "/etc/hostname")  # a window, if no other test left one
    # (any window: one an earlier test left focused may cover Mousepad's, clicks or not)
    focused = probe.wait("window", lambda a: a[1] is not None or real_input(gnome, "click"))
    assert focused[1] is not None
    uuid_ = "focused-window@timeforged.dev"
    gnome.run("gnome-extensions", "disable", uuid_)
    try:
        assert probe.wait("window", lambda a: a[1] is None)[1:] == [None, None, None, None]
    finally:
        gnome.run("gnome-extensions", "enable", uuid_)
    assert probe.wait("window", lambda a: a[1] is not None)[:3] == focused[:3]


@pytest.mark.parametrize("major", [43, 45])
def test_each_build_parses_in_gjs(tmp_path, major):
    """GNOME 45+ is not run here: gjs (GNOME's JavaScript engine) at least parses that build
    and resolves it up to the shell's own module, which only a running shell has."""
    if shutil.which("gjs") is None:
        pytest.skip("gjs is not installed: run scripts/setup.sh --test")
    script = tmp_path / "extension.js"
    script.write_text(build(major)["extension.js"])
    args = ["gjs", "-m", str(script)] if major >= 45 else ["gjs", str(script)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert "SyntaxError" not in done.stderr and "Failed to parse" not in done.stderr
    if major >= 45:  # everything before the shell's own module resolved
        assert "resource:///org/gnome/shell/extensions/extension.js" in done.stderr
    else:  # the 43-44 head loads Shell's typelib, which lives with the shell
        assert done.returncode == 0 or "Shell" in done.stderr


def test_the_extension_is_followed_again_after_the_shell_restarts():
    """GNOME Shell crashed and restarted under a running watcher: no window is
    reported while it is gone, and the new shell's extension is read once it is back."""
    try:
        session = start_user_session()
    except CannotStart as exc:
        pytest.skip(f"no user session: {exc}")
    try:
        try:
            first = start_gnome_shell(session)
        except CannotStart as exc:
            pytest.skip(f"GNOME Shell cannot start here: {exc}")
        probe = Probe(first)
        assert probe.window_name == "window.gnome-ext"
        gtk_app(first, "mousepad", "/etc/hostname")
        focused = probe.wait("window", lambda a: a[1] == "mousepad" or real_input(first, "click"))
        assert focused[1] == "mousepad"
        os.killpg(first.proc.pid, signal.SIGKILL)  # a crash: the extension is not disabled
        first.proc.wait(timeout=10)
        assert probe.wait("window", lambda a: a[1] is None)[1:] == [None] * 4
        second = start_gnome_shell(session)
        gtk_app(second, "lxterminal")
        again = probe.wait("window", lambda a: a[1] == "lxterminal" or real_input(second, "click"))
        assert again[:2] == ["window.gnome-ext", "lxterminal"]
        probe.close()
        assert probe.proc.returncode == 0
    finally:
        session.close()
