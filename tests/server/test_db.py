"""The server's bulk inserts (COPY on PostgreSQL, executemany on SQLite) store every value
exactly as given, awkward text included."""

from __future__ import annotations

import math

from desktop.engine.store.db import SCHEMA_VERSION
from server.db import Database

AWKWARD = ["tab\there", "new\nline", "back\\slash", "\\N", "carriage\rreturn", "", "ünïcødé ✓",
           "quote ' and \" both", "\\.", "comma, and; semicolon"]


def test_many_stores_values_exactly(database_url):
    db = Database(database_url)
    try:
        db.execute("CREATE TABLE probe (n BIGINT, x DOUBLE PRECISION, t TEXT, b BOOLEAN)")
        rows = [(i, x, t, i % 2 == 0) for i, (x, t) in enumerate(zip(
            [0.1, 1_770_552_447.8170428, -2.5e-300, 1e300, math.pi, 2.0**53 + 0.0, -0.0,
             1 / 3, 123456789.123456789, 7.0], AWKWARD, strict=True))]
        rows.append((2**62, None, None, None))
        db.many("INSERT INTO probe (n, x, t, b) VALUES %s", rows)
        got = db.execute("SELECT n, x, t, b FROM probe ORDER BY n").fetchall()
        assert [(n, x, t, None if b is None else bool(b)) for n, x, t, b in got] == rows
    finally:
        db.close()



def test_schema_v9_adds_idle_to_active_to_a_v7_database(database_url):
    """The shared migration on the server's database (SQLite or PostgreSQL): a v7 span table
    gets the column, 0 for the rows already there."""
    db = Database(database_url)
    try:
        db.migrate()
        db.execute("ALTER TABLE span DROP COLUMN idle_to_active")
        db.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
        db.execute("INSERT INTO origin (id, source, device) VALUES (1, 'window', 'laptop')")
        db.execute("INSERT INTO activity (id, key_hash, private, audible) "
                   "VALUES (1, 'h', %s, %s)", (False, False))
        db.execute('INSERT INTO span (uuid, start, "end", activity, origin, keystrokes, clicks, '
                   "scrolls, moves, lines_added, lines_deleted, updated) "
                   "VALUES ('u1', 1, 2, 1, 1, 3, 0, 0, 0, 0, 0, 1)")
        db.migrate()
        assert db.execute("SELECT keystrokes, idle_to_active FROM span").fetchall() == [(3, 0)]
    finally:
        db.close()


def test_schema_v21_leaves_the_servers_uuids_and_key_hashes_text(database_url):
    """Step 21 (uuids and key hashes as bytes) is the desktop store's: the server's own code
    reads these columns as text, on SQLite too; so is step 22 (spans without a row id)."""
    db = Database(database_url)
    uuid, key_hash = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "e7affc8fb101cfaca8a88b8c83814ca1"
    try:
        db.migrate()
        db.execute("UPDATE meta SET value = '20' WHERE key = 'schema_version'")
        db.execute("INSERT INTO origin (id, source, device) VALUES (1, 'window', 'laptop')")
        db.execute("INSERT INTO activity (id, key_hash, private, audible) "
                   "VALUES (1, %s, %s, %s)", (key_hash, False, False))
        db.execute('INSERT INTO span (uuid, start, "end", activity, origin, keystrokes, clicks, '
                   "scrolls, moves, lines_added, lines_deleted, updated) "
                   "VALUES (%s, 1, 2, 1, 1, 3, 0, 0, 0, 0, 0, 1)", (uuid,))
        db.migrate()
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() \
            == [(str(SCHEMA_VERSION),)]
        assert db.execute("SELECT id, uuid FROM span").fetchall() == [(1, uuid)]
        assert db.execute("SELECT key_hash FROM activity").fetchall() == [(key_hash,)]
    finally:
        db.close()


def test_schema_v23_leaves_the_servers_quarter_index(database_url):
    """Step 23 (no index of the quarter rollups by activity) is the desktop store's: the
    server's schema keeps step 13's index, on PostgreSQL or SQLite."""
    db = Database(database_url)
    try:
        db.migrate()
        found = db.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname = 'rollup_quarter_activity'"
            if db.postgres else
            "SELECT name FROM sqlite_master WHERE name = 'rollup_quarter_activity'").fetchall()
        assert found == [("rollup_quarter_activity",)]
    finally:
        db.close()
