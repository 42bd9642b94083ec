"""The watchers under a real headless Sway, with real Wayland apps (foot, Mousepad), focus
switched with swaymsg and real input from wtype."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitrepo import make_repo
from tests.wayland.session import Compositor, Probe, wait_for

pytestmark = pytest.mark.wayland


def tree_nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in (*node.get("nodes", ()), *node.get("floating_nodes", ())):
        yield from tree_nodes(child)


def window_of(sway: Compositor, app_id: str) -> dict | None:
    """The window whose app id is `app_id`, or ends with ``.app_id`` (``org.xfce.mousepad``)."""
    tree = json.loads(sway.run("swaymsg", "-t", "get_tree", "-r").stdout)
    return next((n for n in tree_nodes(tree) if (n.get("app_id") or "") == app_id
                 or (n.get("app_id") or "").endswith(f".{app_id}")), None)


def open_foot(sway: Compositor, app_id: str, title: str) -> dict:
    if shutil.which("foot") is None:
        pytest.skip("foot is not installed: run scripts/setup.sh --test")
    proc = sway.popen("foot", f"--app-id={app_id}", f"--title={title}", "cat")
    return wait_for(f"foot {app_id}", lambda: window_of(sway, app_id), proc=proc)


def focus(sway: Compositor, app_id: str) -> None:
    sway.run("swaymsg", f"[app_id={app_id}] focus")


@pytest.fixture(scope="module")
def two_windows(sway: Compositor) -> tuple[str, str]:
    one, two = (f"tf-{uuid.uuid4().hex[:6]}" for _ in range(2))
    open_foot(sway, one, "first window")
    open_foot(sway, two, "second window")
    return one, two


@pytest.fixture
def probe(sway: Compositor) -> Iterator[Probe]:
    probe = Probe(sway)
    yield probe
    probe.close()


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def test_focus_switched_with_swaymsg_is_seen_with_app_title_and_pid(sway, two_windows, probe):
    one, two = two_windows
    assert probe.window_name == "window.sway"
    for app_id, title in ((one, "first window"), (two, "second window"), (one, "first window")):
        focus(sway, app_id)
        name, app, seen_title, pid, fullscreen = probe.wait(
            "window", lambda a, app_id=app_id: a[1] == app_id)
        assert (name, app, seen_title, fullscreen) == ("window.sway", app_id, title, False)
        assert f"--app-id={app_id}" in cmdline(pid)


def test_wlr_foreign_toplevel_backend_under_sway(sway, two_windows):
    """Forced: a desktop name that is no Sway and no SWAYSOCK leaves wlr-foreign-toplevel."""
    one, two = two_windows
    probe = Probe(sway, extra={"XDG_CURRENT_DESKTOP": "river", "SWAYSOCK": ""})
    try:
        assert probe.window_name == "window.wlr"
        for app_id, title in ((two, "second window"), (one, "first window")):
            focus(sway, app_id)
            answer = probe.wait("window", lambda a, app_id=app_id: a[1] == app_id)
            assert answer == ["window.wlr", app_id, title, None, False]
        sway.run("swaymsg", f"[app_id={one}] fullscreen enable")
        answer = probe.wait("window", lambda a: a[4])
        assert answer == ["window.wlr", one, "first window", None, True]
        sway.run("swaymsg", f"[app_id={one}] fullscreen disable")
    finally:
        probe.close()


def test_idle_goes_up_then_back_near_zero_after_input(sway, two_windows, probe):
    if shutil.which("wtype") is None:
        pytest.skip("wtype is not installed: run scripts/setup.sh --test")
    assert probe.idle_name in ("idle.ext-idle-notify", "idle.kwin-idle")
    before = probe.wait("idle", lambda a: a[1] >= 3.0, timeout=30)
    assert before[1] >= 3.0
    sway.run("wtype", "x")
    after = probe.wait("idle", lambda a: a[1] < before[1] - 1.0)
    assert after[1] < 1.5
    # input after a pause is one idle→active transition, counted once
    assert probe.ask("counts") == [probe.idle_name, {"idle_to_active": 1}]
    assert probe.ask("counts") == [probe.idle_name, {"idle_to_active": 0}]
    probe.wait("idle", lambda a: a[1] >= 1.5)
    sway.run("wtype", "yz")
    probe.wait("idle", lambda a: a[1] < 1.0)
    assert probe.ask("counts") == [probe.idle_name, {"idle_to_active": 1}]


def test_now_sample_counts_idle_to_active_transitions_not_keys(sway):
    """`timeforged now --sample` on Wayland: activity holds the transitions the idle
    protocol reported while it listened, named as such (no keystrokes or clicks)."""
    if shutil.which("wtype") is None:
        pytest.skip("wtype is not installed: run scripts/setup.sh --test")
    now = sway.popen("/usr/bin/python3", "-m", "desktop.cli", "now", "--json", "--sample", "8",
                     stdout=subprocess.PIPE, text=True)
    for _ in range(2):  # pauses of 3 s, longer than the protocol's 1 s timeout
        time.sleep(3)
        sway.run("wtype", "x")
    out, _ = now.communicate(timeout=60)
    seen = json.loads(out)
    assert seen["sources"]["activity"] in ("idle.ext-idle-notify", "idle.kwin-idle")
    assert set(seen["activity"]) == {"idle_to_active"}
    assert seen["activity"]["idle_to_active"] >= 1


def test_tracking_stores_idle_to_active_transitions_in_the_spans(sway, two_windows):
    """`timeforged track` inside Sway: the transitions wtype makes end up in the stored
    spans (no keystrokes, which are not counted there)."""
    if shutil.which("wtype") is None:
        pytest.skip("wtype is not installed: run scripts/setup.sh --test")
    focus(sway, two_windows[0])
    home = Path(sway.session.runtime, f"tf-track-{uuid.uuid4().hex[:6]}")
    track = sway.popen("/usr/bin/python3", "-m", "desktop.cli", "track", "--duration", "9",
                       extra={"TIMEFORGED_HOME": str(home)})
    for _ in range(2):  # pauses of 3 s, longer than the protocol's 1 s timeout
        time.sleep(3)
        sway.run("wtype", "x")
    assert track.wait(timeout=60) == 0
    with sqlite3.connect(home / "timeforged.sqlite3") as db:
        counted = db.execute("SELECT SUM(idle_to_active), SUM(keystrokes) FROM span").fetchone()
    assert counted[0] >= 1 and counted[1] == 0


def test_timeforged_now_names_the_watchers_and_reads_an_editor_on_a_git_repo(sway):
    if shutil.which("mousepad") is None:
        pytest.skip("mousepad is not installed: run scripts/setup.sh --test")
    home = Path(sway.session.user.pw_dir)
    repo = make_repo(home / f"tf-repo-{uuid.uuid4().hex[:6]}", branch="feature/wayland",
                     files={"src/handler.py": "def handle():\n    return 1\n"})
    sway.session.give(repo)
    try:
        proc = sway.popen("mousepad", str(repo / "src" / "handler.py"),
                          extra={"GDK_BACKEND": "wayland"}, cwd=str(repo))
        window = wait_for("mousepad", lambda: window_of(sway, "mousepad"), proc=proc)
        sway.run("swaymsg", f"[app_id={window['app_id']}] focus")
        done = sway.run("/usr/bin/python3", "-m", "desktop.cli", "now", "--json")
        seen = json.loads(done.stdout)
        assert seen["sources"]["app"] == "window.sway"
        assert seen["sources"]["idle_seconds"] in ("idle.ext-idle-notify", "idle.kwin-idle")
        assert (seen["file"], seen["project"], seen["branch"], seen["language"]) == (
            str(repo / "src" / "handler.py"), repo.name, "feature/wayland", "Python")
        assert seen["activity"] is None  # nothing counted in no time, so not zeros
        assert any("input counts are not measured; activity counts idle→active transitions"
                   in w for w in seen["warnings"])
    finally:
        shutil.rmtree(repo, ignore_errors=True)
