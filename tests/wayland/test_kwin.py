"""The watchers under a real headless KWin 5.27 (Plasma's compositor) with real GTK apps:
TimeForged's own KWin script for the focused window, the idle protocol for idle time."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wayland.session import (
    SYSTEM_PYTHON,
    CannotStart,
    Compositor,
    Probe,
    bus_name_answers,
    start_kwin,
    start_user_session,
    stop,
)

pytestmark = pytest.mark.wayland

SCRIPTING = ("--dest", "org.kde.KWin", "--object-path", "/Scripting")

# Activates the first window whose resourceClass is CLASS (KWin 5 and 6).
ACTIVATE = """
const wanted = "@CLASS@";
const all = workspace.windowList ? workspace.windowList() : workspace.clientList();
for (const w of all) {
    if (String(w.resourceClass) === wanted) {
        if (workspace.windowList) { workspace.activeWindow = w; }
        else { workspace.activeClient = w; }
        break;
    }
}
"""


def scripting(kwin: Compositor, method: str, *args: str) -> str:
    return kwin.run("gdbus", "call", "--session", *SCRIPTING, "--method",
                    f"org.kde.kwin.Scripting.{method}", *args).stdout.strip()


def activate(kwin: Compositor, resource_class: str) -> None:
    """Focus a window the way a click would: a one-off KWin script sets the active window."""
    name = f"tf-test-activate-{uuid.uuid4().hex[:6]}"
    fd, path = tempfile.mkstemp(suffix=".js", dir=kwin.session.runtime)
    with os.fdopen(fd, "w") as out:
        out.write(ACTIVATE.replace("@CLASS@", resource_class))
    os.chmod(path, 0o644)
    try:
        scripting(kwin, "loadScript", path, name)
        scripting(kwin, "start")
    finally:
        scripting(kwin, "unloadScript", name)
        os.unlink(path)


def gtk_app(kwin: Compositor, *command: str) -> None:
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed: run scripts/setup.sh --test")
    kwin.popen(*command)


@pytest.fixture
def probe(kwin: Compositor) -> Iterator[Probe]:
    probe = Probe(kwin)
    yield probe
    probe.close()


def test_focus_and_caption_changes_reach_timeforged_s_kwin_script(kwin, probe):
    assert probe.window_name == "window.kwin-script"
    title = f"tf-{uuid.uuid4().hex[:6]}"
    gtk_app(kwin, "mousepad", "/etc/hostname")
    # its caption is "Mousepad" until the file is loaded
    mousepad = probe.wait("window", lambda a: a[1] == "mousepad" and a[2] != "Mousepad")
    assert mousepad[2] == "/etc/hostname [Read Only] - Mousepad"
    assert "mousepad" in Path(f"/proc/{mousepad[3]}/cmdline").read_text()
    # a terminal that renames itself when told: a caption change without a focus change
    go = os.path.join(kwin.session.runtime, f"{title}.go")
    gtk_app(kwin, "lxterminal", "-e", "sh", "-c",
            "printf '\\033]0;%s\\007' \"$0\"; while [ ! -e \"$1\" ]; do sleep 0.1; done; "
            "printf '\\033]0;%s renamed\\007' \"$0\"; sleep 600", title, go)
    terminal = probe.wait("window", lambda a: a[1] == "lxterminal" and a[2] == title)
    assert terminal[:3] == ["window.kwin-script", "lxterminal", title]
    Path(go).touch()
    renamed = probe.wait("window", lambda a: a[2] == f"{title} renamed")
    assert renamed == [*terminal[:2], f"{title} renamed", *terminal[3:]]
    activate(kwin, "mousepad")
    assert probe.wait("window", lambda a: a[1] == "mousepad")[:3] == mousepad[:3]


def test_the_script_is_unloaded_on_exit(kwin):
    probe = Probe(kwin)
    assert scripting(kwin, "isScriptLoaded", f"timeforged-{probe.pid}") == "(true,)"
    probe.close()
    assert probe.proc.returncode == 0
    assert scripting(kwin, "isScriptLoaded", f"timeforged-{probe.pid}") == "(false,)"


def test_idle_from_the_idle_protocol(kwin, probe):
    assert probe.idle_name == "idle.ext-idle-notify"
    assert probe.wait("idle", lambda a: a[1] >= 2.0)[1] >= 2.0


def test_plasma_s_screensaver_refuses_the_session_idle_time_on_wayland(kwin):
    """Without an idle protocol (no Wayland socket given) the KDE fallback asks
    org.freedesktop.ScreenSaver, which KWin's screen locker owns and, on Wayland, refuses:
    no idle time is made up, and the warning carries both reasons."""
    assert bus_name_answers(kwin.session, "org.freedesktop.ScreenSaver", "/ScreenSaver")
    done = kwin.run(SYSTEM_PYTHON, "-m", "desktop.cli", "now", "--json",
                    extra={"WAYLAND_DISPLAY": ""})
    seen = json.loads(done.stdout)
    assert seen["idle_seconds"] is None and seen["activity"] is None
    assert any(w.startswith("idle time unavailable on wayland-kde: WAYLAND_DISPLAY")
               and w.endswith("GetSessionIdleTime is not supported on this platform")
               for w in seen["warnings"]), seen["warnings"]


def test_the_script_is_loaded_again_after_kwin_restarts():
    """KWin restarted under a running watcher (a crash, an update): the script it lost is
    loaded again, and the old report is not kept."""
    try:
        session = start_user_session()
    except CannotStart as exc:
        pytest.skip(f"no user session: {exc}")
    try:
        try:
            first = start_kwin(session)
        except CannotStart as exc:
            pytest.skip(f"KWin cannot start here: {exc}")
        probe = Probe(first)
        gtk_app(first, "mousepad", "/etc/hostname")
        assert probe.wait("window", lambda a: a[1] == "mousepad")[1] == "mousepad"
        stop(first.proc)
        assert probe.wait("window", lambda a: a[1] is None)[1] is None
        second = start_kwin(session)
        gtk_app(second, "lxterminal")
        assert probe.wait("window", lambda a: a[1] == "lxterminal")[1] == "lxterminal"
        probe.close()
        assert probe.proc.returncode == 0
    finally:
        session.close()
