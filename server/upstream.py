"""The server's side of forwarding to an upstream (desktop.engine.upstream): the queue on the
server's database (rows written by the heartbeat writer in its own transaction) and the
forwarder, started when `[upstream] url` is set; one process of a cluster sends at a time."""

from __future__ import annotations

from collections.abc import Sequence

from desktop.engine.upstream import Forwarder
from server.config import ServerConfig
from server.db import Database


class ServerQueue:
    def __init__(self, db: Database) -> None:
        self.db = db

    def take(self, limit: int) -> list[tuple[int, str, str]]:
        return [tuple(r) for r in self.db.execute(
            "SELECT id, machine, body FROM upstream_queue ORDER BY id LIMIT %s", (limit,))]

    def drop(self, ids: Sequence[int]) -> None:
        if ids:
            self.db.execute("DELETE FROM upstream_queue WHERE id IN (" +
                            ", ".join(["%s"] * len(ids)) + ")", list(ids))

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM upstream_queue").fetchone()[0]


def forwarder(config: ServerConfig, db: Database) -> Forwarder | None:
    """The forwarder the configuration asks for (not started), or None."""
    if not config.upstream.url:
        return None
    return Forwarder(ServerQueue(db), config.upstream.url, config.upstream.key,
                     lock=lambda: db.job_lock("upstream"))
