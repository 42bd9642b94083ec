"""The server's own tables, beside the engine's shared ones (desktop.engine.store.models).

Spans, activities, origins and deletions live in the shared tables; these say whose they are
(`Device`), who may use the API (`User`, `ApiKey`), what changed in which order (`Change`,
the sync cursor) and the per-day summaries kept current as data arrives (`UserDay`).
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
    IntegerField,
    TextField,
)

from desktop.engine.store.models import BaseModel
from server import team_models


class User(BaseModel):
    id = AutoField()
    name = CharField(max_length=64, unique=True)
    email = CharField(max_length=254, null=True)
    timezone = CharField(max_length=64, default="UTC")
    weekly_email = BooleanField(default=False)
    leaderboard = CharField(max_length=16, default="hidden")  # hidden | public | anonymous
    daily_goal_minutes = IntegerField(default=120)
    created = DoubleField()
    public_stats = BooleanField(default=False)  # stats/{range} readable without a key
    show_achievements = BooleanField(default=False)  # on the public pages (server.achievements)
    # /api/badge/{name}/... answers (server.badges); the SQL default: rows inserted by hand
    badges_public = BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")])

    class Meta:
        table_name = "tf_user"


class ApiKey(BaseModel):
    id = AutoField()
    user = IntegerField(index=True)
    key_hash = CharField(max_length=64, unique=True)  # sha256 hex of the key
    label = CharField(max_length=64, default="")
    created = DoubleField()
    last_used = DoubleField(null=True)
    revoked = BooleanField(default=False)
    revoked_at = DoubleField(null=True)
    hint = CharField(max_length=8, null=True)  # the key's last 4 characters (keys made since v5)

    class Meta:
        table_name = "api_key"


class Device(BaseModel):
    """A device id (the store's `device`, or one derived for a plugin's machine) and its owner."""

    id = CharField(max_length=64, primary_key=True)
    user = IntegerField(index=True)
    name = CharField(max_length=128, default="")
    last_seen = DoubleField()
    os = CharField(max_length=32, null=True)  # from its plugins' User-Agent, or its own word

    class Meta:
        table_name = "device"


class Change(BaseModel):
    """One row per span or deletion written: `seq` is the user's download cursor."""

    seq = BigAutoField()
    user = IntegerField()
    kind = CharField(max_length=8)  # span | deletion
    uuid = CharField(max_length=36)

    class Meta:
        table_name = "change"
        indexes = ((("user", "seq"), False),)


class UserDay(BaseModel):
    """Overlap-resolved seconds per user, local day (date ordinal in the user's time zone),
    activity and origin."""

    user = IntegerField()
    day = IntegerField()
    activity = IntegerField()
    origin = IntegerField()
    seconds = DoubleField()

    class Meta:
        table_name = "user_day"
        primary_key = CompositeKey("user", "day", "activity", "origin")


class UserWeek(BaseModel):
    """`UserDay` summed over weeks of 7 days (week w: day ordinals 7w+1..7w+7), so that a
    year's totals read ~52 rows per key instead of ~365."""

    user = IntegerField()
    week = IntegerField()
    activity = IntegerField()
    origin = IntegerField()
    seconds = DoubleField()

    class Meta:
        table_name = "user_week"
        primary_key = CompositeKey("user", "week", "activity", "origin")


class UserDayTotal(BaseModel):
    """`UserDay` summed per day: daily totals without reading every key."""

    user = IntegerField()
    day = IntegerField()
    seconds = DoubleField()
    # when recomputed: tells a cache the day changed (0: before server schema step 10)
    computed = DoubleField(default=0.0, constraints=[SQL("DEFAULT 0")])

    class Meta:
        table_name = "user_day_total"
        primary_key = CompositeKey("user", "day")


class DirtyDay(BaseModel):
    user = IntegerField()
    day = IntegerField()

    class Meta:
        table_name = "user_day_dirty"
        primary_key = CompositeKey("user", "day")


class JobRun(BaseModel):
    """When a scheduled job last ran for a key (a user's week, say): runs exactly once."""

    job = CharField(max_length=32)
    key = CharField(max_length=64)
    ran = DoubleField()

    class Meta:
        table_name = "job_run"
        primary_key = CompositeKey("job", "key")


class Deleted(BaseModel):
    """Which user a deletion (shared `deletion` table, by uuid) belongs to."""

    uuid = CharField(max_length=36, primary_key=True)
    user = IntegerField(index=True)

    class Meta:
        table_name = "deletion_owner"


class HeartbeatStream(BaseModel):
    """Where a device's heartbeat stream stands (the Joiner's open span per source, as JSON),
    so that whichever server process gets the next heartbeat, or one restarted, carries it on;
    `version` tells a process whether the state it holds in memory is still the latest."""

    device = CharField(max_length=64)
    source = CharField(max_length=16)
    version = BigIntegerField()
    state = TextField()

    class Meta:
        table_name = "heartbeat_stream"
        primary_key = CompositeKey("device", "source")


class UserAchievement(BaseModel):
    """An achievement a user's desktop earned and synced (server.achievements)."""

    user = IntegerField()
    key = CharField(max_length=64)
    title = CharField(max_length=128)
    earned = CharField(max_length=10)  # ISO date

    class Meta:
        table_name = "user_achievement"
        primary_key = CompositeKey("user", "key")


MODELS = (User, ApiKey, Device, Change, UserDay, DirtyDay, JobRun, Deleted, HeartbeatStream,
          UserWeek, UserDayTotal, UserAchievement, *team_models.MODELS)
