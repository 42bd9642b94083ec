"""What classifiers made of activities (`classified`), keyed by one integer: the classifier's
number (`classifier`, by fingerprint) << SHIFT | the activity's id. A fingerprint's rows are
one range of row ids, and a join with the rollups searches a row id (no text compared)."""

from __future__ import annotations

import json
import sqlite3

SHIFT = 32  # bits of the activity's id
SPAN = 1 << SHIFT


def base(conn: sqlite3.Connection, fingerprint: str) -> int | None:
    """The first row id of `fingerprint`'s classifications; None when it has none."""
    row = conn.execute("SELECT id FROM classifier WHERE fingerprint = ?",
                       (fingerprint,)).fetchone()
    return None if row is None else row[0] << SHIFT


def base_for(conn: sqlite3.Connection, fingerprint: str) -> int:
    """`base`, numbering `fingerprint` first when new (in the caller's write transaction)."""
    found = base(conn, fingerprint)
    if found is not None:
        return found
    return conn.execute("INSERT INTO classifier (fingerprint) VALUES (?) RETURNING id",
                        (fingerprint,)).fetchone()[0] << SHIFT


def count(conn: sqlite3.Connection, fingerprint: str) -> int:
    """How many activities `fingerprint` classified."""
    lo = base(conn, fingerprint)
    if lo is None:
        return 0
    return conn.execute("SELECT COUNT(*) FROM classified WHERE id >= ? AND id < ?",
                        (lo, lo + SPAN)).fetchone()[0]


def forget(conn: sqlite3.Connection, fingerprint: str, keep: str | None = None) -> None:
    """Delete the classifications of every fingerprint but `fingerprint` and `keep`, as
    deletes of the row id ranges around theirs (none to delete: no scan)."""
    kept = (fingerprint, keep or fingerprint)
    lo = 0
    for (n,) in conn.execute("SELECT id FROM classifier WHERE fingerprint IN (?, ?) "
                             "ORDER BY id", kept).fetchall():
        conn.execute("DELETE FROM classified WHERE id >= ? AND id < ?", (lo, n << SHIFT))
        lo = (n + 1) << SHIFT
    conn.execute("DELETE FROM classified WHERE id >= ?", (lo,))
    conn.execute("DELETE FROM classifier WHERE fingerprint NOT IN (?, ?)", kept)


def drop_activities(conn: sqlite3.Connection, activities: list[int]) -> None:
    """Delete what every classifier made of `activities` (deleted ones)."""
    conn.execute("DELETE FROM classified WHERE id IN (SELECT (k.id << ?) + a.value FROM "
                 "classifier k, json_each(?) a)", (SHIFT, json.dumps(activities)))
