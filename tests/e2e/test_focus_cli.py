"""`timeforged focus ...` and `timeforged break ...` against a real `timeforged track` process
(its local API on 127.0.0.1), on a real X session, with a temporary hosts file."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.engine.focus.hosts import HostsFile

pytestmark = pytest.mark.x11

HOSTS = b"127.0.0.1 localhost\r\n# the user's own\r\n::1 localhost"
CONFIG = """
[tracking]
poll_interval = 0.25

[api]
port = {port}

[focus]
default_minutes = 30
block_sites = ["example.net"]

[breaks]
micro_interval_minutes = 10
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def tracking(x_session, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(CONFIG.format(port=_free_port()))
    hosts = tmp_path / "hosts"
    hosts.write_bytes(HOSTS)
    env = dict(x_session.env, TIMEFORGED_HOME=str(home), TIMEFORGED_HOSTS_FILE=str(hosts),
               PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", "track"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "Tracking" in proc.stdout.readline()

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "desktop.cli", *args], env=env,
                              capture_output=True, text=True, timeout=60)

    yield cli, hosts
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_for(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_focus_session_through_the_cli(x_session, tracking):
    cli, hosts = tracking
    assert "No focus session" in cli("focus", "status").stdout

    started = cli("focus", "start", "50m", "--block", "example.org", "--json")
    assert started.returncode == 0, started.stderr
    session = json.loads(started.stdout)
    assert session["ends_at"] - session["started_at"] == pytest.approx(3000)
    block = wait_for(lambda: HostsFile(hosts).block())
    assert block is not None and {"example.org", "www.example.org", "reddit.com"} <= set(
        block.domains)
    assert hosts.read_bytes().startswith(HOSTS)
    again = cli("focus", "start", "25m")
    assert again.returncode == 2 and "already running" in again.stderr

    window = x_session.open_window("Reddit - Dive into anything — Mozilla Firefox", "firefox")
    try:
        def attempt():
            status = json.loads(cli("focus", "status", "--json").stdout)
            return status["last_attempt"]

        seen = wait_for(attempt)
        assert seen is not None and seen["site"] == "reddit.com"
    finally:
        window.close()
    text = cli("focus", "status").stdout
    assert "left" in text and "Blocked attempts: 1" in text

    stopped = cli("focus", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert wait_for(lambda: hosts.read_bytes() == HOSTS)
    stats = json.loads(cli("focus", "stats", "--json").stdout)
    assert stats["abandoned"] == 1 and stats["attempts_by_site"] == {"reddit.com": 1}


def test_locked_session_refuses_to_stop(tracking):
    cli, hosts = tracking
    assert cli("focus", "start", "25m", "--locked", "--no-distracting", "--block",
               "example.org").returncode == 0
    refused = cli("focus", "stop")
    assert refused.returncode == 2 and "locked" in refused.stderr
    assert wait_for(lambda: HostsFile(hosts).block()) is not None


def test_unlock_text(tracking):
    cli, _ = tracking
    assert cli("focus", "start", "25m", "--locked", "--unlock-chars", "40", "--no-distracting",
               "--block", "example.org").returncode == 0
    status = json.loads(cli("focus", "status", "--json").stdout)
    text = status["session"]["unlock_text"]
    assert cli("focus", "stop", "--unlock-text", "wrong").returncode == 2
    assert cli("focus", "stop", "--unlock-text", text).returncode == 0


def test_break_now(tracking):
    cli, _ = tracking
    status = json.loads(cli("break", "status", "--json").stdout)
    assert status["state"] in ("counting", "warning")
    done = cli("break", "now")
    assert done.returncode == 0 and "Micro break" in done.stdout
    status = json.loads(cli("break", "status", "--json").stdout)
    assert status["state"] == "break" and status["current"]["duration"] == 20
    assert cli("break", "postpone").returncode == 0
    assert json.loads(cli("break", "status", "--json").stdout)["state"] != "break"
    assert cli("break", "skip").returncode == 2  # no break running


def test_without_a_running_engine(tmp_path, monkeypatch):
    home = tmp_path / "nobody"
    home.mkdir()
    (home / "config.toml").write_text(CONFIG.format(port=_free_port()))
    done = subprocess.run([sys.executable, "-m", "desktop.cli", "focus", "status"],
                          env={"TIMEFORGED_HOME": str(home), "PATH": "/usr/bin:/bin"},
                          cwd=Path(__file__).resolve().parents[2], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "not running" in done.stderr


def test_config_defaults(tracking):
    cli, hosts = tracking
    started = cli("focus", "start", "--json")  # no length, no options: config [focus]
    assert started.returncode == 0, started.stderr
    session = json.loads(started.stdout)
    assert session["ends_at"] - session["started_at"] == pytest.approx(1800)
    assert session["plan"]["block_sites"] == ["example.net"]
    block = wait_for(lambda: HostsFile(hosts).block())
    assert block is not None and "www.example.net" in block.domains
    status = json.loads(cli("break", "status", "--json").stdout)
    assert 0 < status["micro_in"] <= 600
