"""The data model, as Peewee models shared by the desktop store and the sync server.

Kept database-agnostic (SQLite here, PostgreSQL on the server): plain column types, uuids as
36-character text (on SQLite, a canonical UUID string as its 16 bytes: desktop.engine.uuids,
schema step 21), times as epoch seconds (UTC, double precision). Tables are created by
`migrations`, never by hand; a model changed after its migration shipped needs a new
migration step.
"""

from __future__ import annotations

from peewee import (
    SQL,
    AutoField,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    CompositeKey,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


class BaseModel(Model):
    class Meta:
        database = None  # bound per database with `database.bind_ctx(MODELS)`
        legacy_table_names = False


class Meta(BaseModel):
    """Key/value settings of the file: schema_version, device, max_duration."""

    key = CharField(primary_key=True, max_length=64)
    value = TextField()


class Activity(BaseModel):
    """One distinct activity (Span.activity_key()); spans and rollups refer to it."""

    id = AutoField()
    # hex; in the desktop's store 8 bytes, indexed, not unique (schema step 21)
    key_hash = CharField(max_length=32, unique=True)
    app = TextField(null=True)
    title = TextField(null=True)
    url = TextField(null=True)
    site = TextField(null=True)
    file = TextField(null=True)
    project = TextField(null=True)
    branch = TextField(null=True)
    language = TextField(null=True)
    editor = TextField(null=True)
    browser = TextField(null=True)
    terminal = TextField(null=True)
    private = BooleanField(default=False)
    audible = BooleanField(default=False)
    category = TextField(null=True)  # set by the user; wins over the rules (schema step 14)


class Origin(BaseModel):
    """Who recorded a span: a source on a device."""

    id = AutoField()
    source = CharField(max_length=64)
    device = CharField(max_length=64)

    class Meta:
        indexes = ((("source", "device"), True),)


class SpanRecord(BaseModel):
    """A raw span as recorded; `updated` is when this row last changed (for sync). The
    desktop's store keeps it WITHOUT ROWID keyed by (start, uuid), without `id` (schema step
    22, migrations._SPAN); the server's has `id`."""

    id = AutoField()
    uuid = CharField(max_length=36, unique=True)
    start = DoubleField(index=True)
    end = DoubleField()
    activity = ForeignKeyField(Activity, column_name="activity", index=False)
    origin = ForeignKeyField(Origin, column_name="origin", index=False)
    keystrokes = IntegerField(default=0)
    clicks = IntegerField(default=0)
    scrolls = IntegerField(default=0)
    moves = IntegerField(default=0)
    lines_added = IntegerField(default=0)
    lines_deleted = IntegerField(default=0)
    # schema v9; a SQL default too, as the column migration v9 adds has
    idle_to_active = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    updated = DoubleField()

    class Meta:
        table_name = "span"


class Deletion(BaseModel):
    """A range of time the user removed (kept so that sync can propagate it)."""

    id = AutoField()
    uuid = CharField(max_length=36, unique=True)
    device = CharField(max_length=64)
    start = DoubleField()
    end = DoubleField()
    created = DoubleField()


class HeartbeatRecord(BaseModel):
    """A heartbeat as received, reduced to what joining needs (desktop.engine.store.beats):
    `key` hashes its join key (0: makes no span), `ident` its identity (a resend is the same
    heartbeat), `run` is the start of the run it is in."""

    id = BigAutoField()
    origin = IntegerField()
    time = DoubleField()
    key = BigIntegerField()
    activity = IntegerField(null=True)
    added = IntegerField(default=0)
    deleted = IntegerField(default=0)
    ident = BigIntegerField()
    run = DoubleField()

    class Meta:
        table_name = "heartbeat"
        indexes = ((("origin", "time", "ident"), True), (("origin", "run", "time"), False))


class QuarterRollup(BaseModel):
    """Overlap-resolved seconds per quarter hour (epoch // 900) and activity and origin."""

    bucket = IntegerField()
    activity = IntegerField()
    origin = IntegerField()
    seconds = DoubleField()

    class Meta:
        table_name = "rollup_quarter"
        primary_key = CompositeKey("bucket", "activity", "origin")


class DayRollup(BaseModel):
    """The same per UTC day (epoch // 86400), summed from the quarters."""

    day = IntegerField()
    activity = IntegerField()
    origin = IntegerField()
    seconds = DoubleField()

    class Meta:
        table_name = "rollup_day"
        primary_key = CompositeKey("day", "activity", "origin")


class TotalRollup(BaseModel):
    """All overlap-resolved seconds per quarter hour (hour/day/weekday bars)."""

    bucket = IntegerField(primary_key=True)
    seconds = DoubleField()

    class Meta:
        table_name = "rollup_total"


class DirtyQuarter(BaseModel):
    """Quarters whose spans changed since their rollups were computed."""

    bucket = IntegerField(primary_key=True)

    class Meta:
        table_name = "rollup_dirty"


class ActiveDay(BaseModel):
    """UTC days that have (or had) spans."""

    day = IntegerField(primary_key=True)

    class Meta:
        table_name = "active_day"


class NamedRollup(BaseModel):
    """Seconds per UTC day by the name of a dimension (project, app, ...) as analytics
    names it under one classifier fingerprint; filled lazily, dropped when a day changes."""

    fingerprint = CharField(max_length=64)
    dim = CharField(max_length=16)
    day = IntegerField()
    value = TextField()
    seconds = DoubleField()

    class Meta:
        table_name = "rollup_named"
        primary_key = CompositeKey("fingerprint", "dim", "day", "value")


class NamedQuarterRollup(BaseModel):
    """The same per quarter hour: for time-bucketed reports filtered by one name (the coding
    heatmap, streaks, daily bars by project)."""

    fingerprint = CharField(max_length=64)
    dim = CharField(max_length=16)
    bucket = IntegerField()
    value = TextField()
    seconds = DoubleField()

    class Meta:
        table_name = "rollup_named_quarter"
        primary_key = CompositeKey("fingerprint", "dim", "bucket", "value")


class NamedDone(BaseModel):
    """Which (fingerprint, dimension, day) rows of rollup_named and rollup_named_quarter
    are current (rows of days not listed are stale and get rebuilt before use)."""

    fingerprint = CharField(max_length=64)
    dim = CharField(max_length=16)
    day = IntegerField()

    class Meta:
        table_name = "named_done"
        primary_key = CompositeKey("fingerprint", "dim", "day")


class NamedBlockRollup(BaseModel):
    """Seconds by name of a dimension per block of `size` UTC days (block = day // size,
    desktop.engine.store.named_blocks), summed from the day rollups: long ranges read a few
    rows per month or year instead of one per day (schema step 15)."""

    fingerprint = CharField(max_length=64)  # the classifier's; "" for names it does not set
    dim = CharField(max_length=16)
    size = IntegerField()
    block = IntegerField()
    value = TextField()
    seconds = DoubleField()

    class Meta:
        table_name = "rollup_named_block"
        primary_key = CompositeKey("fingerprint", "dim", "size", "block", "value")


class ActivityBlockRollup(BaseModel):
    """Seconds per activity per block of 32 UTC days (block = day // 32), summed from the day
    rollups: a dimension's named blocks are built from these, so the first summary of a
    dimension does not group every day's rows again (schema step 20)."""

    block = IntegerField()
    activity = IntegerField()
    seconds = DoubleField()

    class Meta:
        table_name = "rollup_activity_block"
        primary_key = CompositeKey("block", "activity")


class ActivityBlockDone(BaseModel):
    """Which blocks of rollup_activity_block are current."""

    block = IntegerField(primary_key=True)

    class Meta:
        table_name = "activity_block_done"


class NamedBlockDone(BaseModel):
    """Which (fingerprint, dimension, size, block) rows of rollup_named_block are current."""

    fingerprint = CharField(max_length=64)
    dim = CharField(max_length=16)
    size = IntegerField()
    block = IntegerField()

    class Meta:
        table_name = "named_block_done"
        primary_key = CompositeKey("fingerprint", "dim", "size", "block")


class DayDigest(BaseModel):
    """The insights' digest of one UTC day (desktop.engine.store.day_digests), under the key of
    what it depends on besides the day's spans (rules fingerprint, tolerance); body NULL while
    being computed. Deleted when the day's rollups are recomputed (schema step 16)."""

    key = TextField()
    day = IntegerField(index=True)
    body = TextField(null=True)

    class Meta:
        table_name = "insight_day_digest"
        primary_key = CompositeKey("key", "day")


class CachedClassification(BaseModel):
    """What a classifier (by fingerprint) made of an activity, keyed by text (steps 2 to 17;
    step 19 moves the rows to `Classified`)."""

    activity = IntegerField()
    fingerprint = CharField(max_length=64)
    project = TextField(null=True)
    category = TextField()
    productivity = IntegerField()

    class Meta:
        table_name = "classification"
        primary_key = CompositeKey("fingerprint", "activity")


class Classifier(BaseModel):
    """A classifier's fingerprint and the number keying its classifications (`Classified`)."""

    id = IntegerField(primary_key=True)
    fingerprint = CharField(max_length=64, unique=True)

    class Meta:
        table_name = "classifier"


class Classified(BaseModel):
    """What a classifier made of an activity, so history is not re-run: the row id is the
    classifier's id << 32 | the activity's (desktop.engine.store.classifications)."""

    id = BigIntegerField(primary_key=True)
    project = TextField(null=True)
    category = TextField()
    productivity = IntegerField()

    class Meta:
        table_name = "classified"


class AwBucket(BaseModel):
    """An ActivityWatch bucket that was imported (desktop.engine.io.activitywatch)."""

    host = CharField(max_length=255)
    bucket = CharField(max_length=255)
    type = CharField(max_length=64)

    class Meta:
        table_name = "aw_bucket"
        primary_key = CompositeKey("host", "bucket")


class AwEvent(BaseModel):
    """A raw ActivityWatch event as imported, `data` as JSON; `key` is its id in the bucket
    (its timestamp when it has none): with its start, it names the event (ids start again
    from 1 when ActivityWatch's database is new). The spans of its time are derived from
    these."""

    id = AutoField()
    host = CharField(max_length=255)
    bucket = CharField(max_length=255)
    key = CharField(max_length=64)
    start = DoubleField(index=True)
    end = DoubleField()
    data = TextField()

    class Meta:
        table_name = "aw_event"
        indexes = ((("host", "bucket", "key", "start"), True),)


class GitRepository(BaseModel):
    """A repository whose history was read (desktop.engine.gitlog): where it is, the project
    its files are tracked under, and the fingerprint of its refs when last read."""

    root = CharField(max_length=1024, primary_key=True)
    project = TextField()
    fingerprint = CharField(max_length=32)
    emails = TextField()  # the user's addresses there, one per line
    read = DoubleField()

    class Meta:
        table_name = "git_repository"


class GitCommit(BaseModel):
    """A commit reachable in a repository when it was last read."""

    root = CharField(max_length=1024)
    hash = CharField(max_length=64)
    parents = IntegerField()
    email = TextField()
    author = TextField()
    authored = DoubleField()
    committed = DoubleField()
    subject = TextField()
    added = IntegerField()
    deleted = IntegerField()

    class Meta:
        table_name = "git_commit"
        primary_key = CompositeKey("root", "hash")


class SpanEdit(BaseModel):
    """Spans recorded on another device and edited here (moved, split, deleted): sync pushes
    them with this device's own (schema v10)."""

    uuid = CharField(max_length=36, primary_key=True)

    class Meta:
        table_name = "span_edit"


class EarnedAchievement(BaseModel):
    """An achievement earned (desktop.engine.achievements): on which local day, and whether
    the user was told (those found by the first run's backfill never are)."""

    key = CharField(max_length=64, primary_key=True)
    earned = CharField(max_length=10)  # ISO date
    recorded = DoubleField()
    notified = BooleanField(default=False)

    class Meta:
        table_name = "achievement"


class UpstreamQueued(BaseModel):
    """A heartbeat waiting to be forwarded to the upstream server (desktop.engine.upstream),
    as its WakaTime JSON; the row goes once the upstream acknowledged it."""

    id = BigAutoField()
    machine = CharField(max_length=128)
    body = TextField()
    queued = DoubleField()

    class Meta:
        table_name = "upstream_queue"


MODELS = (Meta, Activity, Origin, SpanRecord, Deletion, HeartbeatRecord, QuarterRollup,
          DayRollup, TotalRollup, DirtyQuarter, ActiveDay, NamedRollup, NamedQuarterRollup,
          NamedDone, CachedClassification, Classifier, Classified, AwBucket, AwEvent,
          GitRepository, GitCommit, SpanEdit, EarnedAchievement, UpstreamQueued,
          NamedBlockRollup, NamedBlockDone, DayDigest, ActivityBlockRollup, ActivityBlockDone)
