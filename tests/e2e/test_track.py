"""`timeforged track` as a real process on a real X session, then `timeforged report`."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

CONFIG = """
[tracking]
poll_interval = 0.25
idle_timeout = 600
flush_interval = {flush}

[api]
port = {port}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(x_session, home: Path) -> dict[str, str]:
    env = x_session.env
    env["TIMEFORGED_HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _start_tracking(x_session, home: Path, flush: float) -> subprocess.Popen:
    (home / "config.toml").write_text(CONFIG.format(flush=flush, port=_free_port()))
    proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", "track"],
                            env=_env(x_session, home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # "Tracking into ...": the engine is up
    assert "Tracking" in line, (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc


def _report(x_session, home: Path, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "desktop.cli", "report", *args,
                          "--format", "json"], env=_env(x_session, home),
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)


def _focus(x_session, window, seconds: float) -> None:
    window.activate()
    x_session.xdotool("mousemove", "--window", str(window.wid), "20", "20")
    time.sleep(seconds)


@pytest.mark.x11
def test_track_then_report_matches_the_schedule(x_session, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    alpha = x_session.open_window("alpha notes", "AlphaApp")
    beta = x_session.open_window("beta notes", "BetaApp")
    gamma = x_session.open_window("gamma notes", "GammaApp")
    proc = _start_tracking(x_session, home, flush=1)
    try:
        for window, seconds in ((alpha, 4), (beta, 6), (gamma, 3), (alpha, 3)):
            _focus(x_session, window, seconds)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, proc.stderr.read()
    report = _report(x_session, home, "today", "--by", "app")
    got = {item["name"]: item["total_seconds"] for item in report["items"]}
    for app, expected in (("AlphaApp", 7), ("BetaApp", 6), ("GammaApp", 3)):
        assert abs(got.get(app, 0) - expected) <= 2, (app, got)
    assert report["by"] == "app"
    assert report["items"] == sorted(report["items"], key=lambda i: -i["total_seconds"])
    assert abs(report["total_seconds"] - sum(got.values())) < 0.01


@pytest.mark.x11
def test_kill_9_loses_at_most_the_flush_interval(x_session, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    window = x_session.open_window("crash test", "CrashApp")
    proc = _start_tracking(x_session, home, flush=2)
    _focus(x_session, window, 8)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    got = _report(x_session, home, "today", "--by", "app")
    seconds = {i["name"]: i["total_seconds"] for i in got["items"]}.get("CrashApp", 0)
    # 8 s tracked, flushed every 2 s: at most ~2 s (+ a poll) may be lost.
    assert 8 - 2 - 1 <= seconds <= 8 + 1, got
    db = home / "timeforged.sqlite3"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # A restart goes on recording into the same, healthy file.
    proc = _start_tracking(x_session, home, flush=1)
    _focus(x_session, window, 3)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    again = _report(x_session, home, "today", "--by", "app")
    after = {i["name"]: i["total_seconds"] for i in again["items"]}.get("CrashApp", 0)
    assert after >= seconds + 2
