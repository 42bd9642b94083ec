"""Focus mode's own tables (created by the store's migration step 3, nothing else touches
the store's tables): sessions and blocked attempts, for the focus stats."""

from __future__ import annotations

from peewee import AutoField, BooleanField, CharField, DoubleField, TextField

from desktop.engine.store.models import BaseModel


class FocusSessionRecord(BaseModel):
    uuid = CharField(primary_key=True, max_length=36)
    started_at = DoubleField(index=True)
    planned_end = DoubleField()
    ended_at = DoubleField(null=True)
    outcome = CharField(max_length=16, null=True)  # NULL while running, completed | abandoned
    origin = CharField(max_length=16)
    locked = BooleanField(default=False)
    plan = TextField()  # FocusPlan as JSON

    class Meta:
        table_name = "focus_session"


class FocusAttempt(BaseModel):
    """A blocked site or app that came into focus. Only the site or app name, never a title."""

    id = AutoField()
    session = CharField(max_length=36, index=True)
    time = DoubleField(index=True)
    site = TextField(null=True)
    app = TextField(null=True)
    reason = TextField()

    class Meta:
        table_name = "focus_attempt"


MODELS = (FocusSessionRecord, FocusAttempt)
