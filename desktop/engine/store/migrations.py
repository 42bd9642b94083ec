"""Versioned schema: each step runs once, in order, in its own transaction, on start.

Steps only ever add (tables, columns, indexes) or transform data in place; none drops data.
Version 1 is the raw history; 2 adds rollups and the classification cache; 3 focus mode's
tables; 4 deferred rollups and named rollups (rebuilt from the raw spans on first use); 5 named
rollups per quarter; 6 heartbeats as received (spans from editors and the browser extension are
joined from them, whatever order they arrive in); 7 the raw ActivityWatch events imported;
8 the commits of the repositories worked in; 9 the spans' idle→active transitions (counted
where input is not, on Wayland); 10 the spans of other devices edited here (for sync); 11 the
achievements earned; 12 heartbeats waiting to be forwarded upstream; 15 named rollups per
block of days; 16 the insights' day digests; 17 the quarter totals by slot of the week; 18 the
tables keyed by their primary key alone stored WITHOUT ROWID on SQLite; 19 the classifications
keyed by integers; 20 seconds per activity per 32-day block; 21 uuids as their 16 bytes and
activity key hashes as 8 bytes in the desktop's store; 22 the desktop's spans keyed by their
start and uuid, WITHOUT ROWID; 23 step 13's index of the quarter rollups by activity dropped
from the desktop's store (an index, no data).
"""

from __future__ import annotations

from collections.abc import Callable

import peewee

from desktop.engine.store import classifications, models, named_blocks, rollups
from desktop.engine.store.db import SCHEMA_VERSION
from desktop.engine.store.store import hash_fields
from desktop.engine.uuids import stored


def _v1(db: peewee.Database) -> None:
    db.create_tables([models.Meta, models.Activity, models.Origin, models.SpanRecord,
                      models.Deletion])


def _v2(db: peewee.Database) -> None:
    db.create_tables([models.QuarterRollup, models.DayRollup, models.CachedClassification])
    max_duration = db.execute_sql('SELECT COALESCE(MAX("end" - start), 0) FROM span'
                                  ).fetchone()[0]
    set_meta("max_duration", repr(float(max_duration)))


def _v3(db: peewee.Database) -> None:
    """Focus mode's tables (sessions, blocked attempts); owned by desktop.engine.focus."""
    from desktop.engine.focus import models as focus_models

    with db.bind_ctx(focus_models.MODELS):
        db.create_tables(focus_models.MODELS)


def _v4(db: peewee.Database) -> None:
    """Deferred rollups (dirty marks), totals per quarter, named rollups; every quarter with
    spans is marked dirty so the rollups are (re)built on first use."""
    db.create_tables([models.TotalRollup, models.DirtyQuarter, models.ActiveDay,
                      models.NamedRollup, models.NamedDone])
    dirty: set[int] = set()
    for a, b in db.execute_sql('SELECT start, "end" FROM span'):  # portable: the server
        dirty.update(rollups.quarters_of(a, b))                  # runs these on PostgreSQL
    rows = sorted(dirty)
    for i in range(0, len(rows), 500):
        models.DirtyQuarter.insert_many([(q,) for q in rows[i:i + 500]],
                                        fields=[models.DirtyQuarter.bucket]
                                        ).on_conflict_ignore().execute()


def _v5(db: peewee.Database) -> None:
    """Named rollups per quarter; finding a day's named rows without a scan."""
    db.create_tables([models.NamedQuarterRollup])
    db.execute_sql("CREATE INDEX IF NOT EXISTS named_done_day ON named_done (day)")


def _v6(db: peewee.Database) -> None:
    """Heartbeats as received. Those of earlier versions were not kept: their spans stay as
    they are, and a late heartbeat joins only with heartbeats received from now on."""
    db.create_tables([models.HeartbeatRecord])


def _v7(db: peewee.Database) -> None:
    """The raw ActivityWatch buckets and events imported, from which their spans are derived
    (so that files imported at different times combine as one export would)."""
    db.create_tables([models.AwBucket, models.AwEvent])


def _v8(db: peewee.Database) -> None:
    """The commits of the repositories worked in (read from git, see desktop.engine.gitlog)."""
    db.create_tables([models.GitRepository, models.GitCommit])


def _v9(db: peewee.Database) -> None:
    """Idle→active transitions per span, 0 for the spans recorded before (a file created
    now has the column from step 1, which creates the span table from today's model)."""
    if "idle_to_active" not in {c.name for c in db.get_columns("span")}:
        db.execute_sql("ALTER TABLE span ADD COLUMN idle_to_active INTEGER NOT NULL DEFAULT 0")


