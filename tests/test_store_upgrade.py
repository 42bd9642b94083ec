"""The long-running commands migrate a database in a child: Peewee never loads in them."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from desktop.engine.store import Store
from desktop.engine.store.db import SCHEMA_VERSION
from desktop.engine.store.upgrade import needs_migration

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, sys
from pathlib import Path
from desktop.engine.store import Store
from desktop.engine.store.upgrade import upgrade_in_child
path = Path(sys.argv[1])
upgrade_in_child(path)
store = Store(path)
print(json.dumps({"peewee": "peewee" in sys.modules, "psycopg2": "psycopg2" in sys.modules,
                  "device": store.device}))
store.close()
"""


def probe(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, str(path)], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT value FROM meta WHERE key = 'schema_version'")
                   .fetchone()[0])


def test_a_new_file_is_made_apart(tmp_path: Path) -> None:
    path = tmp_path / "home" / "timeforged.sqlite3"
    assert needs_migration(path)
    seen = probe(path)
    assert seen["peewee"] is False and seen["psycopg2"] is False
    assert version(path) == SCHEMA_VERSION and not needs_migration(path)
    assert probe(path)["device"] == seen["device"]  # the child's file, kept as made


def test_an_older_file_is_migrated_apart(tmp_path: Path) -> None:
    path = tmp_path / "timeforged.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                     (str(SCHEMA_VERSION - 1),))
    assert needs_migration(path)
    seen = probe(path)
    assert seen["peewee"] is False
    assert version(path) == SCHEMA_VERSION


def test_a_file_that_is_not_a_database_is_left_to_the_store(tmp_path: Path) -> None:
    path = tmp_path / "timeforged.sqlite3"
    path.write_bytes(b"not a database" * 100)
    assert not needs_migration(path)
