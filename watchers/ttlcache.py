"""A small expiring cache for what the watchers look up every poll (processes, projects)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Values kept `ttl` seconds (monotonic clock); emptied whole past `size` entries."""

    def __init__(self, ttl: float, size: int) -> None:
        self.ttl, self.size = ttl, size
        self._items: dict[K, tuple[float, V]] = {}

    def get(self, key: K, load: Callable[[], V], now: float | None = None) -> V:
        """The cached value for `key`, or `load()` stored for the next `ttl` seconds."""
        now = time.monotonic() if now is None else now
        hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        if len(self._items) > self.size:
            self._items.clear()
        self._items[key] = (now + self.ttl, value)
        return value

    def clear(self) -> None:
        self._items.clear()
