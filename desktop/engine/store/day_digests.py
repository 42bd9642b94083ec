"""The insights' day digests kept on disk (table insight_day_digest): one encoded digest per
UTC day and key (what the digest depends on besides the day's spans: the rules fingerprint,
the stretch tolerance; desktop.engine.insights.digest_key), so that a new process reads a
year's digests in one query instead of resolving the year's spans.

A digest is current while its row has a body. `rollups.refresh` deletes the rows of every day
whose rollups it recomputes (spans added, edited, deleted, imported, synced), in the same
transaction. A digest is stored in two steps around its computation: `claim` (after bringing
the rollups up to date) writes an empty row, `fill` (after the same) gives a body only to rows
still there, so that a day written to while its digest was computed is never stored stale.
Rows of other keys (the rules changed) are deleted by `claim`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Mapping


def load(conn: sqlite3.Connection, key: str, days: Collection[int]) -> dict[int, str]:
    """The stored bodies of those of `days` that have one, by day (one query)."""
    if not days:
        return {}
    return dict(conn.execute(
        "SELECT day, body FROM insight_day_digest WHERE key = ? AND day >= ? AND day <= ? "
        "AND body IS NOT NULL", (key, min(days), max(days))).fetchall())


def claim(conn: sqlite3.Connection, key: str, days: Iterable[int]) -> None:
    """Empty rows for `days` (kept ones untouched); rows of other keys go. Inside the caller's
    write transaction, after the rollups were brought up to date."""
    conn.execute("DELETE FROM insight_day_digest WHERE key != ?", (key,))
    conn.executemany("INSERT INTO insight_day_digest (key, day) VALUES (?, ?) "
                     "ON CONFLICT DO NOTHING", [(key, int(d)) for d in days])


def fill(conn: sqlite3.Connection, key: str, bodies: Mapping[int, str]) -> int:
    """Bodies for the claimed rows still empty (those not deleted since: their days did not
    change); returns how many were stored. Inside the caller's write transaction, after the
    rollups were brought up to date."""
    return sum(conn.execute("UPDATE insight_day_digest SET body = ? WHERE key = ? AND day = ? "
                            "AND body IS NULL", (body, key, int(day))).rowcount
               for day, body in bodies.items())


def invalidate(conn: sqlite3.Connection, days: Iterable[int]) -> None:
    """The digests of `days` (under every key) are no longer current."""
    conn.executemany("DELETE FROM insight_day_digest WHERE day = ?", [(int(d),) for d in days])