def _v10(db: peewee.Database) -> None:
    """Spans of other devices edited here, which sync pushes (desktop.engine.manual)."""
    db.create_tables([models.SpanEdit])


def _v11(db: peewee.Database) -> None:
    """The achievements earned (desktop.engine.achievements), and an index of the spans that
    count lines added (their rule reads those alone)."""
    db.create_tables([models.EarnedAchievement])
    db.execute_sql("CREATE INDEX IF NOT EXISTS span_lines ON span (start, lines_added) "
                   "WHERE lines_added > 0")


def _v12(db: peewee.Database) -> None:
    """Heartbeats waiting to be forwarded upstream (the server shares this table)."""
    db.create_tables([models.UpstreamQueued])


def _v13(db: peewee.Database) -> None:
    """The quarter rollups by activity: a project's coding quarters over years (commit
    times, desktop.engine.commits) are searched, not scanned among every activity's. The
    desktop's store drops it again at step 23 (the server keeps it)."""
    db.execute_sql("CREATE INDEX IF NOT EXISTS rollup_quarter_activity ON rollup_quarter "
                   "(activity, bucket, origin, seconds)")


def _v14(db: peewee.Database) -> None:
    """A category the user set on an activity (desktop.engine.manual), none before (a file
    created now has the column from step 1)."""
    if "category" not in {c.name for c in db.get_columns("activity")}:
        db.execute_sql("ALTER TABLE activity ADD COLUMN category TEXT")


def _v15(db: peewee.Database) -> None:
    """Named rollups per block of days (desktop.engine.store.named_blocks), built on first use."""
    db.create_tables([models.NamedBlockRollup, models.NamedBlockDone])


def _v16(db: peewee.Database) -> None:
    """The insights' day digests (desktop.engine.store.day_digests), computed on first use."""
    db.create_tables([models.DayDigest])


def _v17(db: peewee.Database) -> None:
    """The quarter totals by slot of the week (quarter % 672): summaries by hour or weekday
    search it instead of sorting every quarter of the range (desktop.engine.store.time_sums)."""
    mod = "%" if isinstance(db, peewee.SqliteDatabase) else "%%"  # psycopg's escape
    db.execute_sql("CREATE INDEX IF NOT EXISTS rollup_total_slot ON rollup_total "
                   f"((bucket {mod} 672), bucket, seconds)")


# Tables whose rows are found by their composite primary key: SQLite keeps them as a table
# plus an index holding the same columns again; WITHOUT ROWID they are that index alone.
_KEYED = ("rollup_quarter", "rollup_day", "classification", "rollup_named",
          "rollup_named_quarter", "named_done", "rollup_named_block", "named_block_done",
          "insight_day_digest")


def _v18(db: peewee.Database) -> None:
    """The tables of _KEYED stored WITHOUT ROWID (SQLite only; PostgreSQL has no rowids):
    each row once instead of twice, rows and indexes as they were."""
    if not isinstance(db, peewee.SqliteDatabase):
        return
    for table in _KEYED:
        _without_rowid(db, table)


def _without_rowid(db: peewee.SqliteDatabase, table: str) -> None:
    """`table` made again WITHOUT ROWID, its rows and indexes kept (if it exists)."""
    row = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND "
                         "name = ?", (table,)).fetchone()
    if row is None or row[0].rstrip().upper().endswith("WITHOUT ROWID"):
        return  # none: classification, which a new database no longer makes (step 19)
    sql = row[0]
    indexes = [r[0] for r in db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND "
        "sql IS NOT NULL", (table,))]
    db.execute_sql(f'ALTER TABLE "{table}" RENAME TO "{table}_rowid"')
    db.execute_sql(f"{sql} WITHOUT ROWID")
    db.execute_sql(f'INSERT INTO "{table}" SELECT * FROM "{table}_rowid"')
    db.execute_sql(f'DROP TABLE "{table}_rowid"')
    for index in indexes:
        db.execute_sql(index)


