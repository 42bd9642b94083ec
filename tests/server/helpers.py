"""An in-process server (the real app and database, requests through Starlette's client)."""

from __future__ import annotations

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
