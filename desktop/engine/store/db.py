"""Opening the SQLite file with the right pragmas, and turning driver errors into StoreError."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

    `kind` is "locked", "corrupt", "full", "unwritable" or "other"."""

    def __init__(self, message: str, kind: str = "other") -> None:
        super().__init__(message)
        self.kind = kind


def connect(path: Path, timeout: float) -> sqlite3.Connection:
    """The connection a Store reads and writes through, shared by its threads (it serialises
    access); in autocommit mode, as the Store begins its transactions itself. Plain sqlite3,
    set up as `open_database` sets up Peewee's, so that commands that only read never load
    Peewee."""
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None,
                               check_same_thread=False)
    except sqlite3.Error as exc:
        raise explain(exc, path) from exc
    try:
        for pragma, value in PRAGMAS.items():
            conn.execute(f"PRAGMA {pragma} = {value}")
    except sqlite3.Error as exc:
        conn.close()
        raise explain(exc, path) from exc
    return conn


# The schema version this code makes: the number of migration steps, stated here so that a
# file already at it opens without loading the migrations (nor Peewee). migrations checks it.
SCHEMA_VERSION = 24


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version of the file (0: new), as `migrations.current_version` reads it
    through Peewee."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
                    ).fetchone() is None:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def open_database(path: Path, timeout: float) -> peewee.SqliteDatabase:
    """The file through Peewee, for the migrations."""
    import peewee

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
    if "disk is full" in low or "no space" in low:
        return StoreError(
            f"Cannot save: the disk holding {path} is full. Free some space: what is "
            f"tracked meanwhile is kept in memory and saved then. ({text})", "full")
    if "readonly" in low or "read-only" in low or "unable to open" in low or "disk" in low:
        return StoreError(f"The database {path} cannot be written ({text}): check the "
                          f"permissions and free space of its folder.", "unwritable")
    return StoreError(f"Database error on {path}: {text}")


def read_only_copy(path: Path, into: Path) -> Path:
    """A copy of the database at `path` in the folder `into`, read without writing anything
    next to it (`mode=ro`; `immutable=1` on a read-only medium, where SQLite cannot even
    create the WAL's shared-memory file), for reading a database that cannot be written."""
    target = into / path.name
    last: sqlite3.Error | None = None
    for flags in ("mode=ro", "immutable=1"):
        try:
            source = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True)
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
                return target
            finally:
                copy.close()
                source.close()
        except sqlite3.Error as exc:
            last = exc
            target.unlink(missing_ok=True)
    raise explain(last or sqlite3.Error("unreadable"), path)
