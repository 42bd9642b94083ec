"""The store's queue of heartbeats waiting for the upstream (desktop.engine.upstream.Queue);
rows are added by `Store.add_heartbeats` in the heartbeats' own transaction."""

from __future__ import annotations

from collections.abc import Sequence

from desktop.engine.store.store import Store


class StoreQueue:
    def __init__(self, store: Store) -> None:
        self.store = store

    def take(self, limit: int) -> list[tuple[int, str, str]]:
        with self.store._read() as conn:
            return conn.execute("SELECT id, machine, body FROM upstream_queue ORDER BY id "
                                "LIMIT ?", (limit,)).fetchall()

    def drop(self, ids: Sequence[int]) -> None:
        if ids:
            with self.store._write() as conn:
                conn.executemany("DELETE FROM upstream_queue WHERE id = ?", [(i,) for i in ids])

    def count(self) -> int:
        with self.store._read() as conn:
            return conn.execute("SELECT COUNT(*) FROM upstream_queue").fetchone()[0]
