"""The desktop engine forwards heartbeats posted to its local API to an upstream (a real
TimeForged server process), through the queue in its store: the upstream is killed and
restarted, so is the engine, and every heartbeat arrives upstream exactly once."""

from __future__ import annotations

import sqlite3

import pytest

from desktop.engine import paths
from desktop.engine.config import Config
from desktop.engine.heartbeats import parse_heartbeat
from desktop.engine.service import Engine
from desktop.engine.upstream import save_upstream_key, wire
from tests.api.conftest import AwayPoller, send
from tests.server.conftest import ServerProcess, user_with_key
from tests.server.test_upstream import _beats, _wait

pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def no_keyring(monkeypatch):
    """The key goes to the 0600 file, never into the keyring of whoever runs the tests."""
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())


def _engine(home, url: str) -> Engine:
    config = Config()
    config.api.port = 0
    config.focus.hosts_block = False
    config.device_name = "laptop"
    config.upstream.url = url
    engine = Engine(home, config, poller=AwayPoller())
    engine.start()
    assert engine.api is not None and engine.upstream is not None, engine.warnings
    return engine


def test_engine_forwards_each_heartbeat_once(tmp_path, no_keyring):
    up_url = f"sqlite:///{tmp_path}/upstream.sqlite3"
    upstream = ServerProcess(up_url, tmp_path / "upstream.log", jobs_interval_seconds="0")
    url = upstream.url + "/api/v1"
    assert save_upstream_key(tmp_path / "home", url, user_with_key(up_url, "far")) is not None

    def arrived() -> int:
        with sqlite3.connect(f"{tmp_path}/upstream.sqlite3", timeout=30) as conn:
            return conn.execute("SELECT COUNT(*) FROM heartbeat").fetchone()[0]

    engine = None
    try:
        upstream.start()
        engine = _engine(tmp_path / "home", url)

        def post(first: int, count: int) -> None:
            reply = send(engine.api.port, "POST", "/api/v1/users/current/heartbeats.bulk",
                         _beats(first, count), key=engine.api.key)
            assert reply.status in (201, 202), reply.body

        post(0, 30)
        post(0, 5)  # resent: not forwarded again
        _wait("the first heartbeats upstream", lambda: arrived() == 30)
        _wait("their acknowledgement", lambda: engine.upstream.status().queued == 0)

        upstream.kill()
        post(30, 40)
        _wait("a failed attempt", lambda: engine.upstream.status().last_error is not None)
        assert engine.upstream.status().queued == 40
        engine.stop()  # the queue is in the store: it survives the engine
        engine = _engine(tmp_path / "home", url)
        assert engine.upstream.status().queued == 40
        post(70, 10)
        upstream.start()
        _wait("the queue drained", lambda: engine.upstream.status().queued == 0)
        assert arrived() == 80
        with sqlite3.connect(f"{tmp_path}/upstream.sqlite3") as conn:
            assert {r[0] for r in conn.execute("SELECT name FROM device")} == {"laptop"}

        # An acknowledgement lost on the way: the same heartbeats are sent again, and the
        # upstream keeps them once.
        again = [("laptop", wire(parse_heartbeat(b)), 0.0) for b in _beats(0, 20)]
        with sqlite3.connect(paths.database_file(tmp_path / "home"), timeout=30) as conn:
            conn.executemany("INSERT INTO upstream_queue (machine, body, queued) "
                             "VALUES (?, ?, ?)", again)
        engine.upstream.nudge()
        _wait("the resent heartbeats", lambda: engine.upstream.status().queued == 0)
        assert arrived() == 80 and engine.upstream.status().sent >= 30
    finally:
        if engine is not None:
            engine.stop()
        upstream.stop()
