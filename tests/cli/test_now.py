"""`timeforged now` run as a real subprocess, with and without a display."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from watchers.observation import JSON_KEYS

TIMEFORGED = str(Path(sys.executable).with_name("timeforged"))
ISSUE_KEYS = ("app", "title", "pid", "idle_seconds", "editor", "file", "project", "branch",
              "language", "browser", "site", "url", "private", "warnings")


def run_now(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TIMEFORGED, "now", *args], env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.x11
def test_now_json_on_a_real_display(x_session, tf_home):
    win = x_session.open_window("now — ✓ check", "NowClass")
    try:
        done = run_now(dict(x_session.env, TIMEFORGED_HOME=tf_home), "--json")
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert set(ISSUE_KEYS) <= set(data) and set(JSON_KEYS) <= set(data)
        assert (data["app"], data["title"], data["pid"]) == ("NowClass", "now — ✓ check",
                                                             win.proc.pid)
        assert isinstance(data["idle_seconds"], float)
        assert data["sources"]["app"] == "window.x11"
        # No hooks for a one-shot: the X server's idle timer answers at once.
        assert data["sources"]["idle_seconds"] == "idle.xscreensaver"
        assert data["warnings"] == []
    finally:
        win.close()


@pytest.mark.x11
def test_now_human_summary(x_session, tf_home):
    win = x_session.open_window("human summary", "HumanClass")
    try:
        done = run_now(dict(x_session.env, TIMEFORGED_HOME=tf_home, COLUMNS="200"))
        assert done.returncode == 0, done.stderr
        assert "HumanClass" in done.stdout and "human summary" in done.stdout
        assert "idle.xscreensaver" in done.stdout
    finally:
        win.close()


@pytest.mark.x11
def test_now_sample_counts_input(x_session, tf_home):
    proc = subprocess.Popen([TIMEFORGED, "now", "--json", "--sample", "3"],
                            env=dict(x_session.env, TIMEFORGED_HOME=tf_home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(10):  # keep typing while it samples (it starts within the 3 s)
            x_session.xdotool("key", "a")
            subprocess.run(["sleep", "0.2"], check=True)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    data = json.loads(out)
    assert data["sources"]["activity"] == "idle.hooks"
    assert data["activity"]["keystrokes"] >= 1


def test_now_without_display_warns_and_exits_0(tf_home):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP")}
    env["TIMEFORGED_HOME"] = tf_home
    done = run_now(env, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert all(data[k] is None for k in ISSUE_KEYS if k != "warnings")
    assert any("no display" in w for w in data["warnings"])
    human = run_now(env)
    assert human.returncode == 0 and "warning" in human.stdout
