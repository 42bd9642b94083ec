"""Keeping the database file healthy: daily checked backups, and recovery from a corrupt file."""

from __future__ import annotations

import shutil
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from desktop.engine import paths

BACKUP_EVERY_SECONDS = 24 * 3600


def newest_backup(database: Path) -> Path | None:
    found = sorted(paths.backups_dir(database.parent).glob("timeforged-*.sqlite3"))
    return found[-1] if found else None


def backup_due(database: Path, now: float | None = None) -> bool:
    latest = newest_backup(database)
    now = time.time() if now is None else now
    return latest is None or now - latest.stat().st_mtime >= BACKUP_EVERY_SECONDS


def quick_check(path: Path) -> bool:
    """SQLite's quick_check on a file (read-only); False for anything that is not healthy."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def set_aside_and_restore(database: Path) -> str:
    """Move a corrupt database (and its WAL files) aside, put the newest healthy backup in its
    place, and say what was done. The corrupt file is kept for recovery by hand."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    kept = database.with_name(f"{database.name}.corrupt-{stamp}")
    database.rename(kept)
    for suffix in ("-wal", "-shm"):
        extra = database.with_name(database.name + suffix)
        if extra.exists():
            extra.rename(kept.with_name(kept.name + suffix))
    backups = sorted(paths.backups_dir(database.parent).glob("timeforged-*.sqlite3"))
    for backup in reversed(backups):
        if quick_check(backup):
            shutil.copy2(backup, database)
            return (f"The database was corrupt: it was moved to {kept} and the backup of "
                    f"{datetime.fromtimestamp(backup.stat().st_mtime):%Y-%m-%d %H:%M} restored.")
    return (f"The database was corrupt and no healthy backup exists: it was moved to {kept} "
            f"and a new, empty database started.")
