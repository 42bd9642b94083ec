from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import pytest

from desktop.engine.api.server import ApiServer
from desktop.engine.config import Config
from desktop.engine.service import Engine
from watchers.observation import Observation


class AwayPoller:
    """The watchers of a user who is away: the engine records nothing by itself."""

    def poll(self) -> Observation:
        return Observation(time=time.time(), idle_seconds=10**6)

    def close(self) -> None:
        pass


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def send(port: int, method: str, path: str, body: Any = None, *, key: str | None = None,
         headers: dict[str, str] | None = None, raw: bytes | None = None) -> Reply:
    """One request over a real socket to 127.0.0.1:`port`."""
    conn = HTTPConnection("127.0.0.1", port, timeout=30)
    all_headers = dict(headers or {})
    if key is not None:
        all_headers["Authorization"] = "Basic " + base64.b64encode(key.encode()).decode()
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    if data is not None:
        all_headers.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, path, body=data, headers=all_headers)
        resp = conn.getresponse()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


@dataclass
class Running:
    engine: Engine
    home: Path

    @property
    def port(self) -> int:
        return self.engine.api.port

    @property
    def key(self) -> str:
        return self.engine.api.key

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> Reply:
        kw.setdefault("key", self.key)
        return send(self.port, method, path, body, **kw)

    def spans(self) -> list:
        self.engine.writer.flush()
        return self.engine.store.spans(0, 4e9)


@pytest.fixture
def zone_name() -> str | None:
    """The time zone the running engine is configured with (None: the system's); a test
    module overrides it."""
    return None


@pytest.fixture
def running(tmp_path, zone_name) -> Iterator[Running]:
    """An Engine on a fresh home, its API on a free port of 127.0.0.1."""
    config = Config()
    config.timezone = zone_name
    config.api.port = 0
    config.focus.hosts_block = False  # focus sessions in tests never touch /etc/hosts
    engine = Engine(tmp_path, config, poller=AwayPoller())
    engine.start()
    assert engine.api is not None, engine.warnings
    try:
        yield Running(engine, tmp_path)
    finally:
        engine.stop()


SLOW_TIMEOUT = 3.0  # the request timeout of `api`


@pytest.fixture
def api(running) -> Iterator[ApiServer]:
    """A second API server on the running engine, with a short request timeout (tests of
    slow, partial and malformed requests)."""
    server = ApiServer(running.engine, port=0, request_timeout=SLOW_TIMEOUT)
    server.start()
    try:
        yield server
    finally:
        server.stop()