def _v19(db: peewee.Database) -> None:
    """The classifications keyed by the classifier's number and the activity in one integer
    (desktop.engine.store.classifications): the joins of named rollups search a row id."""
    db.create_tables([models.Classifier, models.Classified])
    if not db.table_exists("classification"):  # made at 19 already
        return
    db.execute_sql("INSERT INTO classifier (fingerprint) SELECT DISTINCT fingerprint "
                   "FROM classification ORDER BY fingerprint")
    db.execute_sql("INSERT INTO classified (id, project, category, productivity) "
                   f"SELECT k.id * {1 << classifications.SHIFT} + c.activity, c.project, "
                   "c.category, c.productivity FROM classification c JOIN classifier k "
                   "ON k.fingerprint = c.fingerprint ORDER BY 1")
    db.execute_sql("DROP TABLE classification")


def _v20(db: peewee.Database) -> None:
    """Seconds per activity per block of 32 days (named_blocks.activity_blocks), built here
    for the blocks of past days on SQLite (elsewhere when first read); classifications
    without a project given the activity's own (Store.save_classifications)."""
    db.create_tables([models.ActivityBlockRollup, models.ActivityBlockDone])
    if not isinstance(db, peewee.SqliteDatabase):
        return
    db.execute_sql(f"UPDATE classified SET project = (SELECT NULLIF(a.project, '') FROM "
                   f"activity a WHERE a.id = classified.id & {classifications.SPAN - 1}) "
                   "WHERE project IS NULL OR project = ''")
    _without_rowid(db, "rollup_activity_block")
    named_blocks.build_activity_blocks(db.connection(), named_blocks.past_blocks(
        d for (d,) in db.execute_sql("SELECT day FROM active_day")))


def _key_digest(text: str) -> bytes | str:
    """A key hash stored as 32 hex digits (blake2b of the key's repr): its first 8 bytes
    (anything else as it is). Step 24 hashes the keys anew."""
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return text
    return raw[:8] if raw.hex() == text and len(raw) == 16 else text


def _v21(db: peewee.Database) -> None:
    """The uuids of spans, deletions and edited spans that are canonical UUID strings stored
    as their 16 bytes (desktop.engine.uuids); the activities' key hashes as 8 bytes
    (step 24 makes them 4), indexed but no longer unique (the store tells activities that share
    one apart by their fields). The desktop's store only (`STORE_ONLY`): the server's columns
    stay as they were, on PostgreSQL or SQLite. Other values stay as they are. `updated` is
    untouched: nothing changed for sync."""
    conn = db.connection()
    conn.create_function("tf_stored_uuid", 1, stored, deterministic=True)
    conn.create_function("tf_key_digest", 1, _key_digest, deterministic=True)
    for table in ("span", "deletion", "span_edit"):
        if not db.table_exists(table):
            continue
        # A unique index is rebuilt once rather than updated row by row (span_edit's is its
        # primary key's, which stays: the table is small).
        index = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'index' AND "
                               "name = ?", (f"{table}_uuid",)).fetchone()
        if index is not None:
            db.execute_sql(f'DROP INDEX "{table}_uuid"')
        db.execute_sql(f"UPDATE {table} SET uuid = tf_stored_uuid(uuid) "
                       "WHERE typeof(uuid) = 'text' AND length(uuid) = 36")
        if index is not None:
            db.execute_sql(index[0])
    db.execute_sql('DROP INDEX IF EXISTS "activity_key_hash"')
    db.execute_sql("UPDATE activity SET key_hash = tf_key_digest(key_hash) "
                   "WHERE typeof(key_hash) = 'text' AND length(key_hash) = 32")
    db.execute_sql('CREATE INDEX "activity_key_hash" ON "activity" ("key_hash")')


# The desktop's span table from step 22 (the model's, SpanRecord, with its `id` is the server's).
_SPAN = ('CREATE TABLE "span" ("uuid" VARCHAR(36) NOT NULL, "start" REAL NOT NULL, '
         '"end" REAL NOT NULL, "activity" INTEGER NOT NULL, "origin" INTEGER NOT NULL, '
         '"keystrokes" INTEGER NOT NULL, "clicks" INTEGER NOT NULL, "scrolls" INTEGER NOT NULL, '
         '"moves" INTEGER NOT NULL, "lines_added" INTEGER NOT NULL, '
         '"lines_deleted" INTEGER NOT NULL, "idle_to_active" INTEGER NOT NULL DEFAULT 0, '
         '"updated" REAL NOT NULL, PRIMARY KEY ("start", "uuid"), '
         'FOREIGN KEY ("activity") REFERENCES "activity" ("id"), '
         'FOREIGN KEY ("origin") REFERENCES "origin" ("id")) WITHOUT ROWID')
_SPAN_COLUMNS = ('"uuid", "start", "end", "activity", "origin", "keystrokes", "clicks", '
                 '"scrolls", "moves", "lines_added", "lines_deleted", "idle_to_active", "updated"')


