"""Schema of the server: the engine's migration steps (the same ones the desktop runs), then
the server's own steps, versioned separately in the shared `meta` table."""

from __future__ import annotations

from collections.abc import Callable

import peewee

from desktop.engine.store import migrations as shared
from server import models, team_models


def _s1(db: peewee.Database) -> None:
    db.create_tables([m for m in models.MODELS if m not in (
        models.HeartbeatStream, models.UserWeek, models.UserDayTotal, models.UserAchievement,
        *team_models.MODELS)])
    db.execute_sql('CREATE INDEX IF NOT EXISTS span_updated ON span (updated)')
    db.execute_sql('CREATE INDEX IF NOT EXISTS span_origin_start ON span (origin, start)')


def _s2(db: peewee.Database) -> None:
    db.create_tables([models.HeartbeatStream])


def _s3(db: peewee.Database) -> None:
    db.create_tables([models.UserWeek, models.UserDayTotal])
    db.execute_sql('INSERT INTO user_week ("user", week, activity, origin, seconds) '
                   'SELECT "user", (day - 1) / 7, activity, origin, SUM(seconds) FROM user_day '
                   'GROUP BY "user", (day - 1) / 7, activity, origin')
    db.execute_sql('INSERT INTO user_day_total ("user", day, seconds) SELECT "user", day, '
                   'SUM(seconds) FROM user_day GROUP BY "user", day')


def _s4(db: peewee.Database) -> None:
    """tf_user.public_stats, device.os (step 1 of a new database made them already)."""
    for table, column, kind in (("tf_user", "public_stats", "BOOLEAN NOT NULL DEFAULT FALSE"),
                                ("device", "os", "VARCHAR(32)")):
        if column not in {c.name for c in db.get_columns(table)}:
            db.execute_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def _s5(db: peewee.Database) -> None:
    """Teams, invitations, the boards' table (the global board's cache in `meta` goes); and
    api_key.revoked_at and .hint. Existing keys keep their SHA-256 and work on as before."""
    db.create_tables(team_models.MODELS)
    db.execute_sql("DELETE FROM meta WHERE key = 'leaderboard'")
    for column, kind in (("revoked_at", "DOUBLE PRECISION"), ("hint", "VARCHAR(8)")):
        if column not in {c.name for c in db.get_columns("api_key")}:
            db.execute_sql(f"ALTER TABLE api_key ADD COLUMN {column} {kind}")


def _s6(db: peewee.Database) -> None:
    """user_commit: the commits desktops push (server.commits), one per (user, project, hash);
    `mine`: the pushing desktop counted the author address as the user's."""
    db.execute_sql(
        'CREATE TABLE IF NOT EXISTS user_commit ("user" INTEGER NOT NULL, project TEXT NOT '
        "NULL, hash VARCHAR(64) NOT NULL, parents INTEGER NOT NULL, email TEXT NOT NULL, "
        "author TEXT NOT NULL, authored DOUBLE PRECISION NOT NULL, committed DOUBLE PRECISION "
        "NOT NULL, subject TEXT NOT NULL, added INTEGER NOT NULL, deleted INTEGER NOT NULL, "
        'mine BOOLEAN NOT NULL, PRIMARY KEY ("user", project, hash))')


def _s7(db: peewee.Database) -> None:
    """Achievements synced from the desktop, and whether the user shows them publicly."""
    db.create_tables([models.UserAchievement])
    if "show_achievements" not in {c.name for c in db.get_columns("tf_user")}:
        db.execute_sql("ALTER TABLE tf_user ADD COLUMN show_achievements BOOLEAN NOT NULL "
                       "DEFAULT FALSE")


def _s8(db: peewee.Database) -> None:
    """Browser sessions (and the key that opened one, if a key did) and passwords
    (server.account), and whether a user's badges are public."""
    db.execute_sql('CREATE TABLE IF NOT EXISTS web_session (id VARCHAR(64) PRIMARY KEY, '
                   '"user" INTEGER NOT NULL, csrf VARCHAR(64) NOT NULL, created DOUBLE '
                   'PRECISION NOT NULL, expires DOUBLE PRECISION NOT NULL, key_id INTEGER)')
    db.execute_sql('CREATE INDEX IF NOT EXISTS web_session_user ON web_session ("user")')
    db.execute_sql('CREATE TABLE IF NOT EXISTS user_password ("user" INTEGER PRIMARY KEY, '
                   'hash TEXT NOT NULL, updated DOUBLE PRECISION NOT NULL)')
    if "badges_public" not in {c.name for c in db.get_columns("tf_user")}:
        db.execute_sql("ALTER TABLE tf_user ADD COLUMN badges_public BOOLEAN NOT NULL "
                       "DEFAULT FALSE")


def _s9(db: peewee.Database) -> None:
    """user_commit_holder: which (device, repository) still holds each commit
    (server.commit_holdings); a commit no repository holds is deleted."""
    db.execute_sql(
        'CREATE TABLE IF NOT EXISTS user_commit_holder ("user" INTEGER NOT NULL, device '
        "VARCHAR(64) NOT NULL, repository VARCHAR(64) NOT NULL, project TEXT NOT NULL, hash "
        'VARCHAR(64) NOT NULL, PRIMARY KEY ("user", device, repository, hash))')
    db.execute_sql('CREATE INDEX IF NOT EXISTS user_commit_holder_commit ON user_commit_holder '
                   '("user", project, hash)')


def _s10(db: peewee.Database) -> None:
    """user_day_total.computed: when the day was last recomputed, so that what is derived
    from a day (the dashboard's digests, server.dashboard.digests) knows it changed."""
    if "computed" not in {c.name for c in db.get_columns("user_day_total")}:
        db.execute_sql("ALTER TABLE user_day_total ADD COLUMN computed DOUBLE PRECISION NOT "
                       "NULL DEFAULT 0")


STEPS: list[Callable[[peewee.Database], None]] = [_s1, _s2, _s3, _s4, _s5, _s6, _s7, _s8,
                                                   _s9, _s10]
VERSION_KEY = "server_schema_version"


def migrate(db: peewee.Database) -> None:
    """Shared steps first, then the server's; each in its own transaction, once."""
    shared.migrate(db, server=True)
    with db.bind_ctx(shared.models.MODELS + models.MODELS):
        row = db.execute_sql(f"SELECT value FROM meta WHERE key = '{VERSION_KEY}'").fetchone()
        found = int(row[0]) if row else 0
        if found > len(STEPS):
            raise RuntimeError(f"server schema v{found} is newer than this server: upgrade it")
        for version in range(found + 1, len(STEPS) + 1):
            with db.atomic():
                STEPS[version - 1](db)
                shared.set_meta(VERSION_KEY, str(version))
