"""Bringing a database to the current schema in a short-lived child process.

A new or older file needs the migrations, which run on Peewee; importing Peewee imports the
PostgreSQL driver too (psycopg2, OpenSSL, `ssl`, `decimal`: ~18 MiB resident) and nothing
unloads it. A long-running process (the tray app, `track`) asks a forked child to migrate,
then opens a file already at the current schema through plain sqlite3.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from desktop.engine.store.db import SCHEMA_VERSION, schema_version


def needs_migration(path: Path) -> bool:
    """Whether opening `path` would run migration steps (True for a file not made yet)."""
    if not path.exists():
        return True
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
        try:
            return schema_version(conn) != SCHEMA_VERSION
        finally:
            conn.close()
    except sqlite3.Error:
        return False  # the Store reports it, as it did before


def upgrade_in_child(path: Path) -> None:
    """Migrate `path` in a forked child, before this process starts threads. Nothing is
    reported here: if the child fails (or there is no fork), the Store opened afterwards
    migrates in this process and reports what goes wrong, as it did before."""
    if not hasattr(os, "fork") or not needs_migration(path):
        return
    pid = os.fork()
    if pid == 0:  # the child: no flushing of inherited buffers, no atexit handlers
        code = 1
        try:
            from desktop.engine.store import Store

            Store(path).close()
            code = 0
        finally:
            os._exit(code)
    os.waitpid(pid, 0)
