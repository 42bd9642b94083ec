"""Many rows per INSERT statement: `executemany` steps a statement once per row, and
Python's sqlite3 releases and takes back the interpreter's lock at each step; a statement of
a hundred rows costs about half the instructions a row (the rollups' rows, see refresh)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import cache
from itertools import chain

_ROWS = 100  # rows per statement
_PARAMETERS = 999  # the most parameters a statement may have in any SQLite still in use


@cache
def _statements(head: str, width: int) -> tuple[str, str, int]:
    """(a statement of `per` rows, a statement of one row, `per`)."""
    one = f"({','.join('?' * width)})"
    per = max(1, min(_ROWS, _PARAMETERS // width))
    return f"{head} VALUES {','.join([one] * per)}", f"{head} VALUES {one}", per


def insert(conn: sqlite3.Connection, head: str, rows: Sequence[tuple], width: int) -> None:
    """`conn.executemany(head + " VALUES (?, ...)", rows)` for rows of `width` values, in
    statements of many rows (always the same text: prepared once per connection)."""
    many, one, per = _statements(head, width)
    full = len(rows) - len(rows) % per
    for i in range(0, full, per):
        conn.execute(many, list(chain.from_iterable(rows[i:i + per])))
    if full < len(rows):
        conn.executemany(one, rows[full:])
