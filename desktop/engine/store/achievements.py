"""The achievements earned (table achievement) and the few history figures their rules need
that no rollup holds, read and written on the store's connection; the rules are
desktop.engine.achievements'."""

from __future__ import annotations

import sqlite3
import time

from desktop.engine.store.rollups import DAY


def earned(conn: sqlite3.Connection) -> dict[str, tuple[str, bool]]:
    """(ISO date earned, notified) by achievement key."""
    return {k: (d, bool(n)) for k, d, n in
            conn.execute("SELECT key, earned, notified FROM achievement")}


def save(conn: sqlite3.Connection, found: dict[str, str], notified: bool) -> list[str]:
    """Record achievements not recorded yet; returns the keys that were new."""
    new = []
    for key, day in found.items():
        cur = conn.execute("INSERT INTO achievement (key, earned, recorded, notified) "
                           "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                           (key, day, time.time(), int(notified)))
        if cur.rowcount:
            new.append(key)
    return new


def first_days(conn: sqlite3.Connection, fingerprint: str, dim: str) -> dict[str, int]:
    """The first UTC day index each name of `dim` has time in the named day rollups."""
    return dict(conn.execute(
        "SELECT value, MIN(day) FROM rollup_named WHERE fingerprint = ? AND dim = ? "
        "AND seconds > 0 GROUP BY value", (fingerprint, dim)))


def lines_by_day(conn: sqlite3.Connection, since: float) -> dict[int, int]:
    """Lines added per UTC day index, from the spans (editor plugins) starting at `since`."""
    return dict(conn.execute(
        f"SELECT CAST(start / {DAY} AS INTEGER) AS d, SUM(lines_added) FROM span "
        "WHERE start >= ? AND lines_added > 0 GROUP BY d", (since,)))


def change_token(conn: sqlite3.Connection) -> tuple:
    """Changes when spans are added or deleted: the spans counted (from the pages of their
    smallest index, ~2 ms at 200,000 spans; they have no row id), the last deletion's id."""
    return conn.execute("SELECT (SELECT COUNT(*) FROM span), (SELECT MAX(id) FROM deletion)"
                        ).fetchone()
