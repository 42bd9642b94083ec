"""The server's bulk inserts (COPY on PostgreSQL, executemany on SQLite) store every value
exactly as given, awkward text included."""

from __future__ import annotations

import math

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

