"""Server fixtures: a database per test on SQLite and on a real PostgreSQL cluster (started
once per session with initdb/pg_ctl), and a real server process (uvicorn) on 127.0.0.1."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.pgcluster import PgCluster, available

ROOT = Path(__file__).resolve().parents[2]
_names = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    if not available():
        pytest.skip("PostgreSQL's initdb/pg_ctl are not installed (scripts/setup.sh --test)")
    cluster = PgCluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/server.sqlite3"
    cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"t{os.getpid()}_{next(_names)}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a server child process; with no `database_url`, no
    TIMEFORGED_SERVER_* setting at all but `extra` (a --config file configures it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIMEFORGED_SERVER_")}
    env["PYTHONPATH"] = str(ROOT)
    if database_url is not None:
        env.update(TIMEFORGED_SERVER_DATABASE=database_url,
                   TIMEFORGED_SERVER_LOG_LEVEL="WARNING")
    env.update({f"TIMEFORGED_SERVER_{k.upper()}": v for k, v in extra.items()})
    return env


def admin(database_url: str | None, *args: str, config: Path | None = None) -> str:
    """Runs `timeforged-server admin ...` for real (with `config`: `--config FILE admin ...`
    and no TIMEFORGED_SERVER_* variables); returns its stdout."""
    options = ["--config", str(config)] if config else []
    out = subprocess.run([sys.executable, "-m", "server", *options, "admin", *args], cwd=ROOT,
                         env=server_env(None if config else database_url), capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def user_with_key(database_url: str, name: str = "ann") -> str:
    """Creates user `name` through the admin command; returns a new API key of theirs."""
    admin(database_url, "create-user", name)
    return admin(database_url, "create-key", name).strip()


class ServerProcess:
    """`timeforged-server serve` as a child process; `kill()` is SIGKILL. With `config`, it
    runs as `timeforged-server --config FILE serve` with no TIMEFORGED_SERVER_* variables."""

    def __init__(self, database_url: str, log: Path, *, workers: int = 1,
                 config: Path | None = None, **settings: str) -> None:
        self.database_url = database_url
        self.workers = workers
        self.config = config
        self.port = free_port()
        self.log = log
        self.settings = settings
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        with self.log.open("a") as fh:
            config = ["--config", str(self.config)] if self.config else []
            env = server_env(None if self.config else self.database_url, **self.settings)
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server", *config, "serve", "--port", str(self.port),
                 "--workers", str(self.workers)], cwd=ROOT, env=env, stdout=fh, stderr=fh)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as resp:
                    if json.loads(resp.read())["status"] == "ok":
                        return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("server did not start:\n" + self.log.read_text()[-3000:])

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def server_process(database_url, tmp_path) -> Iterator[ServerProcess]:
    server = ServerProcess(database_url, tmp_path / "server.log", jobs_interval_seconds="0")
    try:
        yield server
    finally:
        server.stop()
