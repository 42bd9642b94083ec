"""Opening the SQLite file with the right pragmas, and turning driver errors into StoreError."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import peewee

PRAGMAS = {
    "journal_mode": "wal",      # readers never block the writer, crash-safe
    "synchronous": "normal",    # safe with WAL: a crash loses at most the last commit
    # Foreign keys are declared (and enforced by PostgreSQL on the server) but not enforced
    # here: only the store writes ids it just interned, enforcement costs ~10% of ingest,
    # and Store.integrity_check() runs PRAGMA foreign_key_check.
    "foreign_keys": 0,
    "cache_size": -64_000,      # 64 MB page cache
    "temp_store": "memory",
    "mmap_size": 256 * 2**20,
    "journal_size_limit": 64 * 2**20,
}


class StoreError(Exception):
    """The database cannot be used right now; the message says why and what to do.

    `kind` is "locked", "corrupt", "unwritable" or "other"."""

    def __init__(self, message: str, kind: str = "other") -> None:
        super().__init__(message)
        self.kind = kind


def open_database(path: Path, timeout: float) -> peewee.SqliteDatabase:
    """One connection, shared by the threads of a Store (which serialises access)."""
    db = peewee.SqliteDatabase(str(path), pragmas=PRAGMAS, timeout=timeout,
                               thread_safe=False, check_same_thread=False)
    try:
        db.connect()
    except (sqlite3.Error, peewee.PeeweeException) as exc:
        raise explain(exc, path) from exc
    return db


def explain(exc: BaseException, path: Path) -> StoreError:
    """A StoreError telling the user what went wrong with the file at `path`."""
    text = str(exc)
    low = text.lower()
    if "locked" in low or "busy" in low:
        return StoreError(
            f"The database {path} is locked by another program (is a second TimeForged "
            f"running?). Tracking continues in memory and writes are retried. ({text})", "locked")
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return StoreError(
            f"The database {path} is corrupt or not a TimeForged database ({text}). Move it "
            f"away or restore a backup from the 'backups' folder next to it.", "corrupt")
    if "readonly" in low or "unable to open" in low or "disk" in low:
        return StoreError(f"The database {path} cannot be written ({text}): check the "
                          f"permissions and free space of its folder.", "unwritable")
    return StoreError(f"Database error on {path}: {text}")
