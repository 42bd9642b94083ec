"""Storage: spans in SQLite with incremental rollups."""

from desktop.engine.store.db import StoreError
from desktop.engine.store.store import Store
from desktop.engine.store.writer import SpanWriter

__all__ = ["SpanWriter", "Store", "StoreError"]
