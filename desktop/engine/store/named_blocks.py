"""Named rollups per block of days (32 and 512 UTC days): seconds by the name of a dimension,
summed in SQL (the larger blocks from the smaller ones), so that a summary over years reads a
few rows per block instead of one per day and name. The 32-day blocks are named from the
activity blocks: seconds per activity per 32 days, shared by every dimension of the activity
(summed from the day rollups once, as soon as written for the days past, else when first
read), so that the first summary of a dimension groups no day rows.

Names are given in SQL as analytics gives them in Python (desktop.engine.analytics): a
column of the activity or of the origin, or of the classification the rules made of the
activity (rows of the `classified` table, for the classifier's fingerprint; activities
without one are reported to the caller, which classifies them and builds again). Names the
rules do not set outlive a change of the rules (see `key_of`).

A block is current while listed in named_block_done (an activity block: activity_block_done);
`rollups.refresh` unlists the blocks of every day it recomputes, `Store.adopt_rules` those
of the days of activities the new rules classify differently.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import defaultdict
from collections.abc import Collection, Iterable

from desktop.engine.store import classifications

SIZES = (512, 32)  # days per block, largest first
ACTIVITY_BLOCK = SIZES[-1]  # days per block of rollup_activity_block
DAY = 1  # and single days (the ends of a range), named from the day rollups
UNKNOWN = "unknown"
UNCATEGORIZED = "uncategorized"
PRODUCTIVITY_NAMES = {2: "very productive", 1: "productive", 0: "neutral",
                      -1: "distracting", -2: "very distracting"}
ACTIVITY_COLUMNS = ("language", "app", "site", "editor", "branch", "file")
CLASSIFIED = ("project", "category", "productivity")
ORIGIN_COLUMNS = {"device": "device", "source": "source"}
DIMENSIONS = frozenset((*ACTIVITY_COLUMNS, *CLASSIFIED, *ORIGIN_COLUMNS))


def _name(dim: str) -> str:
    """The SQL expression naming a day rollup row `r` (joined with activity `a`,
    classification `c`, origin `o`) along `dim`: "" and NULL are unknown, as in Python."""
    if dim in ACTIVITY_COLUMNS:
        return f"COALESCE(NULLIF(a.{dim}, ''), '{UNKNOWN}')"
    if dim in ORIGIN_COLUMNS:
        return f"COALESCE(NULLIF(o.{ORIGIN_COLUMNS[dim]}, ''), '{UNKNOWN}')"
    if dim == "project":  # the activity's own when the rules set none (save_classifications)
        return f"COALESCE(NULLIF(c.project, ''), '{UNKNOWN}')"
    if dim == "category":
        return f"COALESCE(NULLIF(c.category, ''), '{UNCATEGORIZED}')"
    if dim == "productivity":
        cases = " ".join(f"WHEN {level} THEN '{name}'"
                         for level, name in PRODUCTIVITY_NAMES.items())
        return f"CASE c.productivity {cases} ELSE '{UNKNOWN}' END"
    raise ValueError(dim)


def _joins(dim: str) -> str:
    """The joins naming a rollup row `r` along `dim` (a classification may be missing)."""
    if dim in ORIGIN_COLUMNS:
        return "JOIN origin o ON o.id = r.origin"
    if dim in CLASSIFIED:
        return "LEFT JOIN classified c ON c.id = :base + r.activity"
    return "JOIN activity a ON a.id = r.activity"


def _naming(dim: str) -> str:
    """SQL giving each activity `j.value` of the JSON array :ids whether it lacks a
    classification (of the classifier numbered from :base; only where the rules name
    `dim`) and its name along `dim`."""
    activity = "" if dim in CLASSIFIED else "JOIN activity a ON a.id = j.value"
    if dim not in CLASSIFIED:
        return f"SELECT j.value, 0, {_name(dim)} FROM json_each(:ids) j {activity}"
    return (f"SELECT j.value, c.id IS NULL, {_name(dim)} FROM json_each(:ids) j {activity} "
            "LEFT JOIN classified c ON c.id = :base + j.value")


# The key ("fingerprint" column) named rows are stored under: names the rules set under
# RULES (valid for the classifier fingerprint in meta NAMED_RULES, see Store.adopt_rules),
# the others under "" (no rules change touches them).
RULES, NAMED_RULES = "rules", "named_rules"


def key_of(dim: str) -> str:
    return RULES if dim in CLASSIFIED else ""


def split(d0: int, d1: int) -> tuple[list[tuple[int, int, int]], list[tuple[int, int]]]:
    """UTC days [d0, d1) as whole blocks, (size, b0, b1) with the largest size that fits
    first, and the day ranges left at either end."""
    parts: list[tuple[int, int, int]] = []
    todo = [(d0, d1)]
    for size in SIZES:
        rest = []
        for lo, hi in todo:
            b0, b1 = -(-lo // size), hi // size
            if b0 >= b1:
                rest.append((lo, hi))
                continue
            parts.append((size, b0, b1))
            rest += [(a, b) for a, b in ((lo, b0 * size), (b1 * size, hi)) if b > a]
        todo = rest
    return parts, todo


def missing(conn: sqlite3.Connection, key: str, dim: str, size: int, b0: int, b1: int
            ) -> list[int]:
    """The blocks of [b0, b1) that are not current."""
    done = {b for (b,) in conn.execute(
        "SELECT block FROM named_block_done WHERE fingerprint = ? AND dim = ? AND size = ? "
        "AND block >= ? AND block < ?", (key, dim, size, b0, b1))}
    return [b for b in range(b0, b1) if b not in done]


def _ranges(blocks: Iterable[int]) -> list[tuple[int, int]]:
    """Runs of consecutive blocks as [first, last + 1)."""
    out: list[tuple[int, int]] = []
    for b in sorted(blocks):
        if out and out[-1][1] == b:
            out[-1] = (out[-1][0], b + 1)
        else:
            out.append((b, b + 1))
    return out


def names(conn: sqlite3.Connection, base: int, dim: str, ids: Iterable[int]
          ) -> tuple[dict[int, str], set[int]]:
    """The name along `dim` (not an origin's) of each activity of `ids`, by the rules'
    classifications (numbered from `base`) where they name `dim`, and the activities
    without a classification."""
    named, todo = {}, set()
    for i, lacking, value in conn.execute(_naming(dim), {"base": base,
                                                         "ids": json.dumps(sorted(ids))}):
        named[i] = value
        if lacking:
            todo.add(i)
    return named, todo


def _named_rows(conn: sqlite3.Connection, base: int, key: str, dim: str, size: int,
                b0: int, b1: int) -> list[tuple[str, str, int, int, str, float]] | set[int]:
    """The rows of rollup_named_block of the blocks [b0, b1) of 32 days or of one day: from
    the activity blocks (current by then) or the day's rollups, each activity named once per
    block; device and source from the day rollups, by origin. Or, where the rules name
    `dim`, the activities of those blocks without a classification (of the classifier
    numbered from `base`)."""
    name, lacking = _name(dim), "MAX(c.id IS NULL)" if dim in CLASSIFIED else "0"
    if dim in ORIGIN_COLUMNS:
        src = ("(SELECT origin, SUM(seconds) AS seconds FROM rollup_day WHERE day >= "
               ":block * :size AND day < (:block + 1) * :size GROUP BY origin)")
    elif size == ACTIVITY_BLOCK:
        src = "(SELECT activity, seconds FROM rollup_activity_block WHERE block = :block)"
    else:  # a day: its rows are in activity order (no sort)
        src = ("(SELECT activity, SUM(seconds) AS seconds FROM rollup_day WHERE day = :block "
               "GROUP BY activity)")
    sql = f"SELECT {name}, SUM(r.seconds), {lacking} FROM {src} r {_joins(dim)} GROUP BY {name}"
    rows, todo = [], set()
    for block in range(b0, b1):
        args = {"base": base, "block": block, "size": size}
        found = conn.execute(sql, args).fetchall()
        if any(lacks for _, _, lacks in found):
            todo.update(i for (i,) in conn.execute(
                f"SELECT r.activity FROM {src} r WHERE NOT EXISTS "
                "(SELECT 1 FROM classified c WHERE c.id = :base + r.activity)", args))
        rows += [(key, dim, size, block, value, secs) for value, secs, _ in found]
    return todo or rows


def past_blocks(days: Iterable[int], today: int | None = None) -> set[int]:
    """The activity blocks holding `days` that end before `today` (UTC day number, now by
    default): those no more tracking comes into, worth building as soon as written."""
    if today is None:
        today = int(time.time() // 86400)
    return {b for b in (d // ACTIVITY_BLOCK for d in days)
            if (b + 1) * ACTIVITY_BLOCK <= today}


def build_activity_blocks(conn: sqlite3.Connection, blocks: Iterable[int]) -> None:
    """Sum the day rollups of `blocks` per activity into rollup_activity_block and list them
    as current, inside the caller's write transaction."""
    blocks = sorted(blocks)
    for block in blocks:
        conn.execute("DELETE FROM rollup_activity_block WHERE block = ?", (block,))
        conn.execute("INSERT INTO rollup_activity_block (block, activity, seconds) "
                     "SELECT ?, activity, SUM(seconds) FROM rollup_day WHERE day >= ? "
                     "AND day < ? GROUP BY activity",
                     (block, block * ACTIVITY_BLOCK, (block + 1) * ACTIVITY_BLOCK))
    conn.executemany("INSERT INTO activity_block_done (block) VALUES (?) ON CONFLICT DO NOTHING",
                     [(b,) for b in blocks])


def activity_blocks(conn: sqlite3.Connection, b0: int, b1: int) -> None:
    """Bring the activity blocks [b0, b1) up to date, inside the caller's write transaction."""
    done = {b for (b,) in conn.execute(
        "SELECT block FROM activity_block_done WHERE block >= ? AND block < ?", (b0, b1))}
    build_activity_blocks(conn, [b for b in range(b0, b1) if b not in done])


_SEEKS = 4096  # activities up to which blocks and days are searched for them, not scanned
_DAY_SEEKS = 1024  # (day, activity) searches up to which a block's days are told apart
_EXACT_SEEKS = 8192  # and up to which they are searched rather than scanned, when `exact`


def activity_days(conn: sqlite3.Connection, ids: Collection[int], d0: int = -(1 << 62),
                  d1: int = 1 << 62, exact: bool = False) -> list[tuple[int, int]]:
    """Runs [first, last + 1) of the UTC days with spans in [d0, d1) where the activities
    `ids` may have time (the quarter and day rollups have no index by activity: callers read
    these days alone); `exact`: only those where they have time. Per activity block: none
    when it is current and lists none of them; else the days where the day rollups hold one
    of those it lists (all of `ids` when it is not current: not summed yet, or changed
    since), searched by (day, activity) when that is few searches, else (not `exact`) every
    day of the block with spans. More than _SEEKS activities: every day with spans (`exact`:
    those of the day rollups holding one, scanned)."""
    if not ids:
        return []
    wanted = json.dumps(sorted(ids))
    if len(ids) > _SEEKS:
        rows = conn.execute(
            "SELECT DISTINCT day FROM rollup_day WHERE day >= ? AND day < ? AND activity IN "
            "(SELECT value FROM json_each(?))", (d0, d1, wanted)) if exact else conn.execute(
            "SELECT day FROM active_day WHERE day >= ? AND day < ?", (d0, d1))
        return _ranges(d for (d,) in rows)
    days: dict[int, list[int]] = defaultdict(list)
    for (d,) in conn.execute("SELECT day FROM active_day WHERE day >= ? AND day < ? "
                             "ORDER BY day", (d0, d1)):
        days[d // ACTIVITY_BLOCK].append(d)
    if not days:
        return []
    listed: dict[int, list[int]] = {b: [] for (b,) in conn.execute(
        "SELECT block FROM activity_block_done WHERE block >= ? AND block < ?",
        (min(days), max(days) + 1))}
    for block, activity in conn.execute(  # CROSS JOIN: each block searched for each activity
            "SELECT d.block, r.activity FROM activity_block_done d CROSS JOIN "
            "rollup_activity_block r ON r.block = d.block AND r.activity IN "
            "(SELECT value FROM json_each(?)) WHERE d.block >= ? AND d.block < ?",
            (wanted, min(days), max(days) + 1)):
        listed[block].append(activity)
    found: list[int] = []
    for block, in_block in sorted(days.items()):
        some = listed.get(block, ids)
        if not some:
            continue
        args = (json.dumps(in_block), json.dumps(sorted(some)))
        if len(some) * len(in_block) <= (_EXACT_SEEKS if exact else _DAY_SEEKS):
            found += [d for (d,) in conn.execute(
                "SELECT DISTINCT day FROM rollup_day WHERE day IN (SELECT value FROM "
                "json_each(?)) AND activity IN (SELECT value FROM json_each(?))", args)]
        elif exact:  # the block's day rollups scanned
            found += [d for (d,) in conn.execute(
                "SELECT DISTINCT day FROM rollup_day WHERE day >= ? AND day < ? "
                "AND activity IN (SELECT value FROM json_each(?))",
                (in_block[0], in_block[-1] + 1, args[1]))]
        else:
            found += in_block
    return _ranges(found)


def build(conn: sqlite3.Connection, fingerprint: str, dim: str, size: int,
          blocks: Collection[int]) -> set[int]:
    """Sum `blocks` of `size` days by name into rollup_named_block and list them as current,
    inside the caller's write transaction: the smallest size from the activity blocks
    (device and source from the day rollups, each origin named once), a larger one from
    the blocks of the size below (built first when not current). Names the rules set come
    from the classifications of `fingerprint`; returns the activities that have none, of
    every block left unbuilt for want of them (the others are built: they are right), so
    that one classifying pass lets the next call build them all."""
    if dim not in DIMENSIONS:
        raise ValueError(dim)
    key = key_of(dim)
    found = classifications.base(conn, fingerprint)
    base = -classifications.SPAN if found is None else found  # (-SPAN: none classified)
    below = SIZES[SIZES.index(size) + 1] if size not in (DAY, SIZES[-1]) else None
    unclassified: set[int] = set()
    for b0, b1 in _ranges(blocks):
        args = {"key": key, "dim": dim, "size": size, "b0": b0, "b1": b1}
        if below is None:
            if dim not in ORIGIN_COLUMNS and size == ACTIVITY_BLOCK:
                activity_blocks(conn, b0, b1)
            rows = _named_rows(conn, base, key, dim, size, b0, b1)
            if isinstance(rows, set):
                unclassified |= rows
                continue
        else:
            parts = size // below
            todo = build(conn, fingerprint, dim, below,
                         missing(conn, key, dim, below, b0 * parts, b1 * parts))
            if todo:
                unclassified |= todo
                continue
        conn.execute("DELETE FROM rollup_named_block WHERE fingerprint = :key AND dim = :dim "
                     "AND size = :size AND block >= :b0 AND block < :b1", args)
        if below is None:
            conn.executemany("INSERT INTO rollup_named_block (fingerprint, dim, size, block, "
                             "value, seconds) VALUES (?, ?, ?, ?, ?, ?)", rows)
        else:
            conn.execute(
                "INSERT INTO rollup_named_block (fingerprint, dim, size, block, value, seconds) "
                "SELECT :key, :dim, :size, block / :parts, value, SUM(seconds) "
                "FROM rollup_named_block WHERE fingerprint = :key AND dim = :dim "
                "AND size = :below AND block >= :c0 AND block < :c1 "
                "GROUP BY block / :parts, value",
                {**args, "parts": parts, "below": below, "c0": b0 * parts, "c1": b1 * parts})
        conn.executemany("INSERT INTO named_block_done (fingerprint, dim, size, block) VALUES "
                         "(?, ?, ?, ?) ON CONFLICT DO NOTHING",
                         [(key, dim, size, b) for b in range(b0, b1)])
    return unclassified


def totals(conn: sqlite3.Connection, key: str, dim: str,
           parts: Iterable[tuple[int, int, int]]) -> dict[str, float]:
    """Seconds by name in the blocks (size, b0, b1) of `parts`."""
    acc: dict[str, float] = defaultdict(float)
    for size, b0, b1 in parts:
        for value, secs in conn.execute(
                "SELECT value, SUM(seconds) FROM rollup_named_block WHERE fingerprint = ? "
                "AND dim = ? AND size = ? AND block >= ? AND block < ? GROUP BY value",
                (key, dim, size, b0, b1)):
            acc[value] += secs
    return acc


def invalidate(conn: sqlite3.Connection, days: Iterable[int], key: str | None = None) -> None:
    """The blocks holding `days` (of names stored under `key`, or all) are no longer current."""
    days = list(days)
    blocks = {(size, d // size) for size in (*SIZES, DAY) for d in days}
    if key is None:
        conn.executemany("DELETE FROM named_block_done WHERE size = ? AND block = ?", blocks)
        conn.executemany("DELETE FROM activity_block_done WHERE block = ?",
                         [(d // ACTIVITY_BLOCK,) for d in set(days)])
    else:
        conn.executemany("DELETE FROM named_block_done WHERE fingerprint = ? AND size = ? "
                         "AND block = ?", [(key, *b) for b in blocks])
