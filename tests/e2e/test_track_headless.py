"""`timeforged track` on a machine without a display (a server tracking editor heartbeats
only): no window can be seen, so no window time is recorded; heartbeats still count."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def _api(port: int, key: str, path: str, body: object = None) -> int:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method="GET" if body is None else "POST",
        data=None if body is None else json.dumps(body).encode(), headers={
            "Authorization": "Basic " + base64.b64encode(key.encode()).decode(),
            "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status


def _track(env: dict[str, str], home: Path, port: int, beats: list[dict]) -> None:
    """Run `timeforged track` until its API answers, post `beats`, poll a little, stop."""
    proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", "track"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.communicate()
            try:
                key = (home / "api_key").read_text().strip()
                assert _api(port, key, "/today") == 200
                break
            except (OSError, ValueError):
                assert time.monotonic() < deadline, "the API never answered"
                time.sleep(0.2)
        if beats:
            assert _api(port, key, "/api/v1/users/current/heartbeats.bulk", beats) == 201
        time.sleep(2)  # some eight polls with no window to see
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, (out, err)


def _today(env: dict[str, str]) -> float:
    done = _cli(env, "report", "today", "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["total_seconds"]


def test_no_display_records_no_window_time_only_heartbeats(tmp_path):
    home = tmp_path / "tf"
    home.mkdir()
    port = _free_port()
    (home / "config.toml").write_text(
        f"[tracking]\npoll_interval = 0.25\nflush_interval = 0.5\n\n[api]\nport = {port}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(TIMEFORGED_HOME=str(home), HOME=str(tmp_path), COLUMNS="200")

    _track(env, home, port, [])
    assert _today(env) == 0

    now = time.time()
    beats = [{"entity": "/src/app.py", "type": "file", "time": now - 130 + 60 * i,
              "project": "app", "language": "Python"} for i in range(3)]
    _track(env, home, port, beats)
    assert _today(env) == 120