def _v22(db: peewee.Database) -> None:
    """The desktop's spans WITHOUT ROWID, keyed by (start, uuid): the rows in the order of
    their start, which span_start indexed (it goes); span_uuid and span_lines hold that key
    instead of a row id. 13 bytes less per span, reads by time as fast (keyed by the uuid
    alone, span_start would hold it too: as small, but every read by time a search among
    uuids). Every row kept as it is. Sync's push cursor (updated, row id) becomes (updated,
    uuid): desktop.engine.sync reads a row id as none (pushes again from the first span of its
    `updated`: harmless, the server keeps the newest version by uuid; none is skipped)."""
    db.execute_sql('ALTER TABLE "span" RENAME TO "span_rowid"')
    for index in ("span_uuid", "span_start", "span_lines"):
        db.execute_sql(f'DROP INDEX IF EXISTS "{index}"')
    db.execute_sql(_SPAN)
    db.execute_sql(f'INSERT INTO "span" ({_SPAN_COLUMNS}) SELECT {_SPAN_COLUMNS} '
                   'FROM "span_rowid" ORDER BY "start", "uuid"')
    db.execute_sql('DROP TABLE "span_rowid"')
    db.execute_sql('CREATE UNIQUE INDEX "span_uuid" ON "span" ("uuid")')
    db.execute_sql("CREATE INDEX span_lines ON span (start, lines_added) WHERE lines_added > 0")


def _v23(db: peewee.Database) -> None:
    """No index of the quarter rollups by activity (step 13's, as large as the table): a
    project's quarters (commit times) and the days of the activities a rules change touches
    are read from the days that may hold them (named_blocks.activity_days). The
    desktop's store only (`STORE_ONLY`): the server's schema stays as it was."""
    db.execute_sql("DROP INDEX IF EXISTS rollup_quarter_activity")


def _v24(db: peewee.Database) -> None:
    """The activities' key hashes as store.key_digest makes them now: 4 bytes of a CRC-32 of
    a few fields instead of 8 of a blake2b of the key's repr (a quarter of the work for each
    new activity, 4 bytes less in the table and in its index). The desktop's store only
    (`STORE_ONLY`): the server keeps its hex column (store._key_hash)."""
    conn = db.connection()
    conn.create_function("tf_hash_fields", 5, hash_fields, deterministic=True)
    db.execute_sql('DROP INDEX IF EXISTS "activity_key_hash"')
    db.execute_sql("UPDATE activity SET key_hash = tf_hash_fields(app, title, url, file, "
                   "project)")
    db.execute_sql('CREATE INDEX "activity_key_hash" ON "activity" ("key_hash")')


STEPS: list[Callable[[peewee.Database], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9,
                                                   _v10, _v11, _v12, _v13, _v14, _v15, _v16,
                                                   _v17, _v18, _v19, _v20, _v21, _v22, _v23,
                                                   _v24]
LATEST = len(STEPS)
# Steps about how the desktop's store keeps its rows (desktop.engine.store.store), which the
# server (server.migrations, its own code on these tables) skips.
STORE_ONLY = frozenset({_v21, _v22, _v23, _v24})
if LATEST != SCHEMA_VERSION:
    raise RuntimeError(f"{LATEST} migration steps but db.SCHEMA_VERSION is {SCHEMA_VERSION}: "
                       "a new step raises SCHEMA_VERSION too")


def set_meta(key: str, value: str) -> None:
    """Insert or update a meta value (on the database the models are bound to)."""
    models.Meta.insert(key=key, value=value).on_conflict(
        conflict_target=[models.Meta.key], update={models.Meta.value: value}).execute()


def current_version(db: peewee.Database) -> int:
    if not db.table_exists("meta"):
        return 0
    row = db.execute_sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(db: peewee.Database, target: int = LATEST, *, server: bool = False) -> int:
    """Bring the file up to `target`; returns the version it was at. `server`: the server's
    database (the steps of STORE_ONLY are passed over)."""
    found = current_version(db)
    if found > LATEST:
        raise RuntimeError(f"database schema v{found} is newer than this TimeForged "
                           f"(v{LATEST}): upgrade TimeForged")
    with db.bind_ctx(models.MODELS):
        for version in range(found + 1, target + 1):
            with db.atomic():
                if not (server and STEPS[version - 1] in STORE_ONLY):
                    STEPS[version - 1](db)
                set_meta("schema_version", str(version))
    return found
