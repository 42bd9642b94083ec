"""`timeforged track` as a real subprocess on its own home, for tests that stop, restart or
kill it."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


class Track:
    """`timeforged track` as a subprocess (no display: the API is served all the same), on
    one home; it can be stopped (the app closed) and started again."""

    def __init__(self, tmp_path: Path, home: Path | None = None) -> None:
        """`home`: the data dir (an existing, empty folder; default: tmp_path / "tf")."""
        self.port = free_port()
        tf_home = home or tmp_path / "tf"
        tf_home.mkdir(exist_ok=True)
        self.home = tf_home
        (tf_home / "config.toml").write_text(f"[api]\nport = {self.port}\n")
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        self.env.update(TIMEFORGED_HOME=str(tf_home), HOME=str(tmp_path / "home"),
                        COLUMNS="200")
        (tmp_path / "home").mkdir()
        self.key_file = tf_home / "api_key"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", "track"], cwd=ROOT,
                                     env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while True:
            assert self.proc.poll() is None, self.proc.communicate()
            try:
                key = self.key_file.read_text().strip()
                req = urllib.request.Request(f"http://127.0.0.1:{self.port}/today", headers={
                    "Authorization": "Basic " + base64.b64encode(key.encode()).decode()})
                with urllib.request.urlopen(req, timeout=2) as resp:
                    assert resp.status == 200
                return
            except (OSError, ValueError):
                assert time.monotonic() < deadline, "the API never answered"
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=30)
        self.proc = None
        assert "Traceback" not in err, err
        assert out is not None
