"""An in-process server (the real app and database, requests through Starlette's client), and
one heartbeat posted to a real server over a socket."""

from __future__ import annotations

import base64
import http.client
import json
import time
import uuid
from typing import Any

from fastapi.testclient import TestClient

from server import auth
from server.app import create_app
from server.config import ServerConfig
from server.db import Database


class Api:
    def __init__(self, database_url: str, **settings: Any) -> None:
        self.config = ServerConfig(database=database_url, jobs_interval_seconds=0, **settings)
        self.db = Database(database_url)
        self.db.migrate()
        self.app = create_app(self.config, self.db, scheduler=False)
        self.client = TestClient(self.app)

    def user(self, name: str, **fields: Any) -> tuple[Any, dict[str, str]]:
        user = auth.create_user(self.db, name)
        if fields:
            type(user).update(**fields).where(type(user).id == user.id).execute()
            user = type(user).get_by_id(user.id)
        key = auth.create_key(self.db, user)
        return user, {"Authorization": f"Bearer {key}"}

    def close(self) -> None:
        self.client.close()
        self.db.close()


def span(start: float, end: float, device: str, **fields: Any) -> dict[str, Any]:
    return {"uuid": str(uuid.uuid4()), "start": start, "end": end, "source": "window",
            "device": device, "updated": time.time(), **fields}


def post_heartbeat(port: int, key: str, body: object, machine: str = "box"
                   ) -> tuple[int, dict]:
    """POST one heartbeat (or a list) to a server on 127.0.0.1 as a plugin does; (status,
    the JSON reply)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/api/v1/users/current/heartbeats", body=json.dumps(body),
                     headers={"Authorization": "Basic " + base64.b64encode(key.encode()).decode(),
                              "Content-Type": "application/json", "X-Machine-Name": machine})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()
